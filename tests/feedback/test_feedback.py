"""Product feedback from submission to answer: who submits (partners' staff for their own
tree, the channel team, sales), the channel team routes it to the product team or
declines it, the product team — which sees feedback and nothing else — answers; the
submitter sees status and answer; trends by month, product and type."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from qudao.catalog.models import Product
from qudao.feedback.models import Feedback
from qudao.feedback.selectors import feedback_list, feedback_trends
from qudao.feedback.services import (
    feedback_answer,
    feedback_decline,
    feedback_route,
    feedback_submit,
)
from qudao.notifications.models import Event, Notification
from qudao.partners.models import Partner
from qudao.territories.models import Region
from tests.conftest import World
from tests.factories import ProductFactory, make_user


@pytest.fixture
def product_owner(world: World) -> Any:
    return make_user("pm", "product")


def _submit(world: World, actor: Any = None, **data: Any) -> Feedback:
    values: dict[str, Any] = {
        "product": world.product,
        "kind": "defect",
        "severity": "high",
        "title": "Chain snaps",
        "text": "Two chains snapped within a week.",
    }
    values.update(data)
    return feedback_submit(actor=actor or world.users["partner_user"], **values)


def test_partner_staff_submit_for_their_own_partner_only(world: World) -> None:
    mine = _submit(world)
    assert (mine.partner, mine.status, mine.submitted_by) == (
        world.p_de,
        "new",
        world.users["partner_user"],
    )
    before = Feedback.objects.count()
    with pytest.raises(PermissionDenied):
        _submit(world, partner=world.p_us)
    with pytest.raises(PermissionDenied):  # finance reads
        _submit(world, actor=world.users["finance"], partner=world.p_de)
    assert Feedback.objects.count() == before


def test_the_channel_team_submits_its_own_and_managers_see_it(world: World) -> None:
    own = _submit(world, actor=world.users["manager"], partner=None)
    assert feedback_list(user=world.users["manager"]).filter(pk=own.pk).exists()
    assert not feedback_list(user=world.users["partner_admin"]).filter(pk=own.pk).exists()


def test_a_product_or_category_is_named(world: World) -> None:
    with pytest.raises(ValidationError):
        _submit(world, product=None, category=None)


def test_routed_to_the_product_team_answered_and_the_submitter_sees_it(
    world: World, product_owner: Any
) -> None:
    feedback = _submit(world, attachments=[SimpleUploadedFile("chain.jpg", b"\xff\xd8jpeg")])
    assert feedback.files.get().name == "chain.jpg"
    with pytest.raises(PermissionDenied):  # partners do not triage
        feedback_route(feedback=feedback, owner=product_owner, actor=world.users["partner_admin"])
    with pytest.raises(ValidationError):  # routed to someone in the product team
        feedback_route(feedback=feedback, owner=world.users["sales"], actor=world.users["manager"])
    feedback_route(
        feedback=feedback,
        owner=product_owner,
        severity="critical",
        note="Batch 2026-10",
        actor=world.users["manager"],
    )
    assert (feedback.status, feedback.severity) == ("routed", "critical")
    assert Notification.objects.get(recipient=product_owner).event == Event.FEEDBACK_ROUTED
    with pytest.raises(PermissionDenied):  # the channel team does not answer for them
        feedback_answer(feedback=feedback, answer="ok", actor=world.users["manager"])
    feedback_answer(feedback=feedback, answer="A new supplier from November.", actor=product_owner)
    assert feedback.status == "answered"
    told = Notification.objects.get(recipient=world.users["partner_user"])
    assert told.event == Event.FEEDBACK_ANSWERED
    page = Client()
    page.force_login(world.users["partner_user"])
    text = page.get(feedback.get_absolute_url()).content.decode()
    assert (
        "A new supplier from November." in text and "Batch 2026-10" not in text
    )  # triage is internal


def test_declined_with_a_reason(world: World) -> None:
    feedback = _submit(world)
    with pytest.raises(ValidationError):
        feedback_decline(feedback=feedback, note=" ", actor=world.users["manager"])
    feedback_decline(feedback=feedback, note="A support question", actor=world.users["manager"])
    assert (feedback.status, feedback.answer) == ("declined", "A support question")


def test_the_product_team_sees_feedback_and_nothing_else(world: World, product_owner: Any) -> None:
    feedback = _submit(world)
    assert list(feedback_list(user=product_owner)) == [feedback]
    assert not Partner.objects.restrict(product_owner).exists()  # type: ignore[attr-defined]
    assert not Region.objects.restrict(product_owner).exists()  # type: ignore[attr-defined]
    client = Client()
    client.force_login(product_owner)
    assert client.get(reverse("partners:partner_list")).status_code in (200, 404)
    assert client.get(reverse("partners:partner_detail", args=[world.p_de.pk])).status_code == 404
    menu = client.get(reverse("feedback:feedback_list")).content.decode()
    assert (
        reverse("feedback:feedback_list") in menu and reverse("partners:partner_list") not in menu
    )


def test_trends_by_month_product_and_type(world: World) -> None:
    saddle = ProductFactory(code="SADDLE-1", name_en="Saddle")
    for kind, product in (("defect", world.product), ("defect", world.product), ("price", saddle)):
        _submit(world, kind=kind, product=product)
    earlier = _submit(world, kind="request", product=saddle)
    Feedback.objects.filter(pk=earlier.pk).update(created_at=timezone.now() - timedelta(days=62))
    trend = feedback_trends(Feedback.objects.all())
    assert len(trend.months) == 2
    month = timezone.now().strftime("%Y-%m")
    assert trend.per_month[(month, "defect")] == 2 and trend.per_month[(month, "price")] == 1
    kinds = [k for k, _label in trend.kinds]
    rows = {r["subject"]: dict(zip(kinds, r["counts"], strict=True)) for r in trend.by_subject}
    assert rows["BIKE-1"]["defect"] == 2 and rows["SADDLE-1"] == {
        "defect": 0,
        "request": 1,
        "price": 1,
        "packaging": 0,
    }
    client = Client()
    client.force_login(world.users["director"])
    page = client.get(reverse("feedback:trends"))
    assert page.status_code == 200 and "<svg" in page.content.decode()
    export = client.get(reverse("feedback:trends"), {"export": "xlsx"})
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_a_partner_submits_on_the_page_with_a_photo(world: World) -> None:
    client = Client()
    client.force_login(world.users["partner_admin"])
    response = client.post(
        reverse("feedback:feedback_add"),
        {
            "partner": world.p_de.pk,
            "product": world.product.pk,
            "kind": "packaging",
            "severity": "low",
            "title": "Box too thin",
            "text": "Corners crushed on arrival.",
            "attachments": [SimpleUploadedFile("box.png", b"\\x89PNG")],
        },
    )
    feedback = Feedback.objects.get(title="Box too thin")
    assert response.status_code == 302 and feedback.files.count() == 1
    assert Product.objects.filter(pk=feedback.product_id).exists()


def test_an_answer_holding_a_nul_is_refused_not_a_database_error(
    world: World, product_owner: Any
) -> None:
    feedback = _submit(world)
    feedback_route(feedback=feedback, owner=product_owner, actor=world.users["manager"])
    with pytest.raises(ValidationError):
        feedback_answer(feedback=feedback, answer="ok\x00", actor=product_owner)
    feedback.refresh_from_db()
    assert (feedback.status, feedback.answer) == ("routed", "")
