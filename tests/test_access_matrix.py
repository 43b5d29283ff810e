"""Every page and API route × every role: what is visible answers 200, what is not answers 404,
anonymous visitors are sent to the login page (pages) or get 401 (API)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from qudao.analytics.models import ReviewRun
from qudao.core.services import api_token_create
from tests.conftest import World

ROLES = ["director", "manager", "finance", "sales", "partner_admin", "partner_user", "no_role"]

# Which of the world's partners each role may see, and which it may edit.
SEES = {
    "director": {"P-DE", "P-DE-SUB", "P-US"},
    "manager": {"P-DE", "P-DE-SUB"},
    "finance": {"P-DE", "P-DE-SUB", "P-US"},
    "sales": {"P-DE", "P-DE-SUB", "P-US"},
    "partner_admin": {"P-DE", "P-DE-SUB"},
    "partner_user": {"P-DE", "P-DE-SUB"},
    "no_role": set(),
}
EDITS = {"director": {"P-DE", "P-DE-SUB", "P-US"}, "manager": {"P-DE", "P-DE-SUB"}}
SEES_REFERENCE = {r for r in ROLES if r != "no_role"}  # regions and products
ALL_PARTNERS = ("P-DE", "P-DE-SUB", "P-US")


def _partner(world: World, code: str):
    return {"P-DE": world.p_de, "P-DE-SUB": world.p_de_sub, "P-US": world.p_us}[code]


def _client(world: World, role: str) -> Client:
    client = Client()
    client.force_login(world.users[role])
    return client


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("code", ALL_PARTNERS)
def test_partner_detail_and_tabs(world: World, role: str, code: str) -> None:
    # Given a user of this role, when they open each tab of a partner's page
    client = _client(world, role)
    partner = _partner(world, code)
    for tab in ("profile", "hierarchy", "territories", "contacts", "targets", "history"):
        response = client.get(reverse("partners:partner_detail", args=[partner.pk]), {"tab": tab})
        # then they see it only when it is in their scope, else 404
        assert response.status_code == (200 if code in SEES[role] else 404), (role, code, tab)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("code", ALL_PARTNERS)
def test_partner_edit_and_status(world: World, role: str, code: str) -> None:
    client = _client(world, role)
    partner = _partner(world, code)
    expected = 200 if code in EDITS.get(role, set()) else 404
    assert client.get(reverse("partners:partner_edit", args=[partner.pk])).status_code == expected
    response = client.post(
        reverse("partners:partner_status", args=[partner.pk]), {"status": "probation"}
    )
    assert response.status_code == (302 if expected == 200 else 404)
    partner.refresh_from_db()
    assert (partner.status == "probation") == (expected == 200)


@pytest.mark.parametrize("role", ROLES)
def test_partner_list_and_export_show_only_scope(world: World, role: str) -> None:
    client = _client(world, role)
    page = client.get(reverse("partners:partner_list")).content.decode()
    csv = client.get(reverse("partners:partner_list"), {"export": "csv"}).content.decode(
        "utf-8-sig"
    )
    for code in ALL_PARTNERS:
        visible = code in SEES[role]
        assert (f">{code}<" in page) == visible, (role, code)
        assert (f"\n{code}," in csv) == visible, (role, code)


@pytest.mark.parametrize("role", ROLES)
def test_target_pages(world: World, role: str) -> None:
    client = _client(world, role)
    listing = client.get(reverse("partners:target_list")).content.decode()
    assert ("P-DE<" in listing) == ("P-DE" in SEES[role])
    assert ("P-US<" in listing) == ("P-US" in SEES[role])
    for target, code in ((world.target_de, "P-DE"), (world.target_us, "P-US")):
        response = client.get(reverse("partners:target_edit", args=[target.pk]))
        assert response.status_code == (200 if code in EDITS.get(role, set()) else 404)


@pytest.mark.parametrize("role", ROLES)
def test_reference_pages(world: World, role: str) -> None:
    client = _client(world, role)
    expected = 200 if role in SEES_REFERENCE else 404
    assert (
        client.get(reverse("territories:region_detail", args=[world.de.pk])).status_code == expected
    )
    assert (
        client.get(reverse("catalog:product_detail", args=[world.product.pk])).status_code
        == expected
    )
    # price list entries apply to every scope here (no channel model, grade or region)
    assert (
        client.get(reverse("catalog:price_detail", args=[world.price.pk])).status_code == expected
    )
    for name in (
        "territories:region_list",
        "catalog:product_list",
        "catalog:price_list",
        "partners:partner_list",
        "partners:target_list",
        "home",
    ):
        assert client.get(reverse(name)).status_code == 200
    editable = 200 if role == "director" else 404
    assert (
        client.get(reverse("catalog:product_edit", args=[world.product.pk])).status_code == editable
    )
    assert (
        client.get(reverse("territories:region_edit", args=[world.de.pk])).status_code == editable
    )


@pytest.mark.parametrize("role", ["finance", "sales", "partner_admin", "partner_user", "no_role"])
def test_add_pages_forbidden_without_edit_role(world: World, role: str) -> None:
    client = _client(world, role)
    for name in ("partners:partner_add", "catalog:product_add", "catalog:price_add"):
        assert client.get(reverse(name)).status_code == 403


def test_anonymous_is_sent_to_login(world: World) -> None:
    client = Client()
    urls = [
        reverse("home"),
        reverse("partners:partner_list"),
        reverse("partners:partner_detail", args=[world.p_de.pk]),
        reverse("partners:partner_edit", args=[world.p_de.pk]),
        reverse("partners:target_list"),
        reverse("territories:region_list"),
        reverse("territories:region_detail", args=[world.de.pk]),
        reverse("catalog:product_list"),
        reverse("catalog:price_list"),
        reverse("catalog:product_detail", args=[world.product.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url


# --- API -------------------------------------------------------------------------------------


def _api(world: World, role: str) -> Client:
    _token, key = api_token_create(user=world.users[role], name="test")
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


@pytest.mark.parametrize("role", ROLES)
def test_api_partners(world: World, role: str) -> None:
    client = _api(world, role)
    listed = {p["code"] for p in client.get("/api/partners").json()["items"]}
    assert listed == SEES[role]
    for code in ALL_PARTNERS:
        response = client.get(f"/api/partners/{_partner(world, code).pk}")
        assert response.status_code == (200 if code in SEES[role] else 404), (role, code)
        patch = client.patch(
            f"/api/partners/{_partner(world, code).pk}",
            {"name_zh": "新名字"},
            content_type="application/json",
        )
        assert patch.status_code == (200 if code in EDITS.get(role, set()) else 404), (role, code)


@pytest.mark.parametrize("role", ROLES)
def test_api_targets_and_reference(world: World, role: str) -> None:
    client = _api(world, role)
    partners = {t["partner"] for t in client.get("/api/partners/targets").json()["items"]}
    assert partners == SEES[role] - {"P-DE-SUB"}
    for target, code in ((world.target_de, "P-DE"), (world.target_us, "P-US")):
        status = client.get(f"/api/partners/targets/{target.pk}").status_code
        assert status == (200 if code in SEES[role] else 404)
    expected = 200 if role in SEES_REFERENCE else 404
    assert client.get(f"/api/regions/{world.de.pk}").status_code == expected
    assert client.get(f"/api/catalog/products/{world.product.pk}").status_code == expected
    assert client.get(f"/api/catalog/prices/{world.price.pk}").status_code == expected


def test_api_anonymous_and_bad_token(world: World) -> None:
    for path in (
        "/api/partners",
        f"/api/partners/{world.p_de.pk}",
        "/api/regions",
        "/api/catalog/products",
        "/api/catalog/prices",
        "/api/partners/targets",
        "/api/review/scorecards",
        "/api/review/runs",
        "/api/review/kpis",
    ):
        assert Client().get(path).status_code == 401
        assert Client(HTTP_AUTHORIZATION="Bearer nope").get(path).status_code == 401


@pytest.mark.parametrize(
    "query",
    [
        {"page": "99999999999999999999999"},
        {"page": "-3"},
        {"sort": "no_such_column"},
        {"channel_model": "99999999999999999999999"},
        {"region": "-1"},
        {"level": "abc"},
        {"level": "1e400"},
        {"q": "\x00%_'\""},
        {"export": "pdf"},
    ],
)
def test_hostile_query_strings_never_fail(world: World, query: dict[str, str]) -> None:
    client = _client(world, "director")
    for name in (
        "partners:partner_list",
        "territories:region_list",
        "catalog:product_list",
        "catalog:price_list",
        "partners:target_list",
    ):
        assert client.get(reverse(name), query).status_code in (200, 404), (name, query)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("code", ALL_PARTNERS)
def test_contacts_and_territories_of_a_partner(world: World, role: str, code: str) -> None:
    # Given a partner with a contact and a territory
    from qudao.partners.services import contact_create, partner_territory_create

    partner = _partner(world, code)
    contact = contact_create(partner=partner, name="Wang Li")
    territory = partner_territory_create(
        partner=partner,
        region=world.berlin if code != "P-US" else world.us,
        valid_from="2020-01-01",
    )
    client = _client(world, role)
    editable = code in EDITS.get(role, set())
    # a partner's admin keeps its own company's contacts (and its sub-partners'), not its
    # territories
    keeps_contacts = editable or (role == "partner_admin" and code in SEES[role])
    expected = 200 if editable else 404
    contacts = 200 if keeps_contacts else 404
    # then only those who may change the partner may add or edit them
    assert client.get(reverse("partners:contact_add", args=[partner.pk])).status_code == contacts
    assert client.get(reverse("partners:contact_edit", args=[contact.pk])).status_code == contacts
    assert client.get(reverse("partners:territory_add", args=[partner.pk])).status_code == expected
    assert (
        client.get(reverse("partners:territory_edit", args=[territory.pk])).status_code == expected
    )
    response = client.post(
        reverse("partners:contact_add", args=[partner.pk]),
        {"name": "Zhao Min", "title": "", "phone": "", "email": "", "wechat": ""},
    )
    assert response.status_code == (302 if keeps_contacts else 404)
    assert partner.contacts.filter(name="Zhao Min").exists() == keeps_contacts
    # and the contacts tab shows them to whoever may see the partner
    page = client.get(reverse("partners:partner_detail", args=[partner.pk]), {"tab": "contacts"})
    assert ("Wang Li" in page.content.decode()) == (code in SEES[role])


RUNS_REVIEWS = {"director", "manager"}
SEES_RUNS = {"director", "manager", "finance", "sales"}


@pytest.mark.parametrize("role", ROLES)
def test_review_pages(world: World, role: str) -> None:
    from qudao.analytics.services import review_run

    run = review_run(period="2020Q1")
    client = _client(world, role)
    # scorecards: each role sees the partners in its scope, on the page and in the export
    page = client.get(reverse("analytics:scorecard_list"), {"period": "2020Q1"})
    csv = client.get(reverse("analytics:scorecard_list"), {"period": "2020Q1", "export": "csv"})
    for code in ALL_PARTNERS:
        visible = code in SEES[role]
        assert (f">{code}<" in page.content.decode()) == visible, (role, code)
        assert (f"\n{code}," in csv.content.decode("utf-8-sig")) == visible, (role, code)
    # runs: internal roles only; starting one: reviewers only
    expected = 200 if role in SEES_RUNS else 404
    assert client.get(reverse("analytics:run_detail", args=[run.pk])).status_code == expected
    assert client.get(reverse("analytics:run_list")).status_code == 200
    started = client.post(reverse("analytics:review_start"), {"period": "2020Q2"})
    assert started.status_code == (302 if role in RUNS_REVIEWS else 403), role
    assert client.get(reverse("analytics:kpi_list")).status_code == 200
    # grade proposals: everyone sees those of their scope; only the director decides
    assert client.get(reverse("analytics:proposal_list")).status_code == 200
    # the grading model is the brand's: partners get 404
    internal = 404 if role.startswith("partner") else 200
    assert client.get(reverse("analytics:grading")).status_code == internal
    decides = role == "director"
    response = client.post(reverse("analytics:proposal_decide_all"))
    assert response.status_code == (200 if decides else 403), role  # 200: the confirmation
    response = client.post(
        reverse("analytics:proposal_decide_all"), {"confirmed": "yes", "decision": "approve"}
    )
    assert response.status_code == (302 if decides else 403), role
    response = client.post(reverse("analytics:grading"), {"hysteresis_periods": "1"})
    # 200: the form's errors; partners do not see the grading model at all
    assert response.status_code == (200 if decides else internal if internal == 404 else 403), role


def test_review_pages_send_anonymous_to_login(world: World) -> None:
    client = Client()
    names = (
        "governance:flag_list",
        "governance:plan_list",
        "governance:rule_list",
        "analytics:run_list",
        "analytics:scorecard_list",
        "analytics:kpi_list",
        "analytics:proposal_list",
        "analytics:grading",
    )
    for name in names:
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/login/" in response["Location"], name


@pytest.mark.parametrize("role", ROLES)
def test_risk_pages(world: World, role: str) -> None:
    from datetime import date

    from qudao.governance.models import RiskFlag
    from qudao.governance.services import plan_create

    for partner in (world.p_de, world.p_us):
        RiskFlag.objects.create(partner=partner, period="2020Q1", rule="high_churn")
    plan = plan_create(
        partner=world.p_us,
        owner=world.users["director"],
        actions="x",
        due_date=date(2020, 6, 30),
        follow_up_date=date(2020, 5, 1),
    )
    client = _client(world, role)
    page = client.get(reverse("governance:flag_list")).content.decode()
    for code in ("P-DE", "P-US"):
        # risk flags are the brand's internal view: partners see none, not even their own
        shown = code in SEES[role] and not role.startswith("partner")
        assert (f">{code}<" in page) == shown, (role, code)
    visible = "P-US" in SEES[role]
    assert client.get(plan.get_absolute_url()).status_code == (200 if visible else 404)
    may_plan = role in ("director", "manager")
    response = client.get(reverse("governance:plan_add"), {"partner": world.p_de.pk})
    expected = 200 if may_plan else (403 if "P-DE" in SEES[role] else 404)
    assert response.status_code == expected, role
    # rule thresholds are the brand's: partners get 404
    assert client.get(reverse("governance:rule_list")).status_code == (
        404 if role.startswith("partner") else 200
    )


@pytest.mark.parametrize("role", ROLES)
def test_api_review(world: World, role: str) -> None:
    from django.test import TestCase

    from qudao.analytics.services import review_run

    run = review_run(period="2020Q1")
    client = _api(world, role)
    cards = client.get("/api/review/scorecards", {"period": "2020Q1"}).json()["items"]
    assert {c["partner"] for c in cards} == SEES[role], role
    assert client.get(f"/api/review/runs/{run.pk}").status_code == (
        200 if role in SEES_RUNS else 404
    )
    with TestCase.captureOnCommitCallbacks(execute=False):
        started = client.post(
            "/api/review/runs", {"period": "2020Q2"}, content_type="application/json"
        )
    assert started.status_code == (202 if role in RUNS_REVIEWS else 403), role
    runs_before = ReviewRun.objects.count()
    with TestCase.captureOnCommitCallbacks(execute=False):
        again = client.post(f"/api/review/runs/{run.pk}/rerun")
    expected = 202 if role in RUNS_REVIEWS else 403 if role in SEES_RUNS else 404
    assert again.status_code == expected, role
    assert ReviewRun.objects.count() == runs_before + (expected == 202)
    web = _client(world, role).post(reverse("analytics:run_rerun", args=[run.pk]))
    assert web.status_code == (302 if role in RUNS_REVIEWS else 403 if role in SEES_RUNS else 404)
    kpis = client.get("/api/review/kpis").json()
    assert kpis["version"] and {k["id"] for k in kpis["kpis"]} >= {"revenue", "churn_rate"}
