"""Demo visits and communication, generated (the dataset holds none): a visit rule per
grade, and over the last half year visits, calls, business reviews and meetings with a
few hundred resellers — some with follow-ups, open or done, a few planned in the weeks
ahead — so the activity list, the calendar and the overdue list show something real.
Every activity's notes say it is demo data."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from qudao.collaboration.models import Activity, VisitFrequency
from qudao.collaboration.services import (
    UNGRADED,
    activity_create,
    follow_up_add,
    follow_up_done,
    visit_frequencies_save,
)
from qudao.core.models import User
from qudao.partners.models import Grade, Partner

SEED = 20261208
DEMO_NOTE = "Demo data, generated — 演示数据（生成）"
EVERY_DAYS_BY_RANK = {1: 30, 2: 60, 3: 90, 4: 180}
SUBJECTS = {
    "visit": ("Shop visit", "Store check and display", "New season line-up"),
    "call": ("Order follow-up", "Price question", "Stock check"),
    "business_review": ("Quarterly business review", "Target review"),
    "meeting": ("Joint marketing plan", "Territory planning"),
}
TASKS = ("Send the new price list", "Check the stock of road bikes", "Plan a test-ride day")


@transaction.atomic
def demo_activities() -> int:
    """Once: the visit rules, then the activities."""
    if Activity.objects.exists():
        return 0
    if not VisitFrequency.objects.exists():
        rules: dict[int, int | None] = {
            g.pk: EVERY_DAYS_BY_RANK.get(g.rank, 180) for g in Grade.objects.all()
        }
        visit_frequencies_save(every_days={**rules, UNGRADED: 90})
    rng = random.Random(SEED)  # noqa: S311 - demo data, not secrets
    director = User.objects.get(username="director")
    manager = User.objects.filter(username="manager.eu").first()
    partners = list(Partner.objects.select_related("home_region").order_by("code"))
    rng.shuffle(partners)
    managed = list(manager.managed_regions.values_list("path", flat=True)) if manager else []
    today = timezone.localdate()
    made = 0
    for partner in partners[:260]:
        theirs = any(partner.home_region.path.startswith(path) for path in managed)
        owner = manager if manager is not None and theirs and rng.random() < 0.8 else director
        for _n in range(rng.randint(1, 3)):
            kind = rng.choice(("visit", "visit", "call", "business_review", "meeting"))
            day = today - timedelta(days=rng.randint(-21, 200))
            activity = activity_create(
                partner=partner,
                kind=kind,
                subject=rng.choice(SUBJECTS[kind]),
                starts_at=timezone.make_aware(
                    datetime.combine(day, time(rng.choice((9, 10, 14, 16))))
                ),
                minutes=rng.choice((30, 60, 90)),
                owner=owner,
                notes=DEMO_NOTE,
                shared_with_partner=kind in ("visit", "business_review"),
            )
            made += 1
            if rng.random() < 0.3:
                task = follow_up_add(
                    activity=activity,
                    task=rng.choice(TASKS),
                    owner=owner,
                    due_on=day + timedelta(days=rng.randint(5, 30)),
                )
                if day + timedelta(days=20) < today and rng.random() < 0.7:
                    follow_up_done(follow_up=task)
    return made
