"""Confirmed violations feed the grading: a partner with a violation confirmed for one of
the review's last four quarters is not proposed for a better grade; a worse grade, and
partners with only dismissed or older violations, are proposed as usual."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from qudao.analytics.models import GradeProposal, GradingModel
from qudao.analytics.services import review_run
from qudao.governance.models import Violation, ViolationStatus
from qudao.partners.models import Grade, Partner
from tests.analytics.test_review import channel  # noqa: F401 - the fixture
from tests.conftest import World

pytestmark = pytest.mark.django_db
CONFIRMED_AT = datetime(2020, 4, 10, tzinfo=UTC)


def _violation(partner: Partner, period: str, status: str = ViolationStatus.CONFIRMED) -> None:
    Violation.objects.create(
        identity=f"below_floor|{partner.code}|-|{period}|{status}",
        type="below_floor",
        partner=partner,
        period=period,
        severity="low",
        status=status,
        confirmed_at=CONFIRMED_AT if status != ViolationStatus.DISMISSED else None,
    )


def test_a_confirmed_violation_holds_an_upgrade_not_a_downgrade(channel: World) -> None:  # noqa: F811
    GradingModel.objects.update(hysteresis_periods=1, thresholds=[["A", 0.9], ["C", 0.5], ["D", 0]])
    a, d = Grade.objects.get(code="A"), Grade.objects.get(code="D")
    Partner.objects.filter(pk=channel.p_us.pk).update(grade=d)  # computed C: an upgrade
    Partner.objects.filter(pk=channel.p_de.pk).update(grade=a)  # computed C: a downgrade
    _violation(channel.p_us, "2019Q2")  # the fourth quarter back: holds
    _violation(channel.p_de, "2020Q1")  # a downgrade is never held
    run = review_run(period="2020Q1")
    proposed = dict(GradeProposal.objects.values_list("partner__code", "to_grade__code"))
    assert proposed == {"P-DE": "C", "P-DE-SUB": "D"}
    assert run.row_counts["grade_proposals"] == 2
    assert run.row_counts["upgrades_held"] == 1


@pytest.mark.parametrize(
    ("period", "status"),
    [("2019Q1", ViolationStatus.CONFIRMED), ("2020Q1", ViolationStatus.DISMISSED)],
    ids=["five-quarters-back", "dismissed"],
)
def test_older_or_dismissed_violations_hold_nothing(
    channel: World,  # noqa: F811
    period: str,
    status: str,
) -> None:
    GradingModel.objects.update(hysteresis_periods=1, thresholds=[["A", 0.9], ["C", 0.5], ["D", 0]])
    Partner.objects.filter(pk=channel.p_us.pk).update(grade=Grade.objects.get(code="D"))
    _violation(channel.p_us, period, status)
    run = review_run(period="2020Q1")
    assert GradeProposal.objects.filter(partner=channel.p_us, to_grade__code="C").exists()
    assert "upgrades_held" not in run.row_counts
