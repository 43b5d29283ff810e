"""Marketing funds and expense claims over the API: the same rules as the pages (a partner
asks for its own, the brand decides within the fund, finance pays), refused writes change
nothing, and a partner sees only its own requests."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from qudao.programs.models import ExpenseClaim, Fund, MdfRequest
from qudao.programs.services import fund_create, mdf_request_submit
from tests.conftest import World

pytestmark = pytest.mark.django_db


def _client(world: World, role: str) -> Client:
    client = Client()
    client.force_login(world.users[role])
    return client


def _post(client: Client, path: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(path, json.dumps(body or {}), content_type="application/json")


def _ask(partner_code: str = "P-DE", budget: str = "4000") -> dict[str, str]:
    return {
        "partner": partner_code,
        "fund": "MDF-2020Q1",
        "activity": "Spring ride",
        "plan": "A test-ride weekend",
        "budget": budget,
        "starts_on": "2020-03-01",
        "ends_on": "2020-03-02",
    }


@pytest.fixture
def fund(world: World) -> Fund:
    return fund_create(code="MDF-2020Q1", name_en="Q1 MDF", period="2020Q1", amount=Decimal(5000))


def test_a_partner_asks_the_brand_decides_within_the_fund(world: World, fund: Fund) -> None:
    admin = _client(world, "partner_admin")
    asked = _post(admin, "/api/mdf-requests", _ask())
    assert asked.status_code == 201, asked.content
    body = asked.json()
    assert (body["partner"], body["status"], body["budget"]) == (
        "P-DE",
        "submitted",
        "4000.00",
    )
    # someone else's partner: it does not exist for this caller, nothing is created
    assert _post(admin, "/api/mdf-requests", _ask("P-US")).status_code == 404
    assert MdfRequest.objects.count() == 1

    director = _client(world, "director")
    # more than the fund holds: refused with the reason, the fund untouched
    too_much = _post(
        director, f"/api/mdf-requests/{body['id']}/decide", {"approve": True, "amount": "6000"}
    )
    assert too_much.status_code == 422 and "detail" in too_much.json()
    fund.refresh_from_db()
    assert fund.committed == 0
    decided = _post(
        director, f"/api/mdf-requests/{body['id']}/decide", {"approve": True, "amount": "3000"}
    )
    assert decided.status_code == 200 and decided.json()["approved_amount"] == "3000.00"
    funds = director.get("/api/mdf-funds").json()["items"]
    assert [(f["code"], f["committed"], f["remaining"]) for f in funds] == [
        ("MDF-2020Q1", "3000.00", "2000.00")
    ]


def test_a_partner_reads_its_own_requests_only(world: World, fund: Fund) -> None:
    for partner in (world.p_de, world.p_us):
        mdf_request_submit(
            partner=partner,
            fund=fund,
            activity="Ride",
            plan="Plan",
            budget=Decimal(100),
            starts_on=date(2020, 3, 1),
            ends_on=date(2020, 3, 2),
        )
    mine = _client(world, "partner_user").get("/api/mdf-requests").json()["items"]
    assert [r["partner"] for r in mine] == ["P-DE"]
    theirs = MdfRequest.objects.get(partner=world.p_us)
    assert _client(world, "partner_user").get(f"/api/mdf-requests/{theirs.pk}").status_code == 404
    everyone = _client(world, "director").get("/api/mdf-requests").json()["items"]
    assert sorted(r["partner"] for r in everyone) == ["P-DE", "P-US"]


def test_an_expense_claim_is_submitted_approved_and_paid(world: World) -> None:
    sales = _client(world, "sales")
    made = _post(
        sales,
        "/api/expense-claims",
        {"category": "travel", "spent_on": "2020-03-01", "amount": "80.50", "description": "Train"},
    )
    assert made.status_code == 201, made.content
    claim_id = made.json()["id"]
    assert made.json()["claimant"] == "sales"
    # the claimant cannot approve it, nor pay it; nothing moves
    assert (
        _post(sales, f"/api/expense-claims/{claim_id}/decide", {"approve": True}).status_code == 403
    )
    assert _post(sales, f"/api/expense-claims/{claim_id}/pay").status_code == 403
    assert ExpenseClaim.objects.get().status == "submitted"
    approved = _post(
        _client(world, "director"), f"/api/expense-claims/{claim_id}/decide", {"approve": True}
    )
    assert approved.json()["status"] == "approved"
    paid = _post(_client(world, "finance"), f"/api/expense-claims/{claim_id}/pay")
    assert paid.status_code == 200 and paid.json()["status"] == "paid" and paid.json()["paid_at"]
    # a partner's staff never see the brand's expenses
    assert _client(world, "partner_admin").get("/api/expense-claims").json()["items"] == []
