from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FactsConfig(AppConfig):
    name = "qudao.facts"
    label = "facts"
    verbose_name = _("Facts")

    def ready(self) -> None:
        from qudao.core.signals import serving_started

        serving_started.connect(_recover_store, dispatch_uid="facts-store-recover")


def _recover_store(sender: object, **kwargs: object) -> None:
    """What an earlier, killed import left behind is put right before serving."""
    from qudao.facts.store import store_recover  # deferred: the store loads Ibis

    store_recover()
