"""Violations over the API: the offender's users see their side only; transitions move the
case as the pages do, and a refused one changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from qudao.core.services import api_token_create
from qudao.governance.models import Penalty, Violation, ViolationStatus
from qudao.governance.services import violation_comment_add
from tests.conftest import World
from tests.governance.test_violation_workflow import INTO_US, detected  # noqa: F401
from tests.governance.test_violations import traded  # noqa: F401

pytestmark = pytest.mark.django_db


def _api(user: Any) -> Client:
    _token, key = api_token_create(user=user, name="test")
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def test_the_api_lists_details_and_moves_violations(detected: Any, world: World) -> None:  # noqa: F811
    violation = Violation.objects.get(identity=INTO_US)
    violation_comment_add(
        violation=violation, text="check the ledger", actor=world.users["director"], internal=True
    )
    director, clerk = _api(world.users["director"]), _api(world.users["partner_user"])
    listed = director.get("/api/violations", {"type": "cross_region_sale"}).json()
    assert {(v["partner"], v["injured_partner"]) for v in listed["items"]} == {
        ("P-DE", "P-US"),
        ("P-DE", None),
    }
    mine = clerk.get(f"/api/violations/{violation.pk}").json()
    assert mine["injured_partner"] is None and mine["comments"] == []
    assert mine["evidence"][0]["row"] == 3 and mine["evidence"][0]["region"] == "US"
    refused = clerk.post(
        f"/api/violations/{violation.pk}/dismiss",
        {"reason": "not us"},
        content_type="application/json",
    )
    assert refused.status_code == 403
    violation.refresh_from_db()
    assert violation.status == ViolationStatus.OPEN
    appeal = clerk.post(
        f"/api/violations/{violation.pk}/comments",
        {"text": "客户已搬迁"},
        content_type="application/json",
    )
    assert appeal.status_code == 201 and appeal.json()["appeal"] is True
    bad = director.post(
        f"/api/violations/{violation.pk}/confirm",
        {"note": "D2", "penalties": [{"kind": "fine"}]},
        content_type="application/json",
    )
    assert bad.status_code == 422 and "amount above 0" in str(bad.json()["detail"])
    done = director.post(
        f"/api/violations/{violation.pk}/confirm",
        {"note": "D2", "penalties": [{"kind": "rebate_deduction", "amount": "300"}]},
        content_type="application/json",
    ).json()
    assert done["status"] == "confirmed"
    assert done["penalties"] == [
        {
            "id": Penalty.objects.get().pk,
            "kind": "rebate_deduction",
            "amount": "300.00",
            "period": "2020Q1",
            "status": "applied",
        }
    ]
    assert len(done["comments"]) == 2  # the brand reads the internal note and the appeal
