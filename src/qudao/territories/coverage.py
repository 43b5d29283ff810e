"""Coverage and white space: a region's market potential (``RegionPotential``) against
what the brand's partners sell there and how many of them there are.

A region's potential for a period is its own figure when one is recorded, else the sum of
its children's (and so on down); amount and outlets separately. Sell-in and sell-through
are the current reviews' scorecards of the partners at home in the region or below, over
the period: its own review if there is one, else its quarters', else its months'. Coverage
= sell-in ÷ potential amount; gap = potential − sell-in (never below 0); outlet coverage =
partners selling ÷ potential outlets.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Sum

from qudao.core.periods import Period
from qudao.core.permissions import restrict
from qudao.partners.choices import SELLING_STATUSES
from qudao.partners.models import Partner
from qudao.territories.models import Region, RegionPotential

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class CoverageRow:
    region: Region
    potential_amount: Decimal | None
    potential_outlets: int | None
    partners: int
    sell_in: Decimal
    sell_through: Decimal

    @property
    def coverage(self) -> Decimal | None:
        """Sell-in ÷ potential, as a percentage to 0.1."""
        if not self.potential_amount:
            return None
        return (self.sell_in * 100 / self.potential_amount).quantize(Decimal("0.1"), ROUND_HALF_UP)

    @property
    def gap(self) -> Decimal | None:
        if self.potential_amount is None:
            return None
        return max(ZERO, self.potential_amount - self.sell_in)

    @property
    def outlet_coverage(self) -> Decimal | None:
        if not self.potential_outlets:
            return None
        return (Decimal(self.partners) * 100 / self.potential_outlets).quantize(
            Decimal("0.1"), ROUND_HALF_UP
        )


def potential_periods() -> list[str]:
    """The periods some potential is recorded for, newest first."""
    keys = set(RegionPotential.objects.values_list("period", flat=True))
    return sorted(keys, key=lambda k: (Period.parse(k).end, k), reverse=True)


def sales_periods(period: str) -> list[str]:
    """The reviewed periods whose sales make up ``period``: itself, else its quarters,
    else its months (only those reviewed)."""
    from qudao.analytics.models import Scorecard  # deferred: territories sit below analytics

    reviewed = set(Scorecard.objects.filter(is_current=True).values_list("period", flat=True))
    wanted = Period.parse(period)
    if wanted.key in reviewed:
        return [wanted.key]
    quarters = [q.key for q in wanted.quarters if q.key in reviewed]
    if quarters:
        return quarters
    return sorted(
        k for k in reviewed if "-" in k and wanted.start <= Period.parse(k).start <= wanted.end
    )


class CoverageBook:
    """Potential, partners and sales of every region for one period, as ``user`` sees
    them (``user`` None: all, for scoring applicants)."""

    def __init__(self, *, period: str, user: Any | None = None) -> None:
        from qudao.analytics.models import Scorecard  # deferred: see sales_periods

        self.period = Period.parse(period).key
        self.regions = {r.pk: r for r in Region.objects.all()}
        self.children: dict[int | None, list[int]] = {}
        for region in self.regions.values():
            self.children.setdefault(region.parent_id, []).append(region.pk)
        self.own = {p.region_id: p for p in RegionPotential.objects.filter(period=self.period)}
        partners = Partner.objects.filter(status__in=SELLING_STATUSES)
        scorecards = Scorecard.objects.filter(
            is_current=True, period__in=sales_periods(self.period)
        )
        if user is not None:
            partners = restrict(partners, user)
            scorecards = restrict(scorecards, user)
        self.partner_paths = list(partners.values_list("home_region__path", flat=True))
        self.sales = list(
            scorecards.values("region__path").annotate(
                sell_in=Sum("revenue"), sell_through=Sum("sell_through_revenue")
            )
        )
        self.periods = sales_periods(self.period)
        self._amounts: dict[int, Decimal | None] = {}
        self._outlets: dict[int, int | None] = {}

    def amount(self, pk: int) -> Decimal | None:
        if pk not in self._amounts:
            own = self.own.get(pk)
            if own is not None and own.potential_amount is not None:
                value: Decimal | None = own.potential_amount
            else:
                parts = [self.amount(c) for c in self.children.get(pk, [])]
                known = [p for p in parts if p is not None]
                value = sum(known, ZERO) if known else None
            self._amounts[pk] = value
        return self._amounts[pk]

    def outlets(self, pk: int) -> int | None:
        if pk not in self._outlets:
            own = self.own.get(pk)
            if own is not None and own.potential_outlets is not None:
                value: int | None = own.potential_outlets
            else:
                parts = [self.outlets(c) for c in self.children.get(pk, [])]
                known = [p for p in parts if p is not None]
                value = sum(known) if known else None
            self._outlets[pk] = value
        return self._outlets[pk]

    def row(self, region: Region) -> CoverageRow:
        inside = [s for s in self.sales if (s["region__path"] or "").startswith(region.path)]
        return CoverageRow(
            region=region,
            potential_amount=self.amount(region.pk),
            potential_outlets=self.outlets(region.pk),
            partners=sum(1 for p in self.partner_paths if p.startswith(region.path)),
            sell_in=sum((Decimal(s["sell_in"] or 0) for s in inside), ZERO).quantize(
                Decimal("0.01")
            ),
            sell_through=sum((Decimal(s["sell_through"] or 0) for s in inside), ZERO).quantize(
                Decimal("0.01")
            ),
        )

    def rows_below(self, parent: Region | None) -> list[CoverageRow]:
        """The regions one level below ``parent`` (the top of the tree for None)."""
        ids = self.children.get(parent.pk if parent else None, [])
        rows = [self.row(self.regions[i]) for i in ids]
        return sorted(rows, key=lambda r: (-(r.gap or 0), r.region.path))

    def largest_gaps(self, *, limit: int = 10) -> list[CoverageRow]:
        """The regions with a potential of their own and the most of it uncovered."""
        rows = [self.row(self.regions[pk]) for pk in self.own if pk in self.regions]
        rows = [r for r in rows if r.gap]
        return sorted(rows, key=lambda r: -(r.gap or 0))[:limit]


def uncovered_share(
    regions: Iterable[Region], *, books: dict[str, CoverageBook] | None = None
) -> Decimal | None:
    """For scoring an applicant: of the potential of the regions it wants, the share (%)
    not yet sold — in the newest period that has a potential for any of them; None where no
    potential is recorded for them (the caller then counts partners instead). ``books``
    keeps the books read, for a caller scoring many applicants at once."""
    wanted = list(regions)
    books = {} if books is None else books
    for period in potential_periods():
        if period not in books:
            books[period] = CoverageBook(period=period)
        book = books[period]
        rows = [book.row(r) for r in wanted if book.amount(r.pk)]
        if rows:
            potential = sum((r.potential_amount or ZERO for r in rows), ZERO)
            gap = sum((r.gap or ZERO for r in rows), ZERO)
            return (gap * 100 / potential).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return None
