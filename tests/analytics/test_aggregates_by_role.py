"""Every aggregate of the review, for every role, equals a sum computed independently over
the scorecards of the partners that role may see.

The partner sets here are worked out from the partners' regions and tree paths by hand,
not through ``restrict``; the sums from plain Python over the scorecard rows. (Wave 1: a
manager's trend chart showed 0.00 for every quarter because the access gate's DISTINCT
pulled the scorecards' ordering into the GROUP BY.)
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from qudao.analytics.models import Scorecard
from qudao.analytics.selectors import review_overview, scorecard_export_rows
from qudao.analytics.services import review_run
from qudao.facts.generator import generate_channel
from qudao.facts.services import generated_channel_load
from qudao.governance.models import RunAtRisk
from qudao.partners.models import Partner
from qudao.territories.models import Region
from tests.factories import make_user

pytestmark = pytest.mark.django_db

QUARTERS = ["2024Q1", "2024Q2", "2024Q3", "2024Q4"]


@pytest.fixture
def reviewed(tmp_path: Path) -> dict[str, Any]:
    channel = generate_channel(partners=60, lines=6000, seed=11, out=tmp_path / "channel")
    generated_channel_load(files=channel.files)
    for quarter in QUARTERS:
        review_run(period=quarter)
    # A manager of the second-level region with the most partners, not all of them.
    tops = defaultdict(list)
    for partner in Partner.objects.select_related("home_region"):
        steps = partner.home_region.path.strip("/").split("/")
        if len(steps) > 1:
            tops[steps[1]].append(partner)
    top_id, members = max(tops.items(), key=lambda item: len(item[1]))
    assert 1 < len(members) < Partner.objects.count()
    manager = make_user("manager", "channel_manager")
    manager.managed_regions.set([Region.objects.get(pk=int(top_id))])
    owned = next(p for p in Partner.objects.all() if p not in members)
    owned.owner = manager  # a partner outside the regions that the manager owns
    owned.save()
    parent = next(p for p in Partner.objects.all() if p.children.exists())
    users = {
        "director": make_user("director", "channel_director"),
        "finance": make_user("finance", "finance"),
        "manager": manager,
        "partner_admin": make_user("partner_admin", "partner_admin", partner=parent),
    }
    all_ids = set(Partner.objects.values_list("pk", flat=True))
    visible = {
        "director": all_ids,
        "finance": all_ids,
        "manager": {p.pk for p in members} | {owned.pk},
        "partner_admin": {p.pk for p in Partner.objects.all() if p.path.startswith(parent.path)},
    }
    assert len(visible["partner_admin"]) > 1
    return {"users": users, "visible": visible}


def _cards(period: str, partner_ids: set[int]) -> list[Scorecard]:
    return [
        card
        for card in Scorecard.objects.filter(is_current=True, period=period).select_related(
            "channel_model", "partner__grade"
        )
        if card.partner_id in partner_ids
    ]


def _sum(values: Any) -> Decimal | None:
    present = [v for v in values if v is not None]
    return sum(present, Decimal(0)) if present else None


@pytest.mark.parametrize("role", ["director", "finance", "manager", "partner_admin"])
def test_overview_totals_breakdowns_and_trend_equal_independent_sums(
    reviewed: dict[str, Any], role: str
) -> None:
    user, ids = reviewed["users"][role], reviewed["visible"][role]
    period = QUARTERS[-1]
    overview = review_overview(user=user, period=period)
    cards = _cards(period, ids)
    totals = overview["totals"]
    assert totals["partners"] == len(cards)
    assert totals["revenue_total"] == _sum(c.revenue for c in cards)
    assert totals["target_total"] == _sum(c.target for c in cards)
    assert totals["margin"] == _sum(c.gross_margin for c in cards)
    # Risk is the brand's internal view: a partner's staff count none.
    at_risk = set(RunAtRisk.objects.values_list("run_id", "partner_id"))
    expected_at_risk = sum(1 for c in cards if (c.run_id, c.partner_id) in at_risk)
    assert expected_at_risk > 0 or role == "partner_admin"
    assert totals["at_risk_total"] == (0 if role == "partner_admin" else expected_at_risk)
    previous = _sum(c.revenue for c in _cards(QUARTERS[-2], ids))
    assert totals["growth_previous"] == totals["revenue_total"] / previous - 1

    by_model: dict[str, Decimal] = defaultdict(Decimal)
    for card in cards:
        by_model[card.channel_model.code] += card.revenue or 0
    assert {r["channel_model__code"]: r["revenue_total"] or 0 for r in overview["by_model"]} == (
        dict(by_model)
    )
    by_grade: dict[str | None, int] = defaultdict(int)
    for card in cards:
        by_grade[card.partner.grade.code if card.partner.grade else None] += 1
    assert {r["partner__grade__code"]: r["partners"] for r in overview["by_grade"]} == dict(
        by_grade
    )
    assert sum(r["revenue"] for r in overview["by_region"]) == totals["revenue_total"]

    # the trend: one point per reviewed quarter, each the sum over the visible partners
    expected = [(key, float(_sum(c.revenue for c in _cards(key, ids)) or 0)) for key in QUARTERS]
    assert [(p["period"], p["revenue"]) for p in overview["trend"]] == expected
    assert len({p["revenue"] for p in overview["trend"]}) == len(QUARTERS)


@pytest.mark.parametrize("role", ["director", "finance", "manager", "partner_admin"])
def test_scorecard_exports_hold_exactly_the_visible_partners(
    reviewed: dict[str, Any], role: str, tmp_path: Path
) -> None:
    user, ids = reviewed["users"][role], reviewed["visible"][role]
    period = QUARTERS[-1]
    columns, rows = scorecard_export_rows(user=user, period=period)
    cards = {c.partner.code: c for c in _cards(period, ids)}
    exported = {row[0]: row for row in rows}
    assert set(exported) == set(cards)
    revenue = columns.index("revenue")
    for code, card in cards.items():
        assert Decimal(exported[code][revenue] or "0") == (card.revenue or 0)

    target = tmp_path / "scorecards.csv"
    call_command(
        "export",
        "scorecards",
        period=period,
        format="csv",
        user=user.username,
        output=target,
        stderr=StringIO(),
    )
    from_cli = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert from_cli[0] == columns
    assert {row[0] for row in from_cli[1:]} == set(cards)


def test_partner_field_paths_are_foreign_keys_only() -> None:
    """``restrict`` does not de-duplicate: it relies on every partner path being a chain of
    foreign keys (a to-many hop would repeat rows, and aggregates would count them twice)."""
    from django.apps import apps

    checked = 0
    for model in apps.get_models():
        policy = getattr(model, "access_policy", None)
        if policy is None or not policy.partner_field:
            continue
        current = model
        for hop in policy.partner_field.split("__"):
            field = current._meta.get_field(hop)
            assert field.many_to_one or field.one_to_one, f"{model.__name__}.{hop}"
            current = field.related_model
        assert current is Partner, model.__name__
        checked += 1
    assert checked >= 5


@pytest.mark.parametrize("role", ["director", "finance", "manager", "partner_admin"])
def test_the_cockpit_tiles_equal_the_visible_scorecards_totals(
    reviewed: dict[str, Any], role: str
) -> None:
    """The home page's tiles, read off the page, against sums over the scorecards of the
    partners this role may see — the latest quarter and its change against the one before."""
    import re

    from django.test import Client

    user, ids = reviewed["users"][role], reviewed["visible"][role]
    client = Client()
    client.force_login(user)
    page = client.get("/").content.decode()
    shown = dict(re.findall(r'data-metric="(\w+)" data-value="([^"]*)"', page))

    def ratio(top: Decimal | None, bottom: Decimal | None) -> Decimal | None:
        return None if top is None or not bottom else top / bottom

    cards = _cards(QUARTERS[-1], ids)
    expected = {
        "sell_in": _sum(c.revenue for c in cards),
        "sell_through": _sum(c.sell_through_revenue for c in cards),
        "attainment": ratio(
            _sum(c.revenue for c in cards if c.target is not None),
            _sum(c.target for c in cards),
        ),
        "margin_rate": ratio(
            _sum(c.gross_margin for c in cards), _sum(c.costed_revenue for c in cards)
        ),
    }
    assert expected["sell_in"] and expected["attainment"] is not None
    for metric, value in expected.items():
        assert (Decimal(shown[metric]) if shown[metric] else None) == value, metric
    previous = _sum(c.revenue for c in _cards(QUARTERS[-2], ids))
    change = expected["sell_in"] / previous - 1  # type: ignore[operator]
    arrow = "▲" if change > 0 else "▼"
    assert f"{arrow} {abs(change) * 100:.1f}%" in page
