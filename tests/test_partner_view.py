"""What a partner's own staff see of the brand: their data, never its internals — the
product's cost, risk flags and grade proposals (even about themselves), the grading model,
rule thresholds, links to review runs (docs/access.md)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from qudao.analytics.models import GradeProposal, GradingModel
from qudao.analytics.services import review_run
from qudao.core.services import api_token_create
from qudao.governance.models import RiskFlag
from tests.analytics.test_review import channel  # noqa: F401 - the fixture
from tests.conftest import World


@pytest.mark.parametrize("role", ["partner_admin", "partner_user", "director"])
def test_partners_never_see_the_brands_internals(channel: World, role: str) -> None:  # noqa: F811
    GradingModel.objects.update(hysteresis_periods=1)
    review_run(period="2020Q1")
    RiskFlag.objects.create(partner=channel.p_de, period="2020Q1", rule="high_churn")
    assert GradeProposal.objects.filter(partner=channel.p_de).exists()
    internal = role == "director"
    client = Client()
    client.force_login(channel.users[role])
    api = Client(
        HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=channel.users[role], name='t')[1]}"
    )

    cost = api.get(f"/api/catalog/products/{channel.product.pk}").json()["standard_cost"]
    assert (cost is not None) == internal
    products = client.get(reverse("catalog:product_list")).content.decode()
    assert ("Standard cost" in products) == internal
    detail = client.get(reverse("catalog:product_detail", args=[channel.product.pk]))
    assert ("Standard cost" in detail.content.decode()) == internal

    flags = client.get(reverse("governance:flag_list")).content.decode()
    assert (">P-DE<" in flags) == internal
    proposals = client.get(reverse("analytics:proposal_list")).content.decode()
    assert (">P-DE<" in proposals) == internal
    own = client.get(reverse("analytics:partner_scorecard", args=[channel.p_de.pk]))
    assert own.status_code == 200
    assert (own.context["flags"] != []) == internal
    assert (own.context["proposals"] != []) == internal

    expected = 200 if internal else 404
    assert client.get(reverse("analytics:grading")).status_code == expected
    assert client.get(reverse("governance:rule_list")).status_code == expected
    cards = client.get(reverse("analytics:scorecard_list"), {"period": "2020Q1"}).content.decode()
    assert ("/review/" in cards and "review run" in cards) == internal


def test_a_sub_partners_staff_do_not_see_the_partner_above_them(world: World) -> None:
    from qudao.partners.models import Partner
    from tests.factories import make_user

    sub_user = make_user("sub_staff", "partner_admin", partner=world.p_de_sub)
    client = Client()
    client.force_login(sub_user)
    page = client.get(reverse("partners:partner_detail", args=[world.p_de_sub.pk])).content
    assert b"Berlin Bikes" not in page and b"P-DE<" not in page
    hierarchy = client.get(
        reverse("partners:partner_detail", args=[world.p_de_sub.pk]), {"tab": "hierarchy"}
    ).content
    assert b"Berlin Bikes" not in hierarchy
    api = Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=sub_user, name='t')[1]}")
    assert api.get(f"/api/partners/{world.p_de_sub.pk}").json()["parent"] is None
    # the parent's own staff still see the tree below them
    boss = Client()
    boss.force_login(world.users["partner_admin"])
    assert (
        b"Potsdam Rad"
        in boss.get(
            reverse("partners:partner_detail", args=[world.p_de.pk]), {"tab": "hierarchy"}
        ).content
    )
    assert Partner.objects.get(pk=world.p_de_sub.pk).parent_id == world.p_de.pk
