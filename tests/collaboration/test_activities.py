"""Activities with partners: attendees checked, follow-ups closed by their owners, the
visit-frequency rule (only visits and business reviews count), one's own calendar and its
iCalendar text, and what partners' staff see."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from qudao.collaboration.ical import calendar_text
from qudao.collaboration.models import Activity, FollowUp
from qudao.collaboration.selectors import calendar_month, own_activities, visits_overdue
from qudao.collaboration.services import (
    UNGRADED,
    activity_create,
    follow_up_add,
    follow_up_done,
    visit_frequencies_save,
)
from qudao.core.services import api_token_create
from qudao.partners.models import Grade, Partner
from qudao.partners.services import contact_create
from tests.conftest import World


def _at(days_ago: int, hour: int = 10) -> datetime:
    day = timezone.localdate() - timedelta(days=days_ago)
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _log(
    world: World, partner: Partner, days_ago: int, kind: str = "visit", **data: Any
) -> Activity:
    return activity_create(
        partner=partner,
        kind=kind,
        subject=f"{kind} {partner.code}",
        starts_at=_at(days_ago),
        **data,
    )


@pytest.fixture
def graded(world: World) -> World:
    grade_a, _ = Grade.objects.get_or_create(code="A", defaults={"name_en": "A", "rank": 1})
    grade_b, _ = Grade.objects.get_or_create(code="B", defaults={"name_en": "B", "rank": 2})
    Partner.objects.filter(pk__in=[world.p_de.pk, world.p_de_sub.pk, world.p_us.pk]).update(
        grade=grade_a
    )
    visit_frequencies_save(every_days={grade_a.pk: 30, grade_b.pk: 90})
    for partner in (world.p_de, world.p_de_sub, world.p_us):
        partner.refresh_from_db()
    return world


def test_the_overdue_list_counts_visits_and_reviews_only(graded: World) -> None:
    world = graded
    _log(world, world.p_de, 40)  # last seen 40 days ago: 10 days over a 30-day rule
    _log(world, world.p_de, 2, kind="call")  # a call is not a visit
    _log(world, world.p_de, -5)  # a planned visit has not happened yet
    _log(world, world.p_us, 10, kind="business_review")
    rows = visits_overdue(user=world.users["director"])
    assert [(r.partner.code, r.days_overdue) for r in rows] == [("P-DE", 10), ("P-DE-SUB", None)]
    assert rows[0].last_visit == timezone.localdate() - timedelta(days=40)
    # a manager of Europe sees Europe's partners only
    assert {r.partner.code for r in visits_overdue(user=world.users["manager"])} == {
        "P-DE",
        "P-DE-SUB",
    }


def test_attendees_are_the_partners_contacts_and_the_brands_staff(world: World) -> None:
    theirs = contact_create(partner=world.p_us, name="Joe")
    with pytest.raises(ValidationError, match="Not contacts of P-DE"):
        _log(world, world.p_de, 1, contacts=[theirs])
    with pytest.raises(ValidationError, match="Not the brand's staff"):
        _log(world, world.p_de, 1, staff=[world.users["partner_user"]])
    own = contact_create(partner=world.p_de_sub, name="Anna")
    assert list(_log(world, world.p_de, 1, contacts=[own]).contacts.all()) == [own]


@pytest.mark.parametrize("role", ["finance", "sales", "partner_admin", "partner_user"])
def test_roles_that_do_not_log_activities_are_refused(world: World, role: str) -> None:
    with pytest.raises(PermissionDenied):
        _log(world, world.p_de, 1, actor=world.users[role])
    assert not Activity.objects.exists()


def test_a_manager_logs_only_for_partners_in_their_regions(world: World) -> None:
    with pytest.raises(PermissionDenied):
        _log(world, world.p_us, 1, actor=world.users["manager"])
    assert not Activity.objects.exists()
    assert _log(world, world.p_de, 1, actor=world.users["manager"]).owner == world.users["manager"]


def test_a_follow_up_is_closed_by_its_owner_or_the_partners_managers(world: World) -> None:
    activity = _log(world, world.p_de, 1)
    task = follow_up_add(
        activity=activity,
        task="Send the price list",
        owner=world.users["sales"],
        due_on=date(2030, 1, 1),
    )
    with pytest.raises(PermissionDenied):
        follow_up_done(follow_up=task, actor=world.users["finance"])
    with pytest.raises(ValidationError):
        follow_up_add(
            activity=activity, task="x", owner=world.users["partner_admin"], due_on=date(2030, 1, 1)
        )
    follow_up_done(follow_up=task, actor=world.users["sales"])  # its owner, though read-only
    task.refresh_from_db()
    assert task.done_at is not None


def test_partners_staff_see_only_what_is_shared_and_never_the_follow_ups(world: World) -> None:
    shared = _log(world, world.p_de, 1, shared_with_partner=True)
    _log(world, world.p_de, 2)
    follow_up_add(
        activity=shared,
        task="Internal note",
        owner=world.users["director"],
        due_on=date(2030, 1, 1),
    )
    client = Client()
    client.force_login(world.users["partner_user"])
    listing = client.get(reverse("collaboration:activity_list"))
    assert listing.text.count("visit P-DE") == 1
    page = client.get(shared.get_absolute_url())
    assert page.status_code == 200 and "Internal note" not in page.text
    assert client.get(reverse("collaboration:follow_up_list")).status_code == 404
    assert FollowUp.objects.restrict(world.users["partner_user"]).count() == 0


def test_the_calendar_shows_ones_own_activities(world: World) -> None:
    me, colleague = world.users["director"], world.users["manager"]
    mine = _log(world, world.p_de, 0, owner=me)
    attended = _log(world, world.p_de, 0, owner=colleague, staff=[me])
    _log(world, world.p_de, 0, owner=colleague)  # not mine
    assert list(own_activities(user=me)) == [mine, attended]
    today = timezone.localdate()
    weeks = calendar_month(user=me, year=today.year, month=today.month)
    (day,) = [d for week in weeks for d in week if d.day == today]
    assert day.activities == [mine, attended] and all(len(w) == 7 for w in weeks)
    assert weeks[0][0].day.weekday() == 0  # weeks start on Monday


def test_the_icalendar_text_is_escaped_folded_and_in_utc(world: World) -> None:
    activity = _log(
        world,
        world.p_de,
        0,
        notes="第一行, with a comma; and a semicolon\\n" + "长" * 60,
        location="Berlin, Mitte",
    )
    text = calendar_text([activity], host="qudao.example", name="Qudao")
    lines = text.split("\r\n")
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "" and lines[-2] == "END:VCALENDAR"
    assert all(len(line.encode()) <= 75 for line in lines)
    assert f"UID:activity-{activity.pk}@qudao.example" in lines
    assert "LOCATION:Berlin\\, Mitte" in lines
    unfolded = text.replace("\r\n ", "")
    assert "DESCRIPTION:第一行\\, with a comma\\; and a semicolon\\\\n" + "长" * 60 in unfolded
    start = activity.starts_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    assert f"DTSTART:{start}" in unfolded


def test_log_a_visit_and_its_follow_up_through_the_pages(world: World) -> None:
    client = Client()
    client.force_login(world.users["manager"])
    form = client.get(reverse("collaboration:activity_add") + f"?partner={world.p_de.pk}")
    assert form.context["form"].initial["partner"] == world.p_de
    answer = client.post(
        reverse("collaboration:activity_add"),
        {
            "partner": world.p_de.pk,
            "kind": "visit",
            "subject": "Quarterly visit",
            "starts_at": "2026-11-30T10:00",
            "minutes": "90",
            "owner": world.users["manager"].pk,
        },
    )
    activity = Activity.objects.get()
    assert answer.status_code == 302 and answer["Location"] == activity.get_absolute_url()
    added = client.post(
        activity.get_absolute_url(),
        {
            "task": "Send the new price list",
            "owner": world.users["manager"].pk,
            "due_on": "2026-12-15",
        },
    )
    assert added.status_code == 302
    (task,) = activity.follow_ups.all()
    client.post(reverse("collaboration:follow_up_done", args=[task.pk]))
    task.refresh_from_db()
    assert task.done_at is not None
    ics = client.get(reverse("collaboration:calendar_ics"))
    assert ics["Content-Type"].startswith("text/calendar") and b"Quarterly visit" in ics.content


def test_the_api_logs_an_activity_with_a_follow_up(world: World) -> None:
    _token, key = api_token_create(user=world.users["director"], name="t")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    answer = client.post(
        "/api/activities",
        {
            "partner": "P-DE",
            "kind": "meeting",
            "subject": "Plan 2027",
            "starts_at": "2026-12-01T09:00:00+08:00",
            "staff": ["manager"],
            "follow_ups": [{"task": "Draft targets", "owner": "manager", "due_on": "2026-12-10"}],
        },
        content_type="application/json",
    )
    assert answer.status_code == 201
    body = answer.json()
    assert body["staff"] == ["manager"] and body["follow_ups"][0]["task"] == "Draft targets"
    assert client.get("/api/activities?kind=meeting").json()["count"] == 1


def test_the_rule_for_partners_not_graded_yet(world: World) -> None:
    visit_frequencies_save(every_days={UNGRADED: 60})
    _log(world, world.p_de, 30)
    _log(world, world.p_us, 61)
    rows = visits_overdue(user=world.users["director"])
    assert [(r.partner.code, r.days_overdue) for r in rows] == [("P-US", 1), ("P-DE-SUB", None)]
    visit_frequencies_save(every_days={UNGRADED: None})
    assert visits_overdue(user=world.users["director"]) == []
