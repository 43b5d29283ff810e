"""The scorecards table: periods from a list; region, grade and at-risk filters; column
groups a person chooses, remembered on their account — and the partner page's summary."""

from __future__ import annotations

import re

from django.test import Client
from django.urls import reverse

from qudao.analytics.models import Scorecard
from qudao.analytics.tables import COLUMN_GROUPS, SCORECARD_KPIS
from qudao.governance.models import FlagStatus, RiskFlag
from qudao.partners.models import Grade
from qudao.partners.services import partner_update
from tests.analytics.test_review import channel  # noqa: F401 - the fixture
from tests.conftest import World
from tests.governance.test_risk import reviewed  # noqa: F401 - the fixture

URL = reverse("analytics:scorecard_list")


def _codes(page: str) -> set[str]:
    return set(re.findall(r">(P-[A-Z-]+)</a>", page))


def test_every_kpi_is_in_exactly_one_column_group() -> None:
    grouped = [kpi for _label, kpis in COLUMN_GROUPS.values() for kpi in kpis]
    assert sorted(grouped) == sorted(SCORECARD_KPIS)


def test_periods_come_from_a_list_and_filters_narrow_the_rows(reviewed: World) -> None:  # noqa: F811
    client = Client()
    client.force_login(reviewed.users["director"])
    page = client.get(URL).content.decode()
    assert '<option value="2020Q1">' in page and '<option value="2019Q4">' in page
    everyone = _codes(client.get(URL, {"period": "2020Q1"}).content.decode())
    assert everyone == {"P-DE", "P-DE-SUB", "P-US"}
    # region: Europe holds DE (and Berlin below it)
    europe = client.get(URL, {"period": "2020Q1", "region": reviewed.eu.pk}).content.decode()
    assert _codes(europe) == {"P-DE", "P-DE-SUB"}
    # grade
    grade_b, _ = Grade.objects.get_or_create(code="B", defaults={"name_en": "B", "rank": 2})
    partner_update(partner=reviewed.p_us, grade=grade_b)
    graded = client.get(URL, {"period": "2020Q1", "grade": grade_b.pk}).content.decode()
    assert _codes(graded) == {"P-US"}
    # at risk: the partners with a standing flag in the period's run
    flagged = set(
        RiskFlag.objects.filter(period="2020Q1", status=FlagStatus.OPEN).values_list(
            "partner__code", flat=True
        )
    )
    assert flagged and flagged != everyone
    at_risk = client.get(URL, {"period": "2020Q1", "at_risk": "true"}).content.decode()
    assert _codes(at_risk) == flagged
    calm = client.get(URL, {"period": "2020Q1", "at_risk": "false"}).content.decode()
    assert _codes(calm) == everyone - flagged


def test_chosen_column_groups_are_remembered_for_the_user(reviewed: World) -> None:  # noqa: F811
    user = reviewed.users["director"]
    client = Client()
    client.force_login(user)
    page = client.get(URL, {"period": "2020Q1", "columns": ["growth"]}).content.decode()
    assert "target_attainment" in page and "inventory_turnover" not in page
    user.refresh_from_db()
    assert user.preferences["scorecard_columns"] == ["growth"]
    # another visit, another device: the same columns, ticked
    again = Client()
    again.force_login(user)
    page = again.get(URL, {"period": "2020Q1"}).content.decode()
    assert "inventory_turnover" not in page and "revenue_growth_yoy" in page
    assert re.search(r'value="growth"[^>]*checked', page)
    # the export has the columns shown
    export = again.get(URL, {"period": "2020Q1", "export": "csv"}).content.decode("utf-8-sig")
    header = export.splitlines()[0]
    assert "Target attainment" in header and "Inventory turnover" not in header


def test_partner_users_get_no_at_risk_filter(reviewed: World) -> None:  # noqa: F811
    client = Client()
    client.force_login(reviewed.users["partner_admin"])
    page = client.get(URL, {"period": "2020Q1", "at_risk": "true"}).content.decode()
    assert 'name="at_risk"' not in page
    assert _codes(page) == {"P-DE", "P-DE-SUB"}  # the filter is not applied either


def test_the_partner_page_shows_its_latest_scorecard(reviewed: World) -> None:  # noqa: F811
    card = Scorecard.objects.get(partner=reviewed.p_de, period="2020Q1", is_current=True)
    director = Client()
    director.force_login(reviewed.users["director"])
    page = director.get(reviewed.p_de.get_absolute_url()).content.decode()
    assert 'id="performance"' in page and "2020 Q1" in page
    assert f"{card.target_attainment:.1%}" in page.replace("\u202f", "")
    assert "Target missed" in page  # its standing flag
    partner = Client()
    partner.force_login(reviewed.users["partner_admin"])
    page = partner.get(reviewed.p_de.get_absolute_url()).content.decode()
    assert 'id="performance"' in page and "Target missed" not in page
