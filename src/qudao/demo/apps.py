from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The AdventureWorks demo (``qudao demo``): project-level, it loads every app."""

    name = "qudao.demo"
    label = "demo"
    verbose_name = _("Demo")
