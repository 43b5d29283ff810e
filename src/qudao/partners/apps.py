from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnersConfig(AppConfig):
    name = "qudao.partners"
    label = "partners"
    verbose_name = _("Partners")

    def ready(self) -> None:
        from qudao.core.importing.registry import register_master_target
        from qudao.partners.importers import PARTNERS, TARGETS, TERRITORIES

        register_master_target(PARTNERS, TERRITORIES, TARGETS)
