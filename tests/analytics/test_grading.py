"""Grading: percentile scores within the channel model, thresholds, hysteresis, decisions."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from qudao.analytics.models import GradeProposal, GradingModel, ProposalStatus, Scorecard
from qudao.analytics.services import (
    grade_proposal_decide,
    grade_proposals_decide_all,
    review_run,
)
from tests.analytics.test_review import channel  # noqa: F401 - the fixture
from tests.conftest import World


def _card(world: World, run: object, code: str) -> Scorecard:
    return Scorecard.objects.select_related("computed_grade").get(run=run, partner__code=code)


def test_scores_and_grades_by_hand(channel: World) -> None:  # noqa: F811
    run = review_run(period="2020Q1")
    # revenue ranks SUB 0 < DE 0.5 < US 1; attainment DE 0 < US 1; DE alone has growth,
    # sell-through and churn (rank 1); margin rate US 1/3 < DE 0.4.
    de, us, sub = (_card(channel, run, c) for c in ("P-DE", "P-US", "P-DE-SUB"))
    assert de.score == Decimal("0.625") and de.computed_grade.code == "B"
    assert us.score == Decimal("0.846154") and us.computed_grade.code == "A"  # 0.55 / 0.65
    assert sub.score == Decimal("0") and sub.computed_grade.code == "D"
    assert run.parameters["grading_model"] == "Standard"
    assert run.parameters["hysteresis_periods"] == 2


def test_a_grade_moves_only_after_two_periods_and_a_decision(channel: World) -> None:  # noqa: F811
    review_run(period="2020Q1")
    assert not GradeProposal.objects.exists()  # one period is not enough
    review_run(period="2019Q4")  # DE scores A there, B in 2020Q1; SUB scores D in both
    second = review_run(period="2020Q1")
    proposal = GradeProposal.objects.get()
    assert (proposal.partner, proposal.to_grade.code, proposal.from_grade) == (
        channel.p_de_sub,
        "D",
        None,
    )
    assert [e["period"] for e in proposal.evidence] == ["2020Q1", "2019Q4"]
    assert second.row_counts["grade_proposals"] == 1
    created = proposal.history.get()  # written in bulk, with its "created" history row
    assert created.history_type == "+" and created.to_grade_id == proposal.to_grade_id
    assert created.run_id == second.pk and created.evidence == proposal.evidence
    # a re-run keeps the same open proposal rather than adding another
    review_run(period="2020Q1")
    assert GradeProposal.objects.filter(status=ProposalStatus.PROPOSED).count() == 1
    # the director approves: the grade changes, audited, and the proposal is closed
    director = channel.users["director"]
    decided = grade_proposal_decide(
        proposal=GradeProposal.objects.get(), approve=True, actor=director
    )
    channel.p_de_sub.refresh_from_db()
    assert channel.p_de_sub.grade.code == "D" and decided.status == ProposalStatus.APPROVED
    assert channel.p_de_sub.history.first().history_user == director
    with pytest.raises(ValidationError, match="already decided"):
        grade_proposal_decide(proposal=decided, approve=False, actor=director)
    # now the grade matches, so the next review proposes nothing for it
    review_run(period="2020Q1")
    assert not GradeProposal.objects.filter(status=ProposalStatus.PROPOSED).exists()


def test_hysteresis_and_thresholds_are_configurable(channel: World) -> None:  # noqa: F811
    GradingModel.objects.update(hysteresis_periods=1, thresholds=[["A", 0.9], ["C", 0.5], ["D", 0]])
    review_run(period="2020Q1")
    proposed = dict(GradeProposal.objects.values_list("partner__code", "to_grade__code"))
    assert proposed == {"P-DE": "C", "P-US": "C", "P-DE-SUB": "D"}
    rejected = grade_proposal_decide(
        proposal=GradeProposal.objects.get(partner__code="P-US"),
        approve=False,
        actor=channel.users["director"],
        note="new distributor, give it a year",
    )
    channel.p_us.refresh_from_db()
    assert rejected.status == ProposalStatus.REJECTED and channel.p_us.grade is None


def test_without_a_grading_model_nothing_is_scored(channel: World) -> None:  # noqa: F811
    GradingModel.objects.update(is_active=False)
    run = review_run(period="2020Q1")
    assert set(Scorecard.objects.filter(run=run).values_list("score", flat=True)) == {None}
    assert "grading_model" not in run.parameters


def test_proposals_page_decide_and_approve_all(channel: World) -> None:  # noqa: F811
    from django.test import Client
    from django.urls import reverse

    GradingModel.objects.update(hysteresis_periods=1)
    review_run(period="2020Q1")
    director = Client()
    director.force_login(channel.users["director"])
    page = director.get(reverse("analytics:proposal_list")).content.decode()
    assert page.count('value="approve"') == 3 + 1  # each row, and the bulk button
    one = GradeProposal.objects.get(partner__code="P-US")
    director.post(reverse("analytics:proposal_decide", args=[one.pk]), {"decision": "reject"})
    one.refresh_from_db()
    assert one.status == ProposalStatus.REJECTED
    # a manager sees the proposals of its region but cannot decide them
    manager = Client()
    manager.force_login(channel.users["manager"])
    page = manager.get(reverse("analytics:proposal_list")).content.decode()
    assert "P-DE" in page and "P-US" not in page and 'value="approve"' not in page
    mine = GradeProposal.objects.get(partner__code="P-DE")
    response = manager.post(
        reverse("analytics:proposal_decide", args=[mine.pk]), {"decision": "approve"}
    )
    assert response.status_code == 403  # it sees the proposal, it may not decide it
    mine.refresh_from_db()
    assert mine.status == ProposalStatus.PROPOSED
    assert manager.post(reverse("analytics:proposal_decide_all")).status_code == 403
    # approve every open proposal the filters show: first the count and the partners...
    filters = {"q": "P-DE", "status": "proposed"}
    confirm = director.post(
        reverse("analytics:proposal_decide_all"), {**filters, "decision": "approve"}
    )
    text = confirm.content.decode()
    assert confirm.status_code == 200 and "2 open proposals match the filters" in text
    assert "Approve 2 proposals" in text and "P-DE-SUB" in text
    assert GradeProposal.objects.filter(status=ProposalStatus.PROPOSED).count() == 2
    # ...then, confirmed with a reason, the two P-DE… partners; back to the same filters
    done = director.post(
        reverse("analytics:proposal_decide_all"),
        {**filters, "decision": "approve", "confirmed": "yes", "note": "Q1 review board"},
    )
    assert done.status_code == 302 and done["Location"].endswith("?q=P-DE&status=proposed")
    statuses = dict(GradeProposal.objects.values_list("partner__code", "status"))
    assert statuses == {"P-US": "rejected", "P-DE": "approved", "P-DE-SUB": "approved"}
    assert set(GradeProposal.objects.filter(status="approved").values_list("note", flat=True)) == {
        "Q1 review board"
    }
    channel.p_de.refresh_from_db()
    assert channel.p_de.grade.code == GradeProposal.objects.get(partner__code="P-DE").to_grade.code
    # the partner's change history names the grades, not their ids
    history = director.get(
        reverse("partners:partner_detail", args=[channel.p_de.pk]), {"tab": "history"}
    ).content.decode()
    assert str(channel.p_de.grade) in history


def test_grading_model_page_edits_with_validation(channel: World) -> None:  # noqa: F811
    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(channel.users["director"])
    url = reverse("analytics:grading")
    page = client.get(url).content.decode()
    # a box per KPI, holding its weight; a box per grade, holding its lowest score
    assert 'name="weight__revenue"' in page and 'value="0.35"' in page
    assert 'name="lowest__A"' in page
    before = GradingModel.objects.get().weights
    # a weight out of range and a score above 1: refused, named, nothing saved
    bad = client.post(
        url, {"weight__revenue": "-1", "lowest__A": "1.5", "hysteresis_periods": 2}
    ).content.decode()
    assert bad.count('class="error"') >= 2 and GradingModel.objects.get().weights == before
    # nothing weighted: the service's own rule, shown on the form
    empty = client.post(url, {"lowest__A": "0.5", "hysteresis_periods": 2}).content.decode()
    assert "Give at least one KPI and its weight." in empty
    response = client.post(
        url,
        {"weight__revenue": "1", "lowest__A": "0.5", "lowest__D": "0", "hysteresis_periods": 3},
    )
    assert response.status_code == 302
    model = GradingModel.objects.get()
    assert model.weights == {"revenue": 1} and model.hysteresis_periods == 3
    assert model.thresholds == [["A", 0.5], ["D", 0]]
    assert model.history.first().history_user == channel.users["director"]
    manager = Client()
    manager.force_login(channel.users["manager"])
    assert "Change the model" not in manager.get(url).content.decode()
    assert manager.post(url, {"weight__revenue": "1"}).status_code == 403


def test_a_newer_proposal_supersedes_older_open_ones(channel: World) -> None:  # noqa: F811
    from django.core.exceptions import PermissionDenied

    GradingModel.objects.update(hysteresis_periods=1)
    review_run(period="2019Q4")
    older = set(
        GradeProposal.objects.filter(status=ProposalStatus.PROPOSED).values_list("pk", flat=True)
    )
    assert older
    review_run(period="2020Q1")
    open_ones = GradeProposal.objects.filter(status=ProposalStatus.PROPOSED)
    # one open proposal per partner, from its latest period
    partners = list(open_ones.values_list("partner_id", flat=True))
    assert len(partners) == len(set(partners))
    assert set(open_ones.values_list("period", flat=True)) == {"2020Q1"}
    superseded = GradeProposal.objects.filter(pk__in=older, status=ProposalStatus.SUPERSEDED)
    assert superseded.exists()
    with pytest.raises(ValidationError, match="newer review"):
        grade_proposal_decide(
            proposal=superseded.first(), approve=True, actor=channel.users["director"]
        )
    # re-reviewing an older period never reopens it over the newer one
    review_run(period="2019Q4")
    assert set(
        GradeProposal.objects.filter(status=ProposalStatus.PROPOSED).values_list(
            "period", flat=True
        )
    ) == {"2020Q1"}
    # bulk approval applies the latest proposal of each partner, nothing older
    decided = grade_proposals_decide_all(
        proposals=GradeProposal.objects.all(), approve=True, actor=channel.users["director"]
    )
    assert decided == len(partners)
    for proposal in GradeProposal.objects.filter(status=ProposalStatus.APPROVED):
        assert proposal.period == "2020Q1"
        assert proposal.partner.grade_id == proposal.to_grade_id
    # a manager may not decide, whatever the door: nothing changes
    with pytest.raises(PermissionDenied):
        grade_proposal_decide(
            proposal=GradeProposal.objects.first(),
            approve=False,
            actor=channel.users["manager"],
        )


def test_the_grading_service_holds_the_rules_whoever_calls_it(world: World) -> None:
    """Validation and authority live in the service: the page, the API and the CLI meet the
    same refusals, and a refused change leaves the model as it was."""
    from django.core.exceptions import PermissionDenied, ValidationError

    from qudao.analytics.services import grading_model_ensure, grading_model_update

    model = grading_model_ensure()
    before = (dict(model.weights), list(model.thresholds))
    director = world.users["director"]
    for data, field in (
        ({"weights": {"no_such_kpi": 1}}, "weights"),
        ({"weights": {"revenue": 0}}, "weights"),
        ({"weights": {"revenue": True}}, "weights"),
        ({"thresholds": [["ZZ", 0.5]]}, "thresholds"),
        ({"thresholds": [["A", 0.1], ["B", 0.5]]}, "thresholds"),
    ):
        with pytest.raises(ValidationError) as refused:
            grading_model_update(model=model, actor=director, **data)
        assert field in refused.value.message_dict, data
    with pytest.raises(PermissionDenied):
        grading_model_update(model=model, actor=world.users["manager"], weights={"revenue": 1})
    model.refresh_from_db()
    assert (model.weights, model.thresholds) == before


def test_the_rule_service_holds_the_rules_whoever_calls_it(world: World) -> None:
    from django.core.exceptions import PermissionDenied, ValidationError

    from qudao.governance.models import RiskRuleSetting
    from qudao.governance.services import rule_setting_save

    director = world.users["director"]
    for parameters in ({"nope": 1}, {"periods": 1.5}, {"periods": -1}, [1]):
        with pytest.raises(ValidationError):
            rule_setting_save(
                rule="high_churn", enabled=True, parameters=parameters, actor=director
            )
    with pytest.raises(ValidationError):
        rule_setting_save(rule="no_such_rule", enabled=True, parameters={}, actor=director)
    with pytest.raises(PermissionDenied):
        rule_setting_save(
            rule="high_churn", enabled=False, parameters={}, actor=world.users["finance"]
        )
    assert not RiskRuleSetting.objects.exists()
    saved = rule_setting_save(rule="high_churn", enabled=False, parameters={}, actor=director)
    assert saved.enabled is False
