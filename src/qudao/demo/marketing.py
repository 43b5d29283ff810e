"""Demo joint-marketing campaigns, generated (the dataset holds none): three campaigns with
the resellers that sold most in their region, on a fund of their own, dated inside the
dataset's years so their return reads real sell-in. Every result says it is demo data."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum

from qudao.analytics.models import Scorecard
from qudao.core.models import User
from qudao.marketing.models import Campaign
from qudao.marketing.services import campaign_close, campaign_create, campaign_results_record
from qudao.partners.models import Partner
from qudao.programs.services import fund_create
from qudao.territories.models import Region

NOTE = "Demo data, generated — 演示数据（生成）"
# code, name, region, first day, last day, budget, spend (None: still open), leads each
CAMPAIGNS = (
    (
        "AUTUMN-19",
        "Autumn dealer days",
        "EU",
        date(2019, 10, 1),
        date(2019, 10, 31),
        18000,
        15500,
        14,
    ),
    ("SPRING-20", "Spring test rides", "NA", date(2020, 3, 1), date(2020, 3, 31), 24000, 21800, 22),
    ("ROAD-WEEK", "Road-bike week", "NA", date(2020, 5, 10), date(2020, 5, 20), 12000, None, 9),
)


def _leading_partners(region: Region, count: int = 4) -> list[Partner]:
    """The partners in ``region`` that sold most in 2019 (by their scorecards)."""
    top = (
        Scorecard.objects.filter(
            is_current=True,
            period__startswith="2019",
            partner__home_region__path__startswith=region.path,
        )
        .values("partner")
        .annotate(total=Sum("revenue"))
        .order_by("-total")[:count]
    )
    return list(Partner.objects.filter(pk__in=[row["partner"] for row in top]).order_by("code"))


@transaction.atomic
def demo_campaigns() -> int:
    if Campaign.objects.exists():
        return 0
    director = User.objects.get(username="director")
    fund = fund_create(
        code="MKT-2019-20",
        name_en="Joint marketing 2019–2020",
        name_zh="2019–2020 联合营销基金",
        period="2020",
        amount=Decimal(80000),
    )
    made = 0
    for code, name, region_code, first, last, budget, spend, leads in CAMPAIGNS:
        region = Region.objects.get(code=region_code)
        partners = _leading_partners(region)
        if not partners:
            continue
        campaign = campaign_create(
            code=code,
            name=name,
            fund=fund,
            regions=[region],
            starts_on=first,
            ends_on=last,
            budget=Decimal(budget),
            partners=partners,
            actor=director,
        )
        campaign_results_record(
            campaign=campaign,
            leads={p.pk: leads + n for n, p in enumerate(partners)},
            results=f"Test rides, a local club's evening, posters in each shop. {NOTE}",
            actor=director,
        )
        if spend is not None:
            campaign_close(campaign=campaign, spend=Decimal(spend), actor=director)
        made += 1
    return made
