from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# the facts a check reads: a file of either committed or reverted refreshes the alerts
CHECKED_FACTS = frozenset({"inventory", "sell_through"})


class SupplyConfig(AppConfig):
    name = "qudao.supply"
    verbose_name = _("Supply alerts")

    def ready(self) -> None:
        # The check runs as a step of every review (analytics.steps) …
        from qudao.analytics.steps import register_step
        from qudao.supply.steps import SUPPLY_STEP

        register_step(SUPPLY_STEP)
        # … and in the background once stock or sell-through changed.
        from qudao.facts.signals import fact_changed

        fact_changed.connect(_check_after_change, dispatch_uid="supply-check")


def _check_after_change(sender: Any, fact: str, **kwargs: Any) -> None:
    from qudao.supply.tasks import supply_check_after_change  # the worker's, not start-up's

    if fact in CHECKED_FACTS:
        supply_check_after_change.enqueue(fact)
