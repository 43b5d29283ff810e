"""Applicants for the tests: made through the services, at chosen moments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from qudao.partners.models import ChannelModel
from qudao.recruitment.choices import Stage
from qudao.recruitment.models import Applicant, StageChange
from qudao.recruitment.services import applicant_create, applicant_move, applicant_sign

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def applicant(
    region: Any, *, company: str = "Acme Trading", at: datetime = START, **data: Any
) -> Applicant:
    values: dict[str, Any] = {
        "company": company,
        "contact_name": "Li Wei",
        "contact_email": "li@example.com",
        "channel_model": ChannelModel.objects.get(code="reseller"),
        "home_region": region,
        "registered_capital": Decimal("3000000"),
        "team_size": 12,
        "founded_year": 2015,
        **data,
    }
    made = applicant_create(**values)
    Applicant.objects.filter(pk=made.pk).update(created_at=at, stage_since=at)
    StageChange.objects.filter(applicant=made).update(at=at)
    made.refresh_from_db()
    return made


def walk(
    made: Applicant, *steps: tuple[str, float], start: datetime = START, **sign: Any
) -> Applicant:
    """Move ``made`` through (stage, day after ``start``) steps; "signed" signs it."""
    for stage, day in steps:
        at = start + timedelta(days=day)
        if stage == Stage.SIGNED:
            applicant_sign(
                applicant=made,
                code=sign.get("code", f"NEW-{made.pk}"),
                name_en=made.company,
                at=at,
                on=at.date(),
            )
        else:
            applicant_move(
                applicant=made, stage=stage, at=at, note="no fit" if stage == Stage.REJECTED else ""
            )
        made.refresh_from_db()
    return made
