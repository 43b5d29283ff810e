"""Background governance work (django-tasks; `qudao serve` runs the worker)."""

from __future__ import annotations

from django_tasks import task


@task()
def refresh_partner_risk_task() -> str:
    """Every partner's risk profile and alerts, after receivables came or went."""
    from qudao.governance.services import risk_profiles_refresh  # deferred: loads Ibis

    return risk_profiles_refresh().summary()
