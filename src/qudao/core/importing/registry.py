"""Every importable / exportable master-data target, by name."""

from __future__ import annotations

from django.utils.translation import gettext as _

from qudao.core.importing.errors import MappingError
from qudao.core.importing.master import MasterTarget


def master_targets() -> dict[str, MasterTarget]:
    from qudao.catalog.importers import CATEGORIES, PRICE_LIST, PRODUCTS
    from qudao.partners.importers import PARTNERS, TARGETS
    from qudao.territories.importers import REGIONS, SEGMENTS

    return {
        t.name: t for t in (REGIONS, SEGMENTS, PARTNERS, CATEGORIES, PRODUCTS, PRICE_LIST, TARGETS)
    }


def master_target(name: str) -> MasterTarget:
    targets = master_targets()
    if name not in targets:
        raise MappingError(
            _("Unknown target “%(name)s”; use one of: %(names)s.")
            % {"name": name, "names": ", ".join(targets)}
        )
    return targets[name]
