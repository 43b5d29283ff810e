"""A period the data covers only in part says so, everywhere its figures are shown (the
AdventureWorks sell-in ends on 31 May 2020: its 2020Q2 is two months, not a quarter)."""

from __future__ import annotations

from datetime import date
from io import StringIO

from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from qudao.analytics.services import review_run
from tests.analytics.test_review import channel  # noqa: F401 - the fixture
from tests.conftest import World


def test_a_run_records_how_far_each_fact_reaches(channel: World) -> None:  # noqa: F811
    # sell-in runs from 2019-01-20 to 2020-03-01; sell-through 2019-12-01 to 2020-03-10
    whole = review_run(period="2019Q4")
    part = review_run(period="2020Q1")
    assert part.data_span["sell_in"] == ["2019-01-20", "2020-03-01"]
    assert whole.partial_sell_in is None
    partial = part.partial_sell_in
    assert partial is not None
    assert (partial.last, partial.days_covered, partial.days) == (date(2020, 3, 1), 61, 91)
    # a month inside the data is whole, the month the data ends in is not
    assert review_run(period="2020-02").partial_sell_in is None
    assert review_run(period="2020-03").partial_sell_in.days_covered == 1  # type: ignore[union-attr]


def test_pages_cli_and_api_mark_the_partial_period(channel: World) -> None:  # noqa: F811
    review_run(period="2019Q4")
    out = StringIO()
    call_command("review", "2020Q1", stdout=out, stderr=StringIO())
    assert "partial period: sell-in reaches 2020-03-01 (61 of 91 days)" in out.getvalue()

    client = Client()
    client.force_login(channel.users["director"])
    page = client.get(reverse("analytics:overview"), {"period": "2020Q1"}).content.decode()
    assert "data-coverage" in page and "Partial period" in page
    assert "Sell-in reaches 1 Mar 2020: 61 of the period's 91 days." in page
    assert "growth against a partial period" in page
    whole = client.get(reverse("analytics:overview"), {"period": "2019Q4"}).content.decode()
    assert "Partial period" not in whole and "data-partial-growth" not in whole
    cards = client.get(reverse("analytics:scorecard_list"), {"period": "2020Q1"}).content.decode()
    assert "Partial period" in cards
    partner = client.get(reverse("analytics:partner_scorecard", args=[channel.p_de.pk]))
    assert "data-partial" in partner.content.decode()

    client.post(reverse("set_language"), {"language": "zh-hans"})
    page = client.get(reverse("analytics:overview"), {"period": "2020Q1"}).content.decode()
    assert "部分期间" in page and "数据截至" in page

    from qudao.core.services import api_token_create

    _token, key = api_token_create(user=channel.users["director"], name="t")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    runs = {r["period"]: r for r in api.get("/api/review/runs").json()["items"]}
    assert runs["2020Q1"]["partial"] is True and runs["2019Q4"]["partial"] is False
    assert runs["2020Q1"]["data_span"]["sell_in"] == ["2019-01-20", "2020-03-01"]


def test_target_and_growth_rules_do_not_judge_a_partial_period(channel: World) -> None:  # noqa: F811
    from decimal import Decimal

    from qudao.governance.models import RiskFlag
    from qudao.partners.services import target_create

    target_create(partner=channel.p_de, period="2019Q4", amount=Decimal("5000"))
    review_run(period="2019Q4")
    run = review_run(period="2020Q1")  # P-DE at 2 % of target, but the data ends 1 March
    assert not RiskFlag.objects.filter(period="2020Q1", rule="target_missed").exists()
    assert run.row_counts["rules_not_applied_to_partial_period"] == [
        "target_missed",
        "growth_below_channel",
    ]
    # the rules that do not compare with a whole period still run
    assert RiskFlag.objects.filter(period="2020Q1", rule="missing_sell_through").exists()
