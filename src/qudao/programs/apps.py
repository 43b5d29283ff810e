from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgramsConfig(AppConfig):
    name = "qudao.programs"
    verbose_name = _("Rebates")

    def ready(self) -> None:
        from qudao.core.importing.registry import register_export

        # ``qudao export rebates --period P``: the latest settlement made for P.
        register_export("rebates", _rebates_export)


def _rebates_export(period: str | None, user: Any) -> tuple[list[str], list[Any]]:
    from qudao.programs.selectors import rebates_export  # deferred: the engine loads Ibis

    return rebates_export(period, user)
