"""Every importable / exportable dataset, by name. Apps register theirs from
``AppConfig.ready()``; the kernel knows none of them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _

from qudao.core.importing.errors import MappingError
from qudao.core.importing.master import MasterTarget

# An export that is not master data (e.g. the review's scorecards): (period, user) →
# (headers, rows); a ValueError says why it cannot be made.
Exporter = Callable[[str | None, Any], tuple[list[str], list[Any]]]

_TARGETS: dict[str, MasterTarget] = {}
_EXPORTS: dict[str, Exporter] = {}


def register_master_target(*targets: MasterTarget) -> None:
    for target in targets:
        _TARGETS[target.name] = target


def register_export(name: str, produce: Exporter) -> None:
    _EXPORTS[name] = produce


def master_targets() -> dict[str, MasterTarget]:
    """The master-data targets, in the order their apps registered them."""
    return dict(_TARGETS)


def other_exports() -> dict[str, Exporter]:
    return dict(_EXPORTS)


def master_target(name: str) -> MasterTarget:
    targets = master_targets()
    if name not in targets:
        raise MappingError(
            _("Unknown target “%(name)s”; use one of: %(names)s.")
            % {"name": name, "names": ", ".join(targets)}
        )
    return targets[name]
