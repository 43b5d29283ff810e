"""Risk pages: the at-risk list with evidence, starting and closing a plan, the rules page."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from qudao.governance.models import (
    FlagStatus,
    ImprovementPlan,
    PlanStatus,
    RiskFlag,
    RiskRuleSetting,
)
from qudao.governance.services import detector_parameters
from tests.analytics.test_review import channel  # noqa: F401 - the fixture
from tests.conftest import World
from tests.governance.test_risk import reviewed  # noqa: F401 - the fixture


def test_at_risk_list_plan_and_termination_in_the_browser(reviewed: World) -> None:  # noqa: F811
    manager = Client()
    manager.force_login(reviewed.users["manager"])
    page = manager.get(reverse("governance:flag_list"), {"status": "open"}).content.decode()
    # the manager (Europe) sees P-DE's flags with their numbers, not P-US's
    assert "Target missed" in page and "2019Q4: 20.0% / 80.0% · 2020Q1: 2.0% / 80.0%" in page
    assert "P-US" not in page and "Start a plan" in page
    form = manager.get(reverse("governance:plan_add"), {"partner": reviewed.p_de.pk})
    text = form.content.decode()
    assert "Agree a recovery plan per month" in text  # the rules' suggested actions
    flags = RiskFlag.objects.filter(partner=reviewed.p_de, status=FlagStatus.OPEN)
    response = manager.post(
        reverse("governance:plan_add") + f"?partner={reviewed.p_de.pk}",
        {
            "flags": [f.pk for f in flags],
            "owner": reviewed.users["manager"].pk,
            "actions": "Weekly call",
            "due_date": "2020-06-30",
            "follow_up_date": "2020-07-15",  # after the due date: refused
        },
    )
    assert "The follow-up must come before the due date." in response.content.decode()
    response = manager.post(
        reverse("governance:plan_add") + f"?partner={reviewed.p_de.pk}",
        {
            "flags": [f.pk for f in flags],
            "owner": reviewed.users["manager"].pk,
            "actions": "Weekly call",
            "due_date": "2020-06-30",
            "follow_up_date": "2020-05-15",
        },
    )
    plan = ImprovementPlan.objects.get()
    assert response["Location"] == plan.get_absolute_url()
    manager.post(plan.get_absolute_url(), {"action": "failed", "outcome": "no progress"})
    plan.refresh_from_db()
    assert plan.status == PlanStatus.TERMINATION_PROPOSED
    # only the director may end the partnership
    assert manager.post(plan.get_absolute_url(), {"action": "terminate"}).status_code == 403
    director = Client()
    director.force_login(reviewed.users["director"])
    assert "Terminate the partner" in director.get(plan.get_absolute_url()).content.decode()
    director.post(plan.get_absolute_url(), {"action": "keep", "outcome": "new owner"})
    plan.refresh_from_db()
    reviewed.p_de.refresh_from_db()
    assert plan.status == PlanStatus.KEPT and reviewed.p_de.status == "active"


def test_rules_page_edits_parameters(reviewed: World) -> None:  # noqa: F811
    director = Client()
    director.force_login(reviewed.users["director"])
    url = reverse("governance:rule_list")
    edit = reverse("governance:rule_edit", args=["high_churn"])
    assert "Customer churn above 50% for 2 period(s) running." in director.get(url).content.decode()
    # a rate is typed as a percentage
    form = director.get(edit).content.decode()
    assert 'name="p__above"' in form and 'value="50' in form
    director.post(edit, {"enabled": "on", "p__above": "60", "p__periods": "2"})
    page = director.get(url).content.decode()
    assert "Customer churn above 60%" in page
    assert rule_setting(reviewed, "high_churn") == (True, {"above": 0.6, "periods": 2})
    # out of range: the form says so and nothing is saved
    bad = director.post(edit, {"enabled": "on", "p__above": "150", "p__periods": "2"})
    assert bad.status_code == 200 and "100" in bad.content.decode()
    assert rule_setting(reviewed, "high_churn") == (True, {"above": 0.6, "periods": 2})
    sales = Client()
    sales.force_login(reviewed.users["sales"])
    assert sales.post(edit, {"p__above": "10", "p__periods": "1"}).status_code == 403
    assert sales.get(edit).status_code == 403
    assert rule_setting(reviewed, "high_churn") == (True, {"above": 0.6, "periods": 2})


def rule_setting(world: World, rule: str) -> tuple[bool, dict[str, object]]:
    setting = RiskRuleSetting.objects.get(rule=rule)
    return setting.enabled, setting.parameters


def test_rules_page_explains_and_sets_the_detectors(reviewed: World) -> None:  # noqa: F811
    director = Client()
    director.force_login(reviewed.users["director"])
    url = reverse("governance:rule_list")
    edit = reverse("governance:rule_edit", args=["cloned_code"])
    page = director.get(url).content.decode()
    assert "scanned in two regions far apart within 24 hours, or scanned more than 5" in page
    # a detector always runs: its form has no switch
    assert 'name="enabled"' not in director.get(edit).content.decode()
    director.post(edit, {"p__hours": "6", "p__max_scans": "5"})
    assert "far apart within 6 hours, or scanned more than 5" in director.get(url).content.decode()
    assert detector_parameters()["cloned_code"] == {"hours": 6, "max_scans": 5}
    # a fractional scan limit is refused, nothing saved
    response = director.post(edit, {"p__hours": "1", "p__max_scans": "2.5"}).content.decode()
    assert "p__max_scans" in response
    assert detector_parameters()["cloned_code"] == {"hours": 6, "max_scans": 5}
    zh = Client(headers={"accept-language": "zh-hans"})
    zh.force_login(reviewed.users["director"])
    assert "6 小时内于相距甚远的两个区域" in zh.get(url).content.decode()
    sales = Client()
    sales.force_login(reviewed.users["sales"])
    assert sales.post(edit, {"p__hours": "1", "p__max_scans": "1"}).status_code == 403
    assert detector_parameters()["cloned_code"]["hours"] == 6
