"""Review pages: run from the web in the background, scorecards, the KPI dictionary."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, TestCase
from django.urls import reverse

from qudao.analytics.models import ReviewRun, RunStatus
from qudao.analytics.services import review_run
from tests.analytics.test_review import channel  # noqa: F401 - the fixture
from tests.conftest import World, run_queued_tasks


def test_director_runs_a_review_from_the_web(channel: World) -> None:  # noqa: F811
    client = Client()
    client.force_login(channel.users["director"])
    assert "Run the review" in client.get(reverse("analytics:run_list")).content.decode()
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("analytics:review_start"), {"period": "2020Q1"})
    run = ReviewRun.objects.get()
    assert response.status_code == 302 and response["Location"] == run.get_absolute_url()
    assert 'hx-trigger="every 1s"' in client.get(run.get_absolute_url()).content.decode()
    run_queued_tasks()
    run.refresh_from_db()
    assert run.status == RunStatus.CURRENT
    page = client.get(run.get_absolute_url()).content.decode()
    assert "every 1s" not in page and "2020Q1" in page and run.kpi_version in page
    # a bad period is refused with its reason, nothing queued
    client.post(reverse("analytics:review_start"), {"period": "2020Q7"})
    assert ReviewRun.objects.count() == 1


def test_scorecards_show_definitions_and_export(channel: World) -> None:  # noqa: F811
    review_run(period="2020Q1")
    client = Client()
    client.force_login(channel.users["director"])
    url = reverse("analytics:scorecard_list") + "?period=2020Q1"
    page = client.get(url).content.decode()
    assert "P-DE" in page and "P-US" in page
    assert 'data-kpi="gross_margin_rate"' in page and "Gross margin as a share" in page
    assert "40.0%" in page  # P-DE's margin rate on screen
    run = ReviewRun.objects.get()
    assert f'href="{run.get_absolute_url()}"' in page  # the run that made the figures
    export = client.get(url + "&export=csv").content.decode("utf-8-sig").splitlines()
    assert len(export) == 4 and "Gross margin rate" in export[0]
    client.post(reverse("set_language"), {"language": "zh-hans"})
    zh = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "毛利率" in zh


def test_partner_users_see_their_own_scorecards_and_cannot_run(channel: World) -> None:  # noqa: F811
    review_run(period="2020Q1")
    client = Client()
    client.force_login(channel.users["partner_admin"])
    page = client.get(reverse("analytics:scorecard_list") + "?period=2020Q1").content.decode()
    assert "P-DE" in page and "P-US" not in page
    assert "Run the review" not in client.get(reverse("analytics:run_list")).content.decode()
    assert client.post(reverse("analytics:review_start"), {"period": "2020Q1"}).status_code == 403
    run = ReviewRun.objects.get()
    assert client.get(run.get_absolute_url()).status_code == 404


def test_kpi_dictionary_page(world: World) -> None:
    client = Client()
    client.force_login(world.users["partner_user"])
    page = client.get(reverse("analytics:kpi_list")).content.decode()
    assert 'id="days_of_supply"' in page and "SCOR" in page and "of_sell_in" in page


def test_overview_and_partner_scorecard_pages(channel: World) -> None:  # noqa: F811
    review_run(period="2019Q4")
    review_run(period="2020Q1")
    client = Client()
    client.force_login(channel.users["director"])
    page = client.get(reverse("analytics:overview"), {"period": "2020Q1"}).content.decode()
    # channel totals: 2,000 + 3,000 this quarter against 1,000 the one before (▲ 400%);
    # margin (600 + 460 at the standard cost + 1,000) over the costed revenue (2,000 + 3,000)
    assert "2020 Q1" in page and "5.0K" in page and "▲ 400.0%" in page
    assert "41.2%" in page
    assert page.count("<svg") >= 2  # the trend and the channel-model bars
    assert "P-US" in page and "P-DE" in page
    scorecard = client.get(reverse("analytics:partner_scorecard", args=[channel.p_de.pk]))
    text = scorecard.content.decode()
    assert scorecard.status_code == 200 and text.count("<svg") == 2
    assert "2019 Q4" in text and "53.0%" in text  # the margin rate of 2020Q1
    # in Chinese: periods, labels and the chart titles follow the language
    client.post(reverse("set_language"), {"language": "zh-hans"})
    zh = client.get(reverse("analytics:overview"), {"period": "2020Q1"}).content.decode()
    assert "2020年第1季度" in zh and "按渠道模式" in zh
    # a partner user sees only its own partners, in the overview and on scorecards
    partner = Client()
    partner.force_login(channel.users["partner_user"])
    own = partner.get(reverse("analytics:overview"), {"period": "2020Q1"}).content.decode()
    assert "P-US" not in own and "P-DE" in own
    other = reverse("analytics:partner_scorecard", args=[channel.p_us.pk])
    assert partner.get(other).status_code == 404


def test_overview_without_reviews_says_what_to_do(world: World) -> None:
    client = Client()
    client.force_login(world.users["director"])
    page = client.get(reverse("analytics:overview")).content.decode()
    assert "No review yet" in page


def test_api_start_poll_and_read_scorecards(channel: World) -> None:  # noqa: F811
    from qudao.core.services import api_token_create
    from qudao.governance.models import RiskRuleSetting

    # P-DE lost half its customers: at risk where one period above 40 % is enough
    RiskRuleSetting.objects.create(rule="high_churn", parameters={"above": 0.4, "periods": 1})
    _token, key = api_token_create(user=channel.users["director"], name="bi")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    with TestCase.captureOnCommitCallbacks(execute=True):
        started = api.post(
            "/api/review/runs", {"period": "2020Q1"}, content_type="application/json"
        )
    assert started.status_code == 202 and started.json()["status"] == "queued"
    run_queued_tasks()
    run = api.get(f"/api/review/runs/{started.json()['id']}").json()
    assert run["status"] == "current" and run["row_counts"]["scorecards"] == 3
    cards = api.get("/api/review/scorecards", {"period": "2020Q1", "q": "P-DE"}).json()["items"]
    de = next(c for c in cards if c["partner"] == "P-DE")
    assert de["kpis"]["revenue"] == "2000.00" and de["kpis"]["gross_margin_rate"] == "0.530000"
    assert de["kpis"]["sell_through_revenue"] == "1350.00" and de["at_risk"] is True
    bad = api.post("/api/review/runs", {"period": "2020Q5"}, content_type="application/json")
    assert bad.status_code == 422 and "2020Q5" in bad.json()["detail"]


def test_the_engine_is_chosen_per_run_and_refused_where_it_cannot_run(
    channel: World,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from qudao.analytics import engine, views
    from qudao.core.services import api_token_create

    client = Client()
    client.force_login(channel.users["director"])
    for module in (engine, views):
        monkeypatch.setattr(module, "spark_available", lambda: True)
    page = client.get(reverse("analytics:run_list")).content.decode()
    assert 'name="engine"' in page and 'value="spark"' in page
    client.post(reverse("analytics:review_start"), {"period": "2020Q1", "engine": "spark"})
    assert ReviewRun.objects.get().engine == "spark"  # queued; the run records its engine

    for module in (engine, views):
        monkeypatch.setattr(module, "spark_available", lambda: False)
    assert 'name="engine"' not in client.get(reverse("analytics:run_list")).content.decode()
    _token, key = api_token_create(user=channel.users["director"], name="bi")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    refused = api.post(
        "/api/review/runs", {"period": "2020Q1", "engine": "spark"}, content_type="application/json"
    )
    assert refused.status_code == 422 and "spark extra" in refused.json()["detail"]
    assert ReviewRun.objects.count() == 1  # nothing queued
    with pytest.raises(CommandError, match="spark extra"):
        call_command("review", "2020Q1", "--engine", "spark")
