"""Demo agreements, generated (the dataset holds none): a dealer or distribution agreement
for every reseller, most running well past today, a few inside their reminder window, a
few lapsed — so the agreements list, the partner pages and the
risk alerts show each state. Numbers start with "DEMO-"."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from qudao.partners.models import Agreement, Partner

SEED = 20261207


@transaction.atomic
def demo_agreements() -> int:
    """Once; the partners' risk alerts follow with the demo's risk refresh."""
    if Agreement.objects.exists():
        return 0
    rng = random.Random(SEED)  # noqa: S311 - demo data, not secrets
    today = timezone.localdate()
    first: list[Agreement] = []
    for partner in Partner.objects.select_related("channel_model").order_by("code"):
        roll = rng.random()
        if roll < 0.05:
            ends = today + timedelta(days=rng.randint(5, 55))  # inside the 60-day reminder
        elif roll < 0.08:
            ends = today - timedelta(days=rng.randint(5, 90))  # lapsed, not renewed
        else:
            ends = date(today.year + rng.randint(0, 2), 12, 31)
            if ends - today < timedelta(days=90):
                ends = date(ends.year + 1, 12, 31)
        first.append(
            Agreement(
                partner=partner,
                number=f"DEMO-{partner.code}",
                kind="distribution" if partner.channel_model.code == "distributor" else "dealer",
                starts_on=date(ends.year - 2, 1, 1),
                ends_on=ends,
                yearly_target=Decimal(rng.randint(5, 80) * 10_000),
                payment_terms=rng.choice(("30 days net", "60 days net", "款到发货")),
                other_terms="Demo data, generated — 演示数据（生成）",
                remind_days=60,
            )
        )
    made = bulk_create_with_history(first, Agreement)
    return len(made)
