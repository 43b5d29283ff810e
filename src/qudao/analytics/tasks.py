"""Background review work (django-tasks; `qudao serve` runs the worker)."""

from __future__ import annotations

import logging

from django.utils import translation
from django_tasks import task

from qudao.analytics.choices import Engine
from qudao.analytics.engine import spark_stop
from qudao.analytics.models import ReviewRun, RunStatus
from qudao.analytics.rollups import rollups_refresh

logger = logging.getLogger(__name__)


@task()
def run_review_task(run_id: int) -> str:
    """Run a queued review; progress and the outcome are written to the run, in the
    language of who started it."""

    run = ReviewRun.objects.get(pk=run_id)
    with translation.override(run.language or None):
        return _run_review(run)


def _run_review(run: ReviewRun) -> str:
    from qudao.analytics.services import review_run  # a cycle: the services queue this

    run_id = run.pk
    if run.status == RunStatus.RUNNING:
        # An earlier attempt died (its worker was killed; core.workers queued this task
        # again). A run writes its results in one transaction at the end, so nothing of
        # it is stored: start again.
        ReviewRun.objects.filter(pk=run_id).update(status=RunStatus.QUEUED, progress=0)
        run.refresh_from_db()
    if run.status != RunStatus.QUEUED:
        return run.status
    try:
        review_run(period=run.period, run=run)
    except Exception:
        logger.exception("review run %s failed", run_id)
        raise
    finally:
        if run.engine == Engine.SPARK:
            spark_stop()  # the worker lives on; the JVM's heap must not
    return ReviewRun.objects.get(pk=run_id).status


@task()
def refresh_rollups_task() -> str:
    """Build the review's roll-ups for the fact store as it stands (after an import)."""
    rollups_refresh()
    return "done"
