"""Reads for joint marketing, through ``restrict``; and what a campaign returned."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import reduce
from operator import or_
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet, Sum

from qudao.core.permissions import restrict
from qudao.marketing.models import Campaign, CampaignPartner
from qudao.partners.models import Partner
from qudao.territories.models import Region

ZERO = Decimal(0)


def campaign_list(*, user: Any) -> QuerySet[Campaign]:
    return (
        restrict(Campaign.objects.all(), user)
        .select_related("fund", "owner")
        .annotate(total_leads=Sum("participants__leads"))
    )


def campaign_participants(*, campaign: Campaign, user: Any) -> QuerySet[CampaignPartner]:
    return restrict(campaign.participants.all(), user).select_related("partner")


def attribution_days() -> int:
    return int(str(settings.QUDAO.get("CAMPAIGN_ATTRIBUTION_DAYS", 30)))


@dataclass(frozen=True)
class PartnerReturn:
    participant: CampaignPartner
    during: Decimal
    before: Decimal

    @property
    def attributed(self) -> Decimal:
        return self.during - self.before


@dataclass(frozen=True)
class CampaignReturn:
    """What a campaign returned, by the written rule: attributed sales are the sell-in of the
    partners taking part (each with its sub-partners), shipped to the campaign's regions
    (and their sub-regions; anywhere if it names none), from its first day to
    ``QUDAO_CAMPAIGN_ATTRIBUTION_DAYS`` (30) days after its last, less the same partners'
    sell-in to the same regions over as many days just before it. Spend is what was paid
    (the budget while it is open). ROI = (attributed − spend) ÷ spend."""

    rows: list[PartnerReturn]
    spend: Decimal
    first: date
    last: date
    before_first: date

    @property
    def during(self) -> Decimal:
        return sum((r.during for r in self.rows), ZERO)

    @property
    def before(self) -> Decimal:
        return sum((r.before for r in self.rows), ZERO)

    @property
    def attributed(self) -> Decimal:
        return self.during - self.before

    @property
    def roi(self) -> Decimal | None:
        return None if not self.spend else (self.attributed - self.spend) / self.spend

    @property
    def leads(self) -> int:
        return sum(r.participant.leads for r in self.rows)

    @property
    def cost_per_lead(self) -> Decimal | None:
        return None if not self.leads else (self.spend / self.leads).quantize(Decimal("0.01"))


def campaign_return(campaign: Campaign, participants: list[CampaignPartner]) -> CampaignReturn:
    # deferred: reading the fact store loads the engine, which page imports must not
    from qudao.facts.store import fact_table

    first = campaign.starts_on
    last = campaign.ends_on + timedelta(days=attribution_days())
    days = (last - first).days + 1
    before_first, before_last = first - timedelta(days=days), first - timedelta(days=1)
    paths = list(campaign.regions.values_list("path", flat=True))
    codes = [
        c
        for c, p in Region.objects.values_list("code", "path")
        if any(p.startswith(r) for r in paths)
    ]
    lines = fact_table("sell_in")
    if paths:
        lines = lines.filter(lines.ship_to_region.isin(codes))
    # each participant's tree, read at once: partner code → the participants it counts for
    trees = {p.partner.path: p for p in participants}
    counts_for: dict[str, list[CampaignPartner]] = {}
    in_trees = reduce(or_, (Q(path__startswith=t) for t in trees), Q(pk__in=[]))
    for code, path in Partner.objects.filter(in_trees).values_list("code", "path"):
        counts_for[code] = [p for t, p in trees.items() if path.startswith(t)]
    lines = lines.filter(lines.partner.isin(list(counts_for)))
    during = lines.order_date.between(first, last)
    earlier = lines.order_date.between(before_first, before_last)
    sums = (
        lines.group_by("partner")
        .aggregate(during=lines.amount.sum(where=during), before=lines.amount.sum(where=earlier))
        .to_pyarrow()
        .to_pylist()
    )
    totals = {p.pk: [ZERO, ZERO] for p in participants}
    for row in sums:
        for participant in counts_for[row["partner"]]:
            totals[participant.pk][0] += Decimal(str(row["during"] or 0))
            totals[participant.pk][1] += Decimal(str(row["before"] or 0))
    rows = [PartnerReturn(p, *totals[p.pk]) for p in participants]
    spend = campaign.spend if campaign.spend is not None else campaign.budget
    return CampaignReturn(rows=rows, spend=spend, first=first, last=last, before_first=before_first)
