"""Applicants over the API: what each side reads, and the funnel's moves."""

from __future__ import annotations

from typing import Any

from django.test import Client

from qudao.core.services import api_token_create
from qudao.partners.models import ChannelModel
from qudao.recruitment.services import entry_model_defaults
from tests.conftest import World
from tests.recruitment.helpers import applicant, walk


def _api(user: Any) -> Client:
    _token, key = api_token_create(user=user, name="test")
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def test_staff_read_the_score_breakdown_partners_do_not(world: World) -> None:
    entry_model_defaults(channel_model=ChannelModel.objects.get(code="reseller"))
    made = applicant(world.berlin, sponsor=world.p_de, brand_fit=4)
    staff = _api(world.users["director"]).get(f"/api/applicants/{made.pk}").json()
    assert staff["brand_fit"] == 4 and staff["regions"] == ["BER"]
    criteria = {c["measure"]: c for c in staff["current_score"]["criteria"]}
    assert criteria["brand_fit"]["points"] == 80
    assert staff["score"] == staff["current_score"]["score"]
    partner = _api(world.users["partner_user"]).get(f"/api/applicants/{made.pk}").json()
    assert partner["company"] == "Acme Trading"
    assert (partner["score"], partner["brand_fit"], partner["current_score"]) == (None, None, None)


def test_add_move_and_sign_through_the_api(world: World) -> None:
    client = _api(world.users["manager"])
    created = client.post(
        "/api/applicants",
        {
            "company": "Elbe Velo",
            "contact_name": "Jana",
            "channel_model": "reseller",
            "home_region": "BER",
            "regions": ["DE"],
        },
        content_type="application/json",
    )
    assert created.status_code == 201
    pk = created.json()["id"]
    assert client.get("/api/applicants?stage=applied").json()["count"] == 1
    refused = client.post(
        f"/api/applicants/{pk}/stage", {"stage": "pilot"}, content_type="application/json"
    )
    assert refused.status_code == 422 and "cannot go from" in refused.text
    for stage in ("screening", "due_diligence"):
        moved = client.post(
            f"/api/applicants/{pk}/stage", {"stage": stage}, content_type="application/json"
        )
        assert moved.json()["stage"] == stage
    signed = client.post(
        f"/api/applicants/{pk}/sign",
        {"code": "ELBE", "name_en": "Elbe Velo"},
        content_type="application/json",
    )
    assert signed.status_code == 201 and signed.json() == {"applicant": pk, "partner": "ELBE"}
    assert client.get(f"/api/applicants/{pk}").json()["partner"] == "ELBE"


def test_an_unknown_code_is_named(world: World) -> None:
    answer = _api(world.users["director"]).post(
        "/api/applicants",
        {"company": "X", "contact_name": "Y", "channel_model": "nope", "home_region": "BER"},
        content_type="application/json",
    )
    assert answer.status_code == 422 and "channel_model" in answer.text


def test_the_list_filters_by_region_below(world: World) -> None:
    applicant(world.berlin, company="In Berlin")
    walk(applicant(world.us, company="In the US"), ("rejected", 1))
    client = _api(world.users["director"])
    names = [a["company"] for a in client.get("/api/applicants?region=EU").json()["items"]]
    assert names == ["In Berlin"]
    assert client.get("/api/applicants?stage=rejected").json()["items"][0]["company"] == "In the US"
