"""At-risk rules with evidence, improvement plans, termination decided by people."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from qudao.analytics.selectors import scorecard_export_rows, scorecard_list
from qudao.analytics.services import review_run
from qudao.governance.models import (
    FlagStatus,
    ImprovementPlan,
    PlanStatus,
    RiskFlag,
    RiskRuleSetting,
)
from qudao.governance.selectors import evidence_text
from qudao.governance.services import plan_close, plan_create, plan_decide_termination
from qudao.partners.models import ChannelModel
from qudao.partners.services import target_create
from tests.analytics.test_review import _load, channel  # noqa: F401 - the fixture
from tests.conftest import World


@pytest.fixture
def reviewed(channel: World, tmp_path: Path) -> World:  # noqa: F811
    # sell-in to the last day of 2020Q1, so that the quarter is whole (rules that judge
    # against a target or last year skip a partial period)
    _load(
        tmp_path,
        "sell_in",
        "order_date,order_id,line_no,partner,product,quantity,amount,cost",
        "2020-03-31,O8,1,P-US,BIKE-1,1,1,1",
    )
    target_create(partner=channel.p_de, period="2019Q4", amount=Decimal("5000"))
    review_run(period="2019Q4")
    review_run(period="2020Q1")
    return channel


def _flags(period: str = "2020Q1") -> set[tuple[str, str]]:
    return set(
        RiskFlag.objects.filter(period=period, status=FlagStatus.OPEN).values_list(
            "partner__code", "rule"
        )
    )


def test_rules_flag_with_evidence_period_by_period(reviewed: World) -> None:
    # P-DE: 20 % then 2 % of target (below 80 % two quarters running); P-US, a reseller
    # (resellers owe their sell-through), bought 3,000 but sent none. P-DE's churn of 50 %
    # is not above 50 %, and not two quarters running; turnover 1.0 is not below 1.0.
    assert _flags() == {("P-DE", "target_missed"), ("P-US", "missing_sell_through")}
    missed = RiskFlag.objects.get(partner=reviewed.p_de, rule="target_missed", period="2020Q1")
    assert missed.evidence == [
        {"period": "2019Q4", "value": 0.2, "reference": 0.8},
        {"period": "2020Q1", "value": 0.02, "reference": 0.8},
    ]
    assert evidence_text(missed) == "2019Q4: 20.0% / 80.0% · 2020Q1: 2.0% / 80.0%"
    silent = RiskFlag.objects.get(partner=reviewed.p_us, rule="missing_sell_through")
    assert evidence_text(silent) == "2020Q1: 3,001.00 / 0.00"  # what it bought, in money
    at_risk = dict(
        scorecard_list(user=None, period="2020Q1").values_list("partner__code", "at_risk")
    )
    assert at_risk == {"P-DE": True, "P-US": True, "P-DE-SUB": False}


def test_a_scorecard_says_at_risk_what_its_review_said_and_only_to_the_brand(
    reviewed: World,
) -> None:
    """Governance owns "at risk" (``RunAtRisk``); the scorecards join it in. Clearing a flag
    later does not rewrite the review; the next review does. Partners' staff learn nothing."""
    RiskFlag.objects.filter(partner=reviewed.p_de, period="2020Q1").update(
        status=FlagStatus.CLEARED
    )
    columns, rows = scorecard_export_rows(user=None, period="2020Q1")
    exported = {row[0]: row[columns.index("at_risk")] for row in rows}
    assert exported == {"P-DE": "true", "P-US": "true", "P-DE-SUB": "false"}
    partner_view = scorecard_list(user=reviewed.users["partner_admin"], period="2020Q1")
    assert set(partner_view.values_list("partner__code", "at_risk")) == {
        ("P-DE", None),
        ("P-DE-SUB", None),
    }
    _columns, rows = scorecard_export_rows(user=reviewed.users["partner_admin"], period="2020Q1")
    assert {row[columns.index("at_risk")] for row in rows} == {""}

    # The next review judges afresh: with the sell-through rule off, P-US is not at risk.
    RiskRuleSetting.objects.create(rule="missing_sell_through", enabled=False)
    review_run(period="2020Q1")
    at_risk = dict(
        scorecard_list(user=None, period="2020Q1").values_list("partner__code", "at_risk")
    )
    assert at_risk == {"P-DE": True, "P-US": False, "P-DE-SUB": False}


def test_evidence_never_rounds_a_miss_up_to_its_reference(reviewed: World) -> None:
    flag = RiskFlag.objects.get(partner=reviewed.p_de, rule="target_missed", period="2020Q1")
    flag.evidence = [{"period": "2020Q1", "value": 0.995, "reference": 1.0}]
    assert evidence_text(flag) == "2020Q1: 99.5% / 100.0%"


def test_only_partners_that_owe_sell_through_are_flagged_for_missing_it(
    reviewed: World,
) -> None:
    us = reviewed.p_us
    # the partner's own setting wins over its channel model's
    us.reports_sell_through = False
    us.save()
    review_run(period="2020Q1")
    assert ("P-US", "missing_sell_through") not in _flags()
    # a channel model that does not owe it (e-commerce), unless the partner says it does
    us.reports_sell_through = None
    us.channel_model = ChannelModel.objects.get(code="ecommerce")
    us.save()
    review_run(period="2020Q1")
    assert ("P-US", "missing_sell_through") not in _flags()
    us.reports_sell_through = True
    us.save()
    review_run(period="2020Q1")
    assert ("P-US", "missing_sell_through") in _flags()


def test_rules_are_parameterised_and_can_be_switched_off(reviewed: World) -> None:
    RiskRuleSetting.objects.create(rule="high_churn", parameters={"above": 0.4, "periods": 1})
    review_run(period="2020Q1")
    assert ("P-DE", "high_churn") in _flags()  # 50 % > 40 %, one period is enough
    RiskRuleSetting.objects.filter(rule="high_churn").update(parameters={"above": 0.6})
    RiskRuleSetting.objects.create(rule="missing_sell_through", enabled=False)
    RiskRuleSetting.objects.create(rule="target_missed", parameters={"periods": 3})
    review_run(period="2020Q1")
    assert _flags() == set()  # 50 % churn ≤ 60 %; no 2019Q3 target; the other is off
    assert RiskFlag.objects.filter(status=FlagStatus.SUPERSEDED).count() == 2 + 3  # history


def test_a_failed_plan_proposes_termination_and_a_director_decides(reviewed: World) -> None:
    manager, director = reviewed.users["manager"], reviewed.users["director"]
    flags = list(RiskFlag.objects.filter(partner=reviewed.p_de, status=FlagStatus.OPEN))
    plan = plan_create(
        partner=reviewed.p_de,
        owner=manager,
        actions="Monthly recovery plan",
        due_date=date(2020, 6, 30),
        follow_up_date=date(2020, 5, 15),
        flags=flags,
        actor=manager,
    )
    assert {f.status for f in RiskFlag.objects.filter(plan=plan)} == {FlagStatus.IN_PLAN}
    # a re-run does not raise again what a plan already answers
    review_run(period="2020Q1")
    assert _flags() == {("P-US", "missing_sell_through")}
    failed = plan_close(plan=plan, succeeded=False, outcome="Still 30 % short", actor=manager)
    assert failed.status == PlanStatus.TERMINATION_PROPOSED
    reviewed.p_de.refresh_from_db()
    assert reviewed.p_de.status == "active"  # nothing happens until a person decides
    ended = plan_decide_termination(plan=failed, terminate=True, actor=director, note="agreed")
    reviewed.p_de.refresh_from_db()
    assert ended.status == PlanStatus.TERMINATED and reviewed.p_de.status == "terminated"
    assert ended.decided_by == director and ended.history.count() >= 3
    with pytest.raises(ValidationError):
        plan_decide_termination(plan=ended, terminate=False, actor=director)


def test_a_successful_plan_clears_its_flags(reviewed: World) -> None:
    manager = reviewed.users["manager"]
    flag = RiskFlag.objects.get(partner=reviewed.p_us, status=FlagStatus.OPEN)
    with pytest.raises(ValidationError):  # flags of another partner
        plan_create(
            partner=reviewed.p_de,
            owner=manager,
            actions="x",
            due_date=date(2020, 6, 30),
            follow_up_date=date(2020, 5, 1),
            flags=[flag],
        )
    # the Europe manager can neither own nor start a plan for a US partner
    with pytest.raises(ValidationError, match="may not work on this partner"):
        plan_create(
            partner=reviewed.p_us,
            owner=manager,
            actions="x",
            due_date=date(2020, 6, 30),
            follow_up_date=date(2020, 5, 1),
        )
    with pytest.raises(PermissionDenied):
        plan_create(
            partner=reviewed.p_us,
            owner=reviewed.users["director"],
            actions="x",
            due_date=date(2020, 6, 30),
            follow_up_date=date(2020, 5, 1),
            actor=manager,
        )
    assert not ImprovementPlan.objects.exists()
    director = reviewed.users["director"]
    plan = plan_create(
        partner=reviewed.p_us,
        owner=director,
        actions="Monthly upload",
        due_date=date(2020, 6, 30),
        follow_up_date=date(2020, 5, 1),
        flags=[flag],
        actor=director,
    )
    plan_close(plan=plan, succeeded=True, outcome="Reports arrive", actor=director)
    flag.refresh_from_db()
    assert flag.status == FlagStatus.CLEARED


def test_missing_sell_through_only_where_it_is_collected(channel: World) -> None:  # noqa: F811
    # 2019Q3: P-DE bought, and nobody sent sell-through that quarter: no flag for anyone
    import tempfile
    from pathlib import Path

    from qudao.facts.services import fact_import

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "q3.csv"
        path.write_text(
            "order_date,order_id,line_no,partner,product,quantity,amount,cost\n"
            "2019-08-01,O9,1,P-DE,BIKE-1,1,100,50\n",
            encoding="utf-8",
        )
        assert fact_import(fact="sell_in", path=path).committed
    review_run(period="2019Q3")
    assert not RiskFlag.objects.filter(period="2019Q3", rule="missing_sell_through").exists()
