"""Demo product feedback, generated (the dataset holds none): what resellers and the channel
team told the product team over the last months about the dataset's bikes and parts —
defects, requests, prices, packaging — some routed and answered, some waiting. Every text
says it is demo data."""

from __future__ import annotations

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from qudao.catalog.models import Product
from qudao.core.models import User
from qudao.feedback.models import Feedback
from qudao.feedback.services import (
    feedback_answer,
    feedback_decline,
    feedback_route,
    feedback_submit,
)
from qudao.partners.choices import SELLING_STATUSES
from qudao.partners.models import Partner

SEED = 20261207
NOTE = " (Demo data, generated — 演示数据（生成）)"
SAID = (
    ("defect", "high", "Chain snaps under load", "Two customers' chains snapped within a week."),
    ("defect", "medium", "Paint chips at the fork", "Chips appear after a month's use."),
    ("request", "low", "A smaller frame size", "Shoppers under 160 cm find no size."),
    ("request", "medium", "A blue colour", "Asked for in every store this spring."),
    ("price", "medium", "Priced above the rival's", "The rival's model is 10 % cheaper."),
    (
        "packaging",
        "low",
        "Box corners crushed",
        "Cartons arrive dented; shoppers ask for a discount.",
    ),
)
ANSWERS = (
    "A new supplier from next month; send us the frame numbers.",
    "Planned for next season's range.",
    "Prices are reviewed each quarter; noted for the next review.",
)


@transaction.atomic
def demo_feedback() -> int:
    """About twenty pieces of feedback; once (a later run adds nothing)."""
    if Feedback.objects.exists():
        return 0
    rng = random.Random(SEED)  # noqa: S311 - demo data, not secrets
    director = User.objects.get(username="director")
    product_owner = User.objects.filter(username="product").first()
    products = list(Product.objects.order_by("code")[:60])
    partners = list(Partner.objects.filter(status__in=SELLING_STATUSES).order_by("code")[:80])
    now = timezone.now()
    made = 0
    for n in range(20):
        kind, severity, title, text = rng.choice(SAID)
        feedback = feedback_submit(
            actor=None,
            partner=rng.choice(partners) if n % 4 else None,
            product=rng.choice(products),
            kind=kind,
            severity=severity,
            title=title,
            text=text + NOTE,
        )
        Feedback.objects.filter(pk=feedback.pk).update(
            created_at=now - timedelta(days=rng.randint(1, 170))
        )
        step = n % 5
        if step >= 2 and product_owner is not None:
            feedback_route(feedback=feedback, owner=product_owner, actor=director)
            if step >= 3:
                feedback_answer(feedback=feedback, answer=rng.choice(ANSWERS), actor=product_owner)
        elif step == 1:
            feedback_decline(
                feedback=feedback, note="A support question: see the manual.", actor=director
            )
        made += 1
    return made
