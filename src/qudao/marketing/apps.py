from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketingConfig(AppConfig):
    name = "qudao.marketing"
    verbose_name = _("Joint marketing")
