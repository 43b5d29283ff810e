"""Demo data for recruitment, generated (AdventureWorks has no applicants): entry thresholds
for every channel model and a believable funnel over the last eighteen months — companies
in cities where no reseller is yet and in cities where one is, moving through the stages at
a realistic pace, some rejected with a reason, a few signed into partners. Every applicant
says it is demo data; the same seed gives the same funnel."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from qudao.partners.models import ChannelModel, Partner
from qudao.recruitment.choices import FUNNEL, Stage
from qudao.recruitment.models import Applicant, StageChange
from qudao.recruitment.selectors import entry_model_current
from qudao.recruitment.services import (
    applicant_create,
    applicant_move,
    entry_model_defaults,
)
from qudao.territories.models import Region

SEED = 20261206
APPLICANTS = 90
DEMO_NOTE = "Demo data, generated — 演示数据（生成）"
PREFIXES = (
    "Summit",
    "Velo",
    "Pedal",
    "Ridge",
    "Harbor",
    "Canyon",
    "Metro",
    "Trail",
    "Prairie",
    "Coastal",
)
SUFFIXES = ("Cycles", "Bike Co.", "Sports Supply", "Outdoor Trading", "Wheelworks", "Ride Shop")
REJECTIONS = (
    "Too small for the territory / 规模不足",
    "Exclusive with a competing brand / 与竞品签有独家协议",
    "Failed the credit check / 征信未通过",
    "Region already well covered / 区域已饱和",
    "Withdrew its application / 申请方撤回",
)
# (stage reached, chance): where the generated applicants stop
STOPS = (
    (Stage.APPLIED, 0.18),
    (Stage.SCREENING, 0.30),
    (Stage.DUE_DILIGENCE, 0.25),
    (Stage.PILOT, 0.12),
    (Stage.SIGNED, 0.15),
)
DAYS_IN = {
    Stage.APPLIED: (2, 12),
    Stage.SCREENING: (5, 25),
    Stage.DUE_DILIGENCE: (10, 45),
    Stage.PILOT: (45, 120),
}


@transaction.atomic
def demo_recruitment() -> dict[str, int]:
    """Once: thresholds for every channel model, then the applicants."""
    if Applicant.objects.exists():
        return {"applicants": 0, "signed": 0}
    for channel_model in ChannelModel.objects.all():
        if entry_model_current(channel_model) is None:
            entry_model_defaults(channel_model=channel_model)
    rng = random.Random(SEED)  # noqa: S311 - demo data, not secrets
    cities = list(Region.objects.filter(kind="city").order_by("code"))
    models = list(ChannelModel.objects.filter(code__in=("reseller", "retail_store", "distributor")))
    now = timezone.now()
    # Those that signed are resellers already in the data: their applications, rebuilt.
    resellers = list(Partner.objects.filter(channel_model__in=models).order_by("code"))
    rng.shuffle(resellers)
    made = signed = 0
    for n in range(APPLICANTS):
        stop = _stop(rng)
        applied_at = now - timedelta(days=rng.randint(5, 540), hours=rng.randint(0, 9))
        became = resellers.pop() if stop == len(FUNNEL) - 1 else None
        city = became.home_region if became else rng.choice(cities)
        model = became.channel_model if became else rng.choice(models)
        applicant = _applicant(rng, n, city, model, applied_at, became)
        signed += _walk(rng, applicant, applied_at, now, stop, became)
        made += 1
    return {"applicants": made, "signed": signed}


def _applicant(
    rng: random.Random,
    n: int,
    city: Region,
    model: ChannelModel,
    at: Any,
    became: Partner | None,
) -> Applicant:
    town = city.name_en.split(",")[0]
    company = became.name_en if became else f"{rng.choice(PREFIXES)} {rng.choice(SUFFIXES)} {town}"
    applicant = applicant_create(
        company=company,
        contact_name=rng.choice(
            ("Ana", "Ben", "Chen Jing", "David", "Emma", "Li Na", "Marco", "Wang Lei")
        ),
        contact_email=f"contact{n:03d}@example.com",
        channel_model=model,
        home_region=city,
        registered_capital=Decimal(rng.choice((200_000, 500_000, 1_000_000, 3_000_000, 8_000_000))),
        team_size=rng.randint(2, 45),
        warehouse_area=Decimal(rng.choice((0, 120, 300, 800, 2500))),
        founded_year=rng.randint(1995, 2024),
        sales_last_year=Decimal(rng.randint(3, 300) * 100_000),
        current_brands=rng.choice(
            ("Trek, Giant", "Merida", "Specialized", "—", "Decathlon (B'Twin)")
        ),
        competing_exclusive=rng.random() < 0.08,
        brand_fit=rng.randint(2, 5),
        credit_check=rng.choice(("passed", "passed", "passed", "unknown", "failed")),
        message=DEMO_NOTE,
    )
    Applicant.objects.filter(pk=applicant.pk).update(created_at=at, stage_since=at)
    StageChange.objects.filter(applicant=applicant).update(at=at)
    applicant.refresh_from_db()
    return applicant


def _stop(rng: random.Random) -> int:
    """How far in the funnel an applicant will get (an index into ``FUNNEL``)."""
    roll = rng.random()
    for index, (_stage, chance) in enumerate(STOPS):
        roll -= chance
        if roll < 0:
            return index
    return len(STOPS) - 1


def _walk(
    rng: random.Random,
    applicant: Applicant,
    at: Any,
    now: Any,
    stop: int,
    became: Partner | None,
) -> int:
    """Move the applicant towards its stop as far as the calendar allows, then most of
    those that stopped short are turned away with a reason. 1 if it signed."""
    current = 0
    for index in range(1, stop + 1):
        at = at + timedelta(days=rng.randint(*DAYS_IN[FUNNEL[current]]))
        if FUNNEL[index] == Stage.SIGNED and became is not None:
            # the reseller it became is in the data already: the signature is recorded,
            # no second partner made (``applicant_sign`` makes one for a real signing)
            at = min(at, now)
            StageChange.objects.create(
                applicant=applicant, from_stage=applicant.stage, to_stage=Stage.SIGNED, at=at
            )
            Applicant.objects.filter(pk=applicant.pk).update(
                stage=Stage.SIGNED, stage_since=at, partner=became
            )
            return 1
        if at > now:
            return 0  # still in the stage it is in
        applicant_move(applicant=applicant, stage=FUNNEL[index], at=at)
        current = index
    at = at + timedelta(days=rng.randint(*DAYS_IN[FUNNEL[current]]))
    if at <= now and rng.random() < 0.8:
        applicant_move(
            applicant=applicant, stage=Stage.REJECTED, note=rng.choice(REJECTIONS), at=at
        )
    return 0
