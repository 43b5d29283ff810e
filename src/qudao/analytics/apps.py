from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "qudao.analytics"
    verbose_name = _("Channel review")

    def ready(self) -> None:
        from qudao.facts.signals import fact_changed

        fact_changed.connect(_refresh_rollups, dispatch_uid="analytics-rollups")

        from qudao.analytics.steps import GRADE_PROPOSALS_STEP, register_step

        register_step(GRADE_PROPOSALS_STEP)

        from qudao.analytics.selectors import scorecards_export
        from qudao.core.importing.registry import register_export

        register_export("scorecards", scorecards_export)


def _refresh_rollups(sender: Any, fact: str, **kwargs: Any) -> None:
    """A batch came or went: build the review's roll-ups in the background, so that the
    next review reads aggregates instead of lines."""
    # deferred: the metrics load Ibis, and a signal handler must not at start-up
    from qudao.analytics.metrics import ROLLUPS
    from qudao.analytics.tasks import refresh_rollups_task

    if any(source == fact for source, _build in ROLLUPS.values()):
        refresh_rollups_task.enqueue()
