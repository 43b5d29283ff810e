"""Partner risk: exposure against the credit limit from the last receivables snapshot,
ageing buckets, complaints, compliance items with reminders, confirmed violations; the
score with its components, alerts raised once and cleared; who may write what.

The numbers are chosen so each near-miss formula gives another score: summing every
snapshot, counting only overdue debt as exposure, unweighted overdue, a bucket edge off
by one day, a 366-day complaint window, a reminder window one day late."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from qudao.core.permissions import restrict
from qudao.governance.models import (
    AlertKind,
    Complaint,
    ComplaintStatus,
    ComplianceItem,
    RiskAlert,
    RiskLevel,
    RiskProfile,
    Violation,
    ViolationStatus,
)
from qudao.governance.risk import RiskInputs, ageing_bucket, risk_score
from qudao.governance.services import (
    complaint_create,
    complaint_update,
    compliance_item_create,
    risk_alert_acknowledge,
    risk_profiles_refresh,
)
from tests.analytics.test_review import _load
from tests.conftest import World, run_queued_tasks

pytestmark = pytest.mark.django_db

AS_OF = date(2020, 3, 15)


def _open_alerts(partner_code: str) -> set[tuple[str, int]]:
    return set(
        RiskAlert.objects.filter(partner__code=partner_code, cleared_at__isnull=True).values_list(
            "kind", "subject"
        )
    )


def _confirmed(world: World, n: int, at: datetime) -> None:
    Violation.objects.create(
        identity=f"below_floor|P-DE|-|x{n}",
        type="below_floor",
        partner=world.p_de,
        period="2020Q1",
        severity="low",
        status=ViolationStatus.CONFIRMED,
        confirmed_at=at,
    )


@pytest.fixture
def risky(world: World, tmp_path: Path) -> World:
    world.p_de.credit_limit = Decimal("10000")
    world.p_de.save()
    _load(
        tmp_path,
        "receivable",
        "as_of,partner,amount,days_overdue",
        "2020-01-31,P-DE,5000,0",  # an older snapshot: not read
        "2020-01-31,P-DE,2000,30",
        "2020-02-29,P-DE,4000,0",
        "2020-02-29,P-DE,1000,15",
        "2020-02-29,P-DE,1000,30",  # the last day of 1–30
        "2020-02-29,P-DE,1600,31",  # the first of 31–60
        "2020-02-29,P-DE,1200,90",
        "2020-02-29,P-DE,800,91",
        "2020-03-31,P-DE,99999,120",  # after the day judged: not read
    )
    director = world.users["director"]
    complaint_create(
        actor=director,
        partner=world.p_de,
        source="customer",
        received_on=date(2020, 3, 1),
        severity="high",
        text="Sold a used bike as new",
    )
    for day, severity, status in (
        (date(2019, 3, 17), "medium", ComplaintStatus.RESOLVED),  # the 365th day back: in
        (date(2019, 3, 16), "low", ComplaintStatus.OPEN),  # a day earlier: out
        (date(2020, 2, 1), "low", ComplaintStatus.DISMISSED),  # dismissed: out
    ):
        complaint_create(
            actor=director,
            partner=world.p_de,
            source="sales",
            received_on=day,
            severity=severity,
            text="…",
            status=status,
        )
    for name, expires, remind in (
        ("Trade licence", date(2020, 4, 10), 30),  # reminders from 11 March: expiring
        ("Dealer agreement", date(2020, 3, 14), 30),  # expired the day before
        ("Food licence", date(2020, 4, 15), 30),  # reminders from 16 March: not yet
    ):
        compliance_item_create(
            actor=director,
            partner=world.p_de,
            kind="licence",
            name=name,
            expires_on=expires,
            remind_days=remind,
        )
    noon = datetime(2020, 3, 10, 12, tzinfo=UTC)
    _confirmed(world, 1, noon)
    _confirmed(world, 2, noon - timedelta(days=300))
    _confirmed(world, 3, noon - timedelta(days=400))  # longer ago than 365 days
    return world


def test_each_component_of_the_score_is_its_definition(risky: World) -> None:
    refresh = risk_profiles_refresh(as_of=AS_OF)
    assert refresh.profiles == 3
    profile = RiskProfile.objects.get(partner=risky.p_de)
    assert profile.receivables_as_of == date(2020, 2, 29)
    assert (
        profile.current,
        profile.overdue_1_30,
        profile.overdue_31_60,
        profile.overdue_61_90,
        profile.overdue_over_90,
    ) == (Decimal(4000), Decimal(2000), Decimal(1600), Decimal(1200), Decimal(800))
    assert profile.exposure == Decimal("9600.00")
    # credit: 25 × (0.96 − 0.8) ÷ 0.2 = 20; overdue: 25 × (500 + 800 + 900 + 800) ÷ 9600
    assert profile.components == {
        "credit": "20.0",
        "overdue": "7.8",
        "complaints": "12.0",
        "compliance": "13.0",
        "violations": "10.0",
    }
    assert (profile.complaints, profile.compliance_expiring, profile.compliance_expired) == (
        2,
        1,
        1,
    )
    assert profile.confirmed_violations == 2
    assert profile.score == Decimal("62.8")
    assert profile.level == RiskLevel.HIGH
    items = {i.name: i.pk for i in ComplianceItem.objects.all()}
    high = Complaint.objects.get(severity="high").pk
    assert _open_alerts("P-DE") == {
        (AlertKind.SCORE_HIGH, 0),
        (AlertKind.OVERDUE_OVER_90, 0),
        (AlertKind.COMPLAINT_HIGH, high),
        (AlertKind.COMPLIANCE_EXPIRING, items["Trade licence"]),
        (AlertKind.COMPLIANCE_EXPIRED, items["Dealer agreement"]),
    }


def test_a_partner_without_limit_or_receivables_is_not_guessed_at(risky: World) -> None:
    risk_profiles_refresh(as_of=AS_OF)
    profile = RiskProfile.objects.get(partner=risky.p_us)
    assert profile.exposure is None
    assert profile.components["credit"] is None
    assert profile.components["overdue"] is None
    assert (profile.score, profile.level) == (Decimal("0.0"), RiskLevel.LOW)
    assert _open_alerts("P-US") == set()


def test_alerts_are_raised_once_and_cleared_when_the_condition_goes(risky: World) -> None:
    risk_profiles_refresh(as_of=AS_OF)
    again = risk_profiles_refresh(as_of=AS_OF)
    assert (again.alerts_raised, again.alerts_cleared) == (0, 0)
    assert RiskAlert.objects.filter(cleared_at=None).count() == 5

    # the limit lowered below the exposure: over the limit, and credit at full points
    risky.p_de.credit_limit = Decimal("9000")
    risky.p_de.save()
    risk_profiles_refresh(as_of=AS_OF)
    assert (AlertKind.CREDIT_OVER_LIMIT, 0) in _open_alerts("P-DE")
    assert RiskProfile.objects.get(partner=risky.p_de).components["credit"] == "25.0"

    # the grave complaint resolved: its alert cleared at once (the write refreshes)
    high = Complaint.objects.get(severity="high")
    complaint_update(complaint=high, actor=risky.users["director"], status="resolved")
    assert (AlertKind.COMPLAINT_HIGH, high.pk) not in _open_alerts("P-DE")

    # a month on: the expiring licence has expired, the next one is in its window
    risk_profiles_refresh(as_of=date(2020, 4, 11))
    kinds = {kind for kind, _subject in _open_alerts("P-DE")}
    assert AlertKind.COMPLIANCE_EXPIRED in kinds
    expired = RiskAlert.objects.filter(kind=AlertKind.COMPLIANCE_EXPIRED, cleared_at=None)
    assert {a.detail["name"] for a in expired} == {"Trade licence", "Dealer agreement"}
    expiring = RiskAlert.objects.get(kind=AlertKind.COMPLIANCE_EXPIRING, cleared_at=None)
    assert expiring.detail["name"] == "Food licence"


def test_ageing_buckets_and_levels_at_their_edges() -> None:
    assert [ageing_bucket(d) for d in (0, 1, 30, 31, 60, 61, 90, 91, 400)] == [
        "current",
        "overdue_1_30",
        "overdue_1_30",
        "overdue_31_60",
        "overdue_31_60",
        "overdue_61_90",
        "overdue_61_90",
        "overdue_over_90",
        "overdue_over_90",
    ]
    exactly_80 = RiskInputs(
        credit_limit=Decimal(100),
        buckets={
            "current": Decimal(80),
            "overdue_1_30": Decimal(0),
            "overdue_31_60": Decimal(0),
            "overdue_61_90": Decimal(0),
            "overdue_over_90": Decimal(0),
        },
    )
    assert risk_score(exactly_80).components["credit"] == "0.0"
    capped = RiskInputs(
        credit_limit=Decimal(0), buckets=None, complaints={"high": 3}, confirmed_violations=9
    )
    score = risk_score(capped)
    assert (score.components["complaints"], score.components["violations"]) == ("20.0", "15.0")
    assert score.level == RiskLevel.MEDIUM  # 35: medium from 25, high from 50


def test_who_may_record_complaints(risky: World) -> None:
    data = {
        "source": "customer",
        "received_on": date(2020, 3, 2),
        "severity": "low",
        "text": "Late delivery",
    }
    manager = risky.users["manager"]  # manages Europe
    complaint_create(actor=manager, partner=risky.p_de, **data)
    before = Complaint.objects.count()
    for user, partner in (
        (manager, risky.p_us),  # outside their regions
        (risky.users["finance"], risky.p_de),
        (risky.users["sales"], risky.p_de),
        (risky.users["partner_admin"], risky.p_de),
    ):
        with pytest.raises(PermissionDenied):
            complaint_create(actor=user, partner=partner, **data)
    assert Complaint.objects.count() == before
    with pytest.raises(ValidationError) as refused:
        compliance_item_create(
            actor=risky.users["director"],
            partner=risky.p_de,
            kind="agreement",
            name="Backwards",
            valid_from=date(2020, 5, 1),
            expires_on=date(2020, 4, 1),
        )
    assert "It cannot expire before it is valid." in str(refused.value)


def test_partner_users_see_their_complaints_and_items_never_the_score(risky: World) -> None:
    risk_profiles_refresh(as_of=AS_OF)
    partner_user = risky.users["partner_user"]
    assert restrict(RiskProfile.objects.all(), partner_user).count() == 0
    assert restrict(RiskAlert.objects.all(), partner_user).count() == 0
    assert restrict(Complaint.objects.all(), partner_user).count() == 4
    assert restrict(ComplianceItem.objects.all(), partner_user).count() == 3
    with pytest.raises(PermissionDenied):
        risk_profiles_refresh(actor=partner_user)
    alert = RiskAlert.objects.filter(partner=risky.p_de).first()
    assert alert is not None
    with pytest.raises(PermissionDenied):
        risk_alert_acknowledge(alert=alert, actor=risky.users["finance"])
    seen = risk_alert_acknowledge(alert=alert, actor=risky.users["manager"])
    assert seen.acknowledged_by == risky.users["manager"]


def test_importing_receivables_refreshes_risk_in_the_background(
    world: World, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    world.p_de.credit_limit = Decimal("1000")
    world.p_de.save()
    with django_capture_on_commit_callbacks(execute=True):
        _load(tmp_path, "receivable", "as_of,partner,amount,days_overdue", "2020-02-29,P-DE,1500,0")
    assert not RiskProfile.objects.exists()  # queued, not yet run
    run_queued_tasks()
    profile = RiskProfile.objects.get(partner=world.p_de)
    assert (profile.exposure, profile.receivables_as_of) == (Decimal("1500.00"), date(2020, 2, 29))
    assert (AlertKind.CREDIT_OVER_LIMIT, 0) in _open_alerts("P-DE")
