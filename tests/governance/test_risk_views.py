"""Partner risk in the web app, the CLI and the API: the dashboard's tiles, ageing chart,
alerts and exportable table; the partner page's risk section; complaints and licences
recorded through their pages and the API — each side seeing its own part."""

from __future__ import annotations

import io
from decimal import Decimal
from io import StringIO
from typing import Any

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from qudao.governance.models import AlertKind, Complaint, RiskAlert, RiskProfile
from qudao.governance.services import risk_profiles_refresh
from tests.conftest import World
from tests.governance.test_partner_risk import AS_OF, risky  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def _client(user: Any, language: str = "en") -> Client:
    client = Client(headers={"accept-language": language})
    client.force_login(user)
    return client


@pytest.fixture
def judged(risky: World) -> World:  # noqa: F811
    risk_profiles_refresh(as_of=AS_OF)
    return risky


def test_the_dashboard_shows_levels_ageing_alerts_and_exports(judged: World) -> None:
    director = _client(judged.users["director"])
    url = reverse("governance:risk_dashboard")
    page = director.get(url).content.decode()
    assert 'id="risk-cards"' in page and "<svg" in page  # the ageing chart
    assert "A grave complaint received on 2020-03-01 is open." in page
    assert "Dealer agreement expired on 2020-03-14." in page
    assert "How the risk score is made" in page
    sheet = openpyxl.load_workbook(io.BytesIO(director.get(url, {"export": "xlsx"}).content))
    rows = list(sheet.active.iter_rows(values_only=True))
    assert rows[0][:4] == ("Partner", "Name", "Risk level", "Risk score")
    first = dict(zip(rows[0], rows[1], strict=True))
    assert (first["Partner"], first["Risk level"], Decimal(str(first["Risk score"]))) == (
        "P-DE",
        "High",
        Decimal("62.8"),
    )
    assert Decimal(str(first["Limit used"])) == Decimal("0.96")
    only_low = director.get(url, {"level": "low", "export": "xlsx"})
    low_rows = list(openpyxl.load_workbook(io.BytesIO(only_low.content)).active.values)
    assert {r[0] for r in low_rows[1:]} == {"P-US", "P-DE-SUB"}
    # in Chinese too
    zh = _client(judged.users["director"], "zh-hans").get(url).content.decode()
    assert "合作伙伴风险" in zh and "风险评分如何计算" in zh


def test_an_alert_is_marked_seen_and_the_refresh_reports(judged: World) -> None:
    manager = _client(judged.users["manager"])
    alert = RiskAlert.objects.get(kind=AlertKind.SCORE_HIGH, cleared_at=None)
    seen = manager.post(reverse("governance:risk_alert_seen", args=[alert.pk]))
    assert seen.status_code == 302
    alert.refresh_from_db()
    assert alert.acknowledged_by == judged.users["manager"]
    done = manager.post(reverse("governance:risk_refresh"), follow=True).content.decode()
    # as of today, for the partners the manager sees (Europe: P-DE and its sub-dealer)
    assert "Risk of 2 partners computed as of" in done


def test_the_partner_page_explains_the_score_to_the_brand_only(judged: World) -> None:
    url = reverse("partners:partner_detail", args=[judged.p_de.pk]) + "?tab=governance"
    page = _client(judged.users["director"]).get(url).content.decode()
    assert 'id="partner-risk"' in page and "62.8" in page
    assert "9,600.00" in page and "Record a complaint" in page
    theirs = _client(judged.users["partner_user"]).get(url).content.decode()
    assert 'id="partner-risk"' not in theirs and "62.8" not in theirs
    assert "Sold a used bike as new" in theirs and "Trade licence" in theirs
    assert "Record a complaint" not in theirs


def test_a_complaint_recorded_on_its_page_moves_the_score(judged: World) -> None:
    director = _client(judged.users["director"])
    before = RiskProfile.objects.get(partner=judged.p_us).score
    response = director.post(
        reverse("governance:complaint_add"),
        {
            "partner": judged.p_us.pk,
            "source": "market_check",
            "received_on": "2026-01-05",
            "severity": "medium",
            "text": "Shelf prices below the floor",
            "status": "open",
        },
    )
    assert response.status_code == 302
    after = RiskProfile.objects.get(partner=judged.p_us)
    # recorded today: the profile is recomputed as of today, with this complaint in it
    assert after.components["complaints"] == "4.0" and after.score == before + 4
    bad = director.post(
        reverse("governance:compliance_add"),
        {
            "partner": judged.p_us.pk,
            "kind": "licence",
            "name": "Backwards",
            "valid_from": "2026-05-01",
            "expires_on": "2026-04-01",
            "remind_days": "30",
        },
    )
    assert "It cannot expire before it is valid." in bad.content.decode()


def test_the_risk_command_reports_and_refuses_unknown_users(judged: World) -> None:
    out = StringIO()
    call_command("governance", "risk", "--as-of", "2020-03-15", stdout=out)
    assert out.getvalue().strip() == (
        "risk as of 2020-03-15: 3 partner(s); 0 alert(s) raised, 0 cleared; 1 high"
    )
    with pytest.raises(CommandError, match="no user"):
        call_command("governance", "risk", "--user", "nobody")
    with pytest.raises(CommandError):
        call_command("governance", "risk", "--user", "partner_user")


def test_the_api_records_and_lists_each_side_its_own(judged: World) -> None:
    director = _client(judged.users["director"])
    created = director.post(
        "/api/complaints",
        {
            "partner": "P-US",
            "source": "customer",
            "received_on": "2020-03-02",
            "severity": "low",
            "text": "Late delivery",
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["partner"] == "P-US"
    theirs = _client(judged.users["partner_user"]).get("/api/complaints").json()
    assert {c["partner"] for c in theirs["items"]} == {"P-DE"}
    items = director.get("/api/compliance-items", {"kind": "licence"}).json()["items"]
    assert {i["name"]: i["state"] for i in items}["Dealer agreement"] == "expired"
    profiles = director.get("/api/risk").json()["items"]
    assert profiles[0]["partner"] == "P-DE" and profiles[0]["components"]["credit"] == "20.0"
    assert _client(judged.users["partner_user"]).get("/api/risk").json()["count"] == 0
    assert Complaint.objects.filter(partner=judged.p_us).count() == 1
