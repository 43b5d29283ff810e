"""Reads for deal registration — always through ``restrict``: a partner sees its own
registrations (and its sub-partners'), never who else is after a customer."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from statistics import median
from typing import Any

from django.db.models import Count, Exists, Max, OuterRef, QuerySet

from qudao.core.permissions import is_partner_user, restrict
from qudao.deals.models import (
    OPEN_STATUSES,
    DealConflict,
    DealRegistration,
    DealStatus,
    DirectAccount,
)

SECONDS_PER_DAY = Decimal(86_400)


def deal_list(*, user: Any) -> QuerySet[DealRegistration]:
    rows = restrict(DealRegistration.objects.all(), user).select_related(
        "partner", "customer_region", "routed_to"
    )
    if is_partner_user(user):
        return rows
    return rows.annotate(
        conflict_count=Count("conflicts", distinct=True),
        best_score=Max("conflicts__score"),
    )


def deal_conflicts(*, deal: DealRegistration, user: Any) -> QuerySet[DealConflict]:
    """The candidates found for ``deal``, best first (none for partner users)."""
    return (
        restrict(DealConflict.objects.filter(deal=deal), user)
        .select_related("account__owner", "account__region", "other_deal__partner")
        .order_by("-score", "pk")
    )


def conflict_list(*, user: Any) -> QuerySet[DealConflict]:
    """Every candidate of the open registrations in the user's scope: the page sales and
    channel work from together."""
    return (
        restrict(DealConflict.objects.all(), user)
        .filter(deal__status__in=OPEN_STATUSES)
        .select_related("deal__partner", "account__owner", "account__region", "other_deal__partner")
        .order_by("-score", "deal_id", "pk")
    )


def account_conflicts(*, account: DirectAccount, user: Any) -> QuerySet[DealConflict]:
    """The registrations that matched a direct account, newest first."""
    return (
        restrict(DealConflict.objects.filter(account=account), user)
        .select_related("deal__partner")
        .order_by("-deal__created_at")
    )


def direct_account_list(*, user: Any) -> QuerySet[DirectAccount]:
    return restrict(DirectAccount.objects.all(), user).select_related("region", "owner")


@dataclass
class DealFigures:
    """The registrations' figures over the rows a page shows."""

    registrations: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    decided: int = 0
    median_days_to_decide: Decimal | None = None
    in_conflict: int = 0
    open_registrations: int = 0
    won: int = 0
    lost: int = 0
    realised_amount: Decimal = Decimal(0)
    registered_value: Decimal = Decimal(0)

    @property
    def win_rate(self) -> Decimal | None:
        """Won ÷ (won + lost): registrations still open, rejected or routed do not count."""
        closed = self.won + self.lost
        return None if not closed else Decimal(self.won) / Decimal(closed)

    @property
    def conflict_share(self) -> Decimal | None:
        """Open registrations with at least one candidate ÷ open registrations."""
        if not self.open_registrations:
            return None
        return Decimal(self.in_conflict) / Decimal(self.open_registrations)


def deal_figures(rows: QuerySet[DealRegistration]) -> DealFigures:
    """Registrations, time to decide (median days from registering to the decision, over
    those decided), conflicts among the open ones, win rate, the amount realised."""
    plain = rows.order_by().values_list(
        "status", "created_at", "decided_at", "value", "realised_amount"
    )
    figures = DealFigures()
    statuses: Counter[str] = Counter()
    waits: list[Decimal] = []
    for status, created, decided, value, realised in plain:
        statuses[status] += 1
        figures.registered_value += value
        if decided is not None:
            waits.append(Decimal((decided - created).total_seconds()) / SECONDS_PER_DAY)
        if realised is not None and status == DealStatus.WON:
            figures.realised_amount += realised
    figures.registrations = sum(statuses.values())
    figures.by_status = {s.value: statuses.get(s.value, 0) for s in DealStatus}
    figures.decided = len(waits)
    if waits:
        figures.median_days_to_decide = Decimal(median(waits)).quantize(Decimal("0.1"))
    figures.won = statuses.get(DealStatus.WON, 0)
    figures.lost = statuses.get(DealStatus.LOST, 0)
    open_rows = rows.filter(status__in=OPEN_STATUSES)
    figures.open_registrations = open_rows.count()
    figures.in_conflict = open_rows.filter(
        Exists(DealConflict.objects.filter(deal=OuterRef("pk")))
    ).count()
    return figures
