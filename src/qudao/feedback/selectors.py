"""Reads for product feedback — through ``restrict``: a partner its own, the product team
all of it (and nothing else of the channel's)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet
from django.db.models.functions import Coalesce, TruncMonth

from qudao.core.permissions import restrict
from qudao.feedback.models import Feedback, FeedbackFile, FeedbackKind


def feedback_list(*, user: Any) -> QuerySet[Feedback]:
    return restrict(Feedback.objects.all(), user).select_related(
        "partner", "product", "category", "routed_to", "submitted_by"
    )


def feedback_files(*, feedback: Feedback, user: Any) -> QuerySet[FeedbackFile]:
    return restrict(FeedbackFile.objects.filter(feedback=feedback), user)


@dataclass(frozen=True)
class Trend:
    months: list[str]  # "2026-11"
    kinds: list[tuple[str, Any]]  # (key, label)
    per_month: dict[tuple[str, str], int]  # (month, kind) → count
    by_subject: list[dict[str, Any]]  # product or category code, counts in kinds' order, total


def feedback_trends(rows: QuerySet[Feedback]) -> Trend:
    """Feedback per month and type, and per product (or category) and type, over ``rows``."""
    monthly = (
        rows.order_by()
        .annotate(month=TruncMonth("created_at"))
        .values("month", "kind")
        .annotate(n=Count("pk"))
    )
    per_month = {(r["month"].strftime("%Y-%m"), r["kind"]): r["n"] for r in monthly}
    subjects = (
        rows.order_by()
        .annotate(subject=Coalesce("product__code", "category__code"))
        .values("subject", "kind")
        .annotate(n=Count("pk"))
    )
    kinds = [k.value for k in FeedbackKind]
    counts: dict[str, dict[str, int]] = {}
    for r in subjects:
        counts.setdefault(r["subject"], {})[r["kind"]] = r["n"]
    table = [
        {
            "subject": subject,
            "counts": [found.get(k, 0) for k in kinds],
            "total": sum(found.values()),
        }
        for subject, found in counts.items()
    ]
    return Trend(
        months=sorted({m for m, _k in per_month}),
        kinds=[(k.value, k.label) for k in FeedbackKind],
        per_month=per_month,
        by_subject=sorted(table, key=lambda r: (-r["total"], r["subject"])),
    )
