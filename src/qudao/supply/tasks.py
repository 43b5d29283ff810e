"""Background work of the supply app: a check after inventory or sell-through changed."""

from __future__ import annotations

from django_tasks import task

from qudao.core.models import User
from qudao.supply.models import CheckTrigger


@task()
def supply_check_after_change(fact: str) -> str:
    """Refresh days of supply and the alerts once a file of ``fact`` was committed or
    reverted."""
    from qudao.supply.services import supply_check_run  # the engine: loaded by the worker

    check = supply_check_run(trigger=CheckTrigger.IMPORT, fact=fact)
    return f"supply check {check.pk} after {fact}: {check.counts}"


@task()
def supply_check_requested(user_id: int) -> str:
    """A check someone started on the page, run as them."""
    from qudao.supply.services import supply_check_run  # the engine: loaded by the worker

    check = supply_check_run(trigger=CheckTrigger.PAGE, actor=User.objects.get(pk=user_id))
    return f"supply check {check.pk}: {check.counts}"
