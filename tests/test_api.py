"""The API: responses conform to the OpenAPI schema (fuzzed with schemathesis), writes go through
services with the same validation as the pages, and the token is the only door."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import schemathesis
from django.core.exceptions import PermissionDenied
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client, TestCase
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from qudao.catalog.models import Product
from qudao.core.services import api_token_create
from qudao.partners.models import Partner
from qudao.wsgi import application
from tests.conftest import World

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)


@pytest.fixture
def wsgi_keeps_test_connection() -> Iterator[None]:
    """Calls into the raw WSGI app would close the test's database connection at the end of
    each request (Django's close_old_connections); the test client suspends that, so do we."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _client(world: World, role: str = "director") -> Client:
    _token, key = api_token_create(user=world.users[role], name="t")
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def test_openapi_document_is_3_1(client: Client) -> None:
    document = client.get("/api/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    assert "/api/partners" in document["paths"]


FUZZ_ROLES = ["director", "manager", "finance", "partner_admin", "no_role", "anonymous"]


@pytest.mark.django_db
@pytest.mark.parametrize("role", FUZZ_ROLES)
@schema.parametrize()
@settings(
    # Bounded: a handful of generated requests per operation and role, no shrinking search
    # beyond what hypothesis does by default (about 30 operations × 6 roles).
    max_examples=4,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_every_operation_as_every_role(
    case: Any, role: str, world: World, wsgi_keeps_test_connection: None
) -> None:
    """Whatever the request — reads and writes, valid or not — no role ever gets a server
    error, every status is one the document declares, and every declared body has its
    documented shape. (sales and partner_user share finance's and partner_admin's rules.)"""
    headers = {}
    if role != "anonymous":
        _token, key = api_token_create(user=world.users[role], name="fuzz")
        headers["Authorization"] = f"Bearer {key}"
    with TestCase.captureOnCommitCallbacks(execute=False):  # started work is not run here
        case.call_and_validate(
            headers=headers,
            checks=[not_a_server_error, status_code_conformance, response_schema_conformance],
        )


def test_create_and_update_partner(world: World) -> None:
    client = _client(world, "manager")
    created = client.post(
        "/api/partners",
        {
            "code": "API-1",
            "name_en": "Api Bikes",
            "channel_model": "agent",
            "home_region": "DE",
            "parent": "P-DE",
            "credit_limit": "1000.50",
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["parent"], body["level"], body["status"]) == ("P-DE", 2, "prospect")
    assert Decimal(body["credit_limit"]) == Decimal("1000.50")
    partner = Partner.objects.get(code="API-1")
    assert partner.history.first().history_user == world.users["manager"]
    moved = client.patch(
        f"/api/partners/{partner.pk}", {"status": "screening"}, content_type="application/json"
    )
    assert moved.json()["status"] == "screening"
    refused = client.patch(
        f"/api/partners/{partner.pk}", {"status": "terminated"}, content_type="application/json"
    )
    assert refused.status_code == 200  # screening → terminated is allowed
    back = client.patch(
        f"/api/partners/{partner.pk}", {"status": "active"}, content_type="application/json"
    )
    assert back.status_code == 422 and "status" in back.json()["detail"]


def test_create_refuses_bad_references_and_roles(world: World) -> None:
    client = _client(world)
    response = client.post(
        "/api/partners",
        {"code": "API-2", "name_en": "X", "channel_model": "nope", "home_region": "DE"},
        content_type="application/json",
    )
    assert response.status_code == 422 and "channel_model" in response.json()["detail"]
    # a manager cannot hang a partner below one outside their scope
    response = _client(world, "manager").post(
        "/api/partners",
        {
            "code": "API-3",
            "name_en": "X",
            "channel_model": "agent",
            "home_region": "DE",
            "parent": "P-US",
        },
        content_type="application/json",
    )
    assert response.status_code == 422 and "parent" in response.json()["detail"]
    response = _client(world, "finance").post(
        "/api/partners",
        {"code": "API-4", "name_en": "X", "channel_model": "agent", "home_region": "DE"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not Partner.objects.filter(code__in=["API-2", "API-3", "API-4"]).exists()


def test_filters_match_the_list_page(world: World) -> None:
    client = _client(world)
    # by code, as the API names things (it never shows an id of a region)
    by_region = client.get("/api/partners", {"region": "EU"}).json()
    assert {p["code"] for p in by_region["items"]} == {"P-DE", "P-DE-SUB"}
    model = world.p_de.channel_model.code
    by_model = client.get("/api/partners", {"channel_model": model}).json()
    assert "P-DE" in {p["code"] for p in by_model["items"]}
    unknown = client.get("/api/partners", {"channel_model": "nope"})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "channel_model"
    by_search = client.get("/api/partners", {"q": "柏林"}).json()
    assert [p["code"] for p in by_search["items"]] == ["P-DE"]
    assert by_search["count"] == 1


def test_prices_and_targets(world: World) -> None:
    client = _client(world)
    response = client.post(
        "/api/catalog/prices",
        {
            "product": "BIKE-1",
            "list_price": "10",
            "partner_price": "8",
            "floor_price": "7",
            "valid_from": "2020-06-01",
        },
        content_type="application/json",
    )
    assert response.status_code == 422 and "valid_from" in response.json()["detail"]
    target = client.post(
        "/api/partners/targets",
        {"partner": "P-US", "period": "2022Q3", "amount": "5000"},
        content_type="application/json",
    )
    assert target.status_code == 201 and target.json()["period"] == "2022Q3"


def test_patching_null_clears_or_is_refused_never_a_server_error(world: World) -> None:
    """``null`` on a field that may be empty clears it; on one that must hold a value it is
    a 422 naming the field (it was a 500: NOT NULL)."""
    client = _client(world, "director")
    targets = [
        (f"/api/partners/{world.p_de.pk}", {"name_zh": None, "notes": None}, {"name_en": None}),
        (f"/api/regions/{world.de.pk}", {"name_zh": None}, {"name_en": None}),
        (f"/api/catalog/products/{world.product.pk}", {"name_zh": None}, {"name_en": None}),
    ]
    for url, clearable, required in targets:
        cleared = client.patch(url, clearable, content_type="application/json")
        assert cleared.status_code == 200, (url, cleared.content)
        assert all(cleared.json().get(k, "") in ("", None) for k in clearable), url
        refused = client.patch(url, required, content_type="application/json")
        assert refused.status_code == 422, (url, refused.content)
        assert [e["field"] for e in refused.json()["errors"]] == list(required), url
    world.p_de.refresh_from_db()
    assert world.p_de.name_en == "Berlin Bikes" and world.p_de.name_zh == ""


def test_text_no_database_can_store_is_a_422_naming_the_field(world: World) -> None:
    """A NUL character (PostgreSQL refuses it: it was a 500 there) or an unpaired surrogate
    in any text is refused by the services, on every database alike; nothing is written."""
    client = _client(world, "director")
    before = Product.objects.count()
    for code, name in (("NUL\x00", "fine"), ("FINE", "half \udafb pair")):
        body = json.dumps({"code": code, "name_en": name, "is_active": True})  # \u escapes
        refused = client.post("/api/catalog/products", body, content_type="application/json")
        assert refused.status_code == 422, refused.content
        assert [e["field"] for e in refused.json()["errors"]] == (
            ["code"] if code != "FINE" else ["name_en"]
        )
    patched = client.patch(
        f"/api/partners/{world.p_de.pk}",
        json.dumps({"notes": "a\x00b"}),
        content_type="application/json",
    )
    assert patched.status_code == 422 and [e["field"] for e in patched.json()["errors"]] == [
        "notes"
    ]
    assert Product.objects.count() == before
    world.p_de.refresh_from_db()
    assert "\x00" not in world.p_de.notes


def test_a_manager_writes_only_inside_its_regions(world: World) -> None:
    """The result of a write must be inside the actor's scope too: the Europe manager can
    neither create a partner in the US nor move one of its own there. Refused writes
    change nothing."""
    client = _client(world, "manager")
    before = Partner.objects.count()
    created = client.post(
        "/api/partners",
        {"code": "US-NEW", "name_en": "Far away", "channel_model": "agent", "home_region": "US"},
        content_type="application/json",
    )
    assert created.status_code == 403, created.content
    assert "outside the partners you may change" in created.json()["detail"]
    assert Partner.objects.count() == before
    moved = client.patch(
        f"/api/partners/{world.p_de.pk}", {"home_region": "US"}, content_type="application/json"
    )
    assert moved.status_code == 403
    world.p_de.refresh_from_db()
    assert world.p_de.home_region == world.berlin
    assert world.p_de.history.count() == 1  # nothing recorded either
    # inside its regions it may
    ok = client.patch(
        f"/api/partners/{world.p_de.pk}", {"home_region": "DE"}, content_type="application/json"
    )
    assert ok.status_code == 200


def test_the_partner_form_offers_a_manager_its_own_regions_only(world: World) -> None:
    from django.urls import reverse

    client = Client()
    client.force_login(world.users["manager"])
    page = client.get(reverse("partners:partner_add")).content.decode()
    assert ">Germany<" in page or "Germany" in page
    assert "United States" not in page
    response = client.post(
        reverse("partners:partner_add"),
        {"code": "X-1", "name_en": "X", "channel_model": "1", "home_region": world.us.pk},
    )
    assert response.status_code == 200 and not Partner.objects.filter(code="X-1").exists()


def test_an_unknown_code_is_named_in_the_requests_language(world: World) -> None:
    """Not "No 区域 with code …": the whole message in the language asked for."""
    body = {"code": "API-ZH", "name_en": "Api", "channel_model": "agent", "home_region": "NOPE"}
    client = _client(world)
    english = client.post("/api/partners", body, content_type="application/json")
    chinese = client.post(
        "/api/partners", body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert english.status_code == chinese.status_code == 422
    assert english.json()["errors"] == [
        {"field": "home_region", "message": "No region with code “NOPE”."}
    ]
    assert chinese.json()["errors"] == [
        {"field": "home_region", "message": "不存在编码为“NOPE”的区域。"}
    ]
    assert (
        chinese.json()["title"] == "提交的值被拒绝" and chinese.json()["code"] == "validation_error"
    )


def test_every_api_error_is_problem_details_with_a_stable_code(world: World) -> None:
    """400, 401, 403, 404 (a record and a path that does not exist), 405 and 422: each
    ``application/problem+json`` with ``type``, ``title``, ``status``, ``code``, ``detail``
    — never an HTML page or plain text under /api/."""
    director, sales = _client(world), _client(world, "sales")
    cases = {
        400: director.post("/api/partners", "{not json", content_type="application/json"),
        401: Client().get("/api/partners"),
        403: sales.post(
            "/api/partners",
            {"code": "S-1", "name_en": "S", "channel_model": "agent", "home_region": "DE"},
            content_type="application/json",
        ),
        404: director.get("/api/partners/999999"),
        405: director.delete("/api/partners"),
        422: director.post("/api/partners", {"code": "X"}, content_type="application/json"),
    }
    codes = {
        400: "bad_request",
        401: "not_authenticated",
        403: "permission_denied",
        404: "not_found",
        405: "method_not_allowed",
        422: "validation_error",
    }
    for status, response in cases.items():
        assert response.status_code == status, (status, response.content[:200])
        assert response["Content-Type"] == "application/problem+json", status
        body = response.json()
        assert body["status"] == status and body["code"] == codes[status], body
        assert body["type"] == "about:blank" and body["title"] and body["detail"], body
    assert {e["field"] for e in cases[422].json()["errors"]} >= {"name_en", "channel_model"}
    assert "GET" in cases[405]["Allow"]
    nowhere = director.get("/api/no-such-thing/")
    assert nowhere.status_code == 404 and nowhere.json()["code"] == "not_found"
    assert nowhere["Content-Type"] == "application/problem+json"
    # the titles in the request's language
    chinese = director.get("/api/partners/999999", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert chinese["title"] == "未找到" and chinese["code"] == "not_found"


def test_the_openapi_document_declares_problem_details(client: Client) -> None:
    document = client.get("/api/openapi.json").json()
    refused = document["paths"]["/api/partners"]["post"]["responses"]["422"]
    assert list(refused["content"]) == ["application/problem+json"]
    problem = document["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "code", "detail", "errors"} <= set(problem["properties"])


def test_unknown_query_parameters_are_refused_not_ignored(world: World) -> None:
    """A misspelt filter (``chanel_model``) would otherwise answer every partner."""
    client = _client(world)
    refused = client.get("/api/partners", {"chanel_model": "agent", "q": "P"})
    assert refused.status_code == 422 and refused["Content-Type"] == "application/problem+json"
    assert [e["field"] for e in refused.json()["errors"]] == ["chanel_model"]
    assert client.get("/api/partners", {"q": "P", "page": 1}).status_code == 200
    assert client.get(f"/api/partners/{world.p_de.pk}", {"x": 1}).status_code == 422


def test_pages_link_to_the_next_and_previous(world: World) -> None:
    client = _client(world)
    first = client.get("/api/partners", {"page_size": 1, "q": "P"}).json()
    assert first["count"] == 3 and first["previous"] is None
    assert first["next"].endswith("/api/partners?page_size=1&q=P&page=2")
    second = client.get(first["next"]).json()
    assert second["previous"].endswith("page=1") and second["next"].endswith("page=3")
    last = client.get(second["next"]).json()
    assert last["next"] is None and len(last["items"]) == 1
    codes = [p["items"][0]["code"] for p in (first, second, last)]
    assert sorted(codes) == ["P-DE", "P-DE-SUB", "P-US"]


def test_a_read_only_token_reads_and_changes_nothing(world: World) -> None:
    _token, key = api_token_create(user=world.users["director"], name="bi", read_only=True)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get("/api/partners").status_code == 200
    refused = client.post(
        "/api/partners",
        {"code": "RO-1", "name_en": "Ro", "channel_model": "agent", "home_region": "DE"},
        content_type="application/json",
    )
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    assert "read-only" in refused.json()["detail"]
    assert not Partner.objects.filter(code="RO-1").exists()


def test_expired_and_revoked_tokens_are_refused(world: World) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from qudao.core.models import ApiToken
    from qudao.core.services import api_token_revoke

    expired, old_key = api_token_create(user=world.users["director"], name="old", days=1)
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(hours=1))
    assert Client(HTTP_AUTHORIZATION=f"Bearer {old_key}").get("/api/partners").status_code == 401
    token, key = api_token_create(user=world.users["director"], name="gone")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get("/api/partners").status_code == 200
    with pytest.raises(PermissionDenied):  # someone else's: only its owner revokes it
        api_token_revoke(token=token, actor=world.users["manager"])
    api_token_revoke(token=token, actor=world.users["director"])
    assert client.get("/api/partners").status_code == 401


def test_people_make_see_and_revoke_their_own_tokens(world: World) -> None:
    from qudao.core.models import ApiToken

    page = Client()
    page.force_login(world.users["partner_admin"])
    made = page.post("/account/tokens/", {"name": "ERP sync", "read_only": "on", "days": "30"})
    text = made.content.decode()
    token = ApiToken.objects.get(user=world.users["partner_admin"])
    key = text.split('<code class="token-key">')[1].split("</code>")[0]
    assert key.startswith("qd_") and ApiToken.hash_key(key) == token.key_hash  # shown once
    assert token.read_only and token.expires_at is not None
    assert key not in page.get("/account/tokens/").content.decode()  # never again
    # the partner's own data through it, nobody else's
    codes = {
        p["code"]
        for p in Client(HTTP_AUTHORIZATION=f"Bearer {key}").get("/api/partners").json()["items"]
    }
    assert codes == {"P-DE", "P-DE-SUB"}
    other = Client()
    other.force_login(world.users["director"])
    assert other.post(f"/account/tokens/{token.pk}/revoke/").status_code == 404
    page.post(f"/account/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert Client(HTTP_AUTHORIZATION=f"Bearer {key}").get("/api/partners").status_code == 401


@pytest.mark.django_db
def test_a_code_holding_a_nul_is_unknown_not_a_server_error(world: World) -> None:
    """PostgreSQL refuses a NUL in a query: a filter or a reference by such a code is an
    unknown code (422), on every database."""
    _token, key = api_token_create(user=world.users["director"], name="t")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    listed = client.get("/api/applicants?channel_model=%00Q&stage=pilot")
    assert listed.status_code == 422 and "channel_model" in listed.text
    made = client.post(
        "/api/activities",
        {
            "partner": "P-DE\u0000",
            "kind": "call",
            "subject": "x",
            "starts_at": "2026-01-01T00:00:00Z",
        },
        content_type="application/json",
    )
    assert made.status_code == 422 and "partner" in made.text
    staff = client.post(
        "/api/activities",
        {
            "partner": "P-DE",
            "kind": "call",
            "subject": "x",
            "starts_at": "2026-01-01T00:00:00Z",
            "staff": ["manager\u0000"],
        },
        content_type="application/json",
    )
    assert staff.status_code == 422 and "staff" in staff.text
