from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TerritoriesConfig(AppConfig):
    name = "qudao.territories"
    label = "territories"
    verbose_name = _("Territories")

    def ready(self) -> None:
        from qudao.core.importing.registry import register_master_target
        from qudao.territories.importers import REGION_POTENTIAL, REGIONS, SEGMENTS

        register_master_target(REGIONS, SEGMENTS, REGION_POTENTIAL)
