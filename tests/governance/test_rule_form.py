"""Rule parameters as forms with units and ranges, checked in the service (for API and CLI
too), and a preview of what a change would flag before it is saved."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from qudao.analytics.services import review_run
from qudao.governance.models import FlagStatus, RiskFlag, RiskRuleSetting
from qudao.governance.rules import DETECTOR_SETTINGS, RULE_BY_ID, RULES
from qudao.governance.selectors import rule_preview
from qudao.governance.services import rule_setting_save
from tests.analytics.test_review import channel  # noqa: F401 - the fixture
from tests.conftest import World
from tests.governance.test_risk import reviewed  # noqa: F401 - the fixture


def test_every_parameter_has_a_unit_and_a_range_that_holds_its_default() -> None:
    for definition in (*RULES, *DETECTOR_SETTINGS):
        assert set(definition.parameters) == set(definition.defaults), definition.id
        for name, spec in definition.parameters.items():
            assert spec.minimum <= definition.defaults[name] <= spec.maximum, (definition.id, name)


@pytest.mark.parametrize(
    ("rule", "parameters", "message"),
    [
        ("target_missed", {"below": 2.5}, "between 0% and 200%"),
        ("target_missed", {"periods": 0}, "between 1 and 12"),
        ("target_missed", {"periods": 1.5}, "whole number"),
        ("high_churn", {"above": -0.1}, "between 0% and 100%"),
        ("cloned_code", {"hours": 721}, "between 1 and 720"),
        ("late_sell_through", {"days": "15"}, "numbers"),
    ],
)
def test_the_service_refuses_parameters_out_of_range(
    world: World, rule: str, parameters: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        rule_setting_save(
            rule=rule, enabled=True, parameters=parameters, actor=world.users["director"]
        )
    assert not RiskRuleSetting.objects.exists()


def test_the_preview_counts_what_the_parameters_would_flag(reviewed: World) -> None:  # noqa: F811
    # P-DE reached 20 % of target in 2019Q4 and 2 % in 2020Q1; in force: below 80 %,
    # 2 periods running — P-DE is flagged.
    rule = RULE_BY_ID["target_missed"]
    current = {"below": 0.8, "periods": 2}
    director = reviewed.users["director"]

    def preview(**proposed: float) -> tuple[int, int, list[str], list[str]]:
        result = rule_preview(rule=rule, current=current, proposed=proposed, user=director)
        assert result is not None and result.period == "2020Q1"
        return result.flagged_now, result.flagged_then, result.added, result.removed

    # below 10 %, two running: 2019Q4's 20 % is not below it — P-DE would no longer be flagged
    assert preview(below=0.1, periods=2) == (1, 0, [], ["P-DE"])
    # below 2 %: 2 % is not below 2 % (the near miss)
    assert preview(below=0.02, periods=2) == (1, 0, [], ["P-DE"])
    # below 10 %, one period: 2020Q1's 2 % is — still flagged; and P-US, far below its
    # 2020Q1 target with none the quarter before, joins
    assert preview(below=0.1, periods=1) == (1, 2, ["P-US"], [])


def test_the_preview_flags_what_the_next_review_flags(reviewed: World) -> None:  # noqa: F811
    rule = RULE_BY_ID["target_missed"]
    director = reviewed.users["director"]
    for proposed in ({"below": 0.1, "periods": 1}, {"below": 0.1, "periods": 2}):
        current = {**rule.defaults, **_stored(rule.id)}
        preview = rule_preview(rule=rule, current=current, proposed=proposed, user=director)
        assert preview is not None
        rule_setting_save(rule=rule.id, enabled=True, parameters=proposed, actor=director)
        review_run(period=preview.period)
        flagged = RiskFlag.objects.filter(
            period=preview.period, rule=rule.id, status=FlagStatus.OPEN
        ).count()
        assert flagged == preview.flagged_then, proposed


def _stored(rule: str) -> dict[str, object]:
    setting = RiskRuleSetting.objects.filter(rule=rule).first()
    return setting.parameters if setting else {}


def test_the_preview_in_the_browser_saves_nothing(reviewed: World) -> None:  # noqa: F811
    director = Client()
    director.force_login(reviewed.users["director"])
    url = reverse("governance:rule_preview", args=["target_missed"])
    page = director.post(url, {"enabled": "on", "p__below": "10", "p__periods": "2"})
    text = page.content.decode()
    assert 'data-now="1"' in text and 'data-then="0"' in text and "P-DE" in text
    assert not RiskRuleSetting.objects.exists()
    # out of range: the reason, not a preview
    text = director.post(url, {"p__below": "900", "p__periods": "2"}).content.decode()
    assert "data-preview" not in text and "200" in text
    manager = Client()
    manager.force_login(reviewed.users["manager"])
    assert manager.post(url, {"p__below": "10", "p__periods": "2"}).status_code == 403


def _reports_due(page: str) -> str | None:
    import re

    found = re.search(r'data-metric="reports_due".*?class="card-value">(\d+)<', page, re.S)
    return found.group(1) if found else None


def test_the_home_page_counts_the_sell_through_reports_due(reviewed: World) -> None:  # noqa: F811
    # P-US owes its sell-through for 2020Q1 and sent none (missing_sell_through)
    seen = {}
    for role in ("director", "manager", "partner_admin"):
        client = Client()
        client.force_login(reviewed.users[role])
        seen[role] = _reports_due(client.get("/").content.decode())
    # the manager (Europe) does not see P-US; partners never see the brand's flags
    assert seen == {"director": "1", "manager": "0", "partner_admin": None}
