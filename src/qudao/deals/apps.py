from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DealsConfig(AppConfig):
    name = "qudao.deals"
    verbose_name = _("Deal registration")

    def ready(self) -> None:
        from qudao.core.importing.registry import register_master_target
        from qudao.deals.importers import DIRECT_ACCOUNTS

        register_master_target(DIRECT_ACCOUNTS)
