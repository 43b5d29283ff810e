from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "qudao.catalog"
    label = "catalog"
    verbose_name = _("Catalogue")

    def ready(self) -> None:
        from qudao.catalog.importers import CATEGORIES, PRICE_LIST, PRODUCTS
        from qudao.core.importing.registry import register_master_target

        register_master_target(CATEGORIES, PRODUCTS, PRICE_LIST)
