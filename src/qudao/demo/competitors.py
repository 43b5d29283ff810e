"""Demo competitor notes, generated (the dataset holds none): three competing brands and
what the channel team saw of them over the last months — channel policies, prices in
shops, promotions — across the sales territories. Every source says it is demo data."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from qudao.collaboration.models import Competitor
from qudao.collaboration.services import competitor_create, competitor_note_create
from qudao.partners.models import Partner
from qudao.territories.models import Region

SEED = 20261211
RIVALS = (("TREK", "Trek", "崔克"), ("GIANT", "Giant", "捷安特"), ("SPEC", "Specialized", "闪电"))
SEEN = (
    ("channel_policy", "", None, "Raised the dealer rebate to 4 % above 100 bikes a quarter"),
    ("channel_policy", "", None, "Offers exclusive territories to dealers with two stores"),
    ("price", "Road bike, mid range", "1499", "Shelf price 10 % under ours"),
    ("price", "Mountain bike, entry", "699", "Bundled with a helmet and lock"),
    ("promotion", "Spring sale", None, "20 % off last season's line, four weeks"),
    ("partner_move", "", None, "Signed one of our dealers' neighbours as a flagship store"),
)


@transaction.atomic
def demo_competitor_notes() -> int:
    if Competitor.objects.exists():
        return 0
    rng = random.Random(SEED)  # noqa: S311 - demo data, not secrets
    rivals = [competitor_create(code=c, name_en=en, name_zh=zh) for c, en, zh in RIVALS]
    territories = list(Region.objects.filter(kind="territory").order_by("code"))
    today = timezone.localdate()
    made = 0
    for _n in range(40):
        region = rng.choice(territories)
        kind, product, price, text = rng.choice(SEEN)
        nearby = list(
            Partner.objects.filter(home_region__path__startswith=region.path).order_by("code")[:50]
        )
        partner = rng.choice(nearby) if kind == "price" and nearby else None
        competitor_note_create(
            competitor=rng.choice(rivals),
            kind=kind,
            region=region,
            partner=partner,
            observed_on=today - timedelta(days=rng.randint(1, 180)),
            product=product,
            price=Decimal(price) if price else None,
            text=text,
            source="Demo data, generated — 演示数据（生成）",
        )
        made += 1
    return made
