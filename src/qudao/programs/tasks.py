"""Background rebate work (django-tasks; `qudao serve` runs the worker)."""

from __future__ import annotations

from django_tasks import task

from qudao.programs.models import JobStatus, SettlementJob


@task()
def settle_task(job_id: int) -> str:
    """Run a queued settlement; its progress and outcome are written to the job."""
    from qudao.programs.services import settlement_job_run  # a cycle: the services queue this

    job = SettlementJob.objects.get(pk=job_id)
    # RUNNING: an earlier attempt died with its worker (core.workers queued this again).
    # A settlement writes everything in one transaction at the end, so nothing of it is
    # stored: start again.
    if job.status not in (JobStatus.QUEUED, JobStatus.RUNNING):
        return str(job.status)
    return str(settlement_job_run(job=job).status)
