"""Training and certification: who enrols whom, seats, certificates and their expiry
reminder (raised once), the grade requirements and each partner's compliance, and the
at-risk alert for mandatory training refused or missed."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from qudao.collaboration.models import Course, Enrolment, TrainingRequirement, TrainingSession
from qudao.collaboration.selectors import training_compliance
from qudao.collaboration.services import (
    course_create,
    enrolment_create,
    enrolment_record,
    session_create,
)
from qudao.core.services import api_token_create
from qudao.governance.models import AlertKind, RiskAlert
from qudao.governance.services import risk_profiles_refresh
from qudao.partners.models import Contact, Grade, Partner
from qudao.partners.services import contact_create
from tests.conftest import World


def _in_days(days: int) -> datetime:
    day = timezone.localdate() + timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time(9)))


@pytest.fixture
def course(db: Any) -> Course:
    return course_create(
        code="SE-1",
        name_en="Sales engineer",
        name_zh="销售工程师",
        mandatory=True,
        certifies=True,
        valid_months=24,
    )


def _session(course: Course, days: int = 7, seats: int = 30) -> TrainingSession:
    return session_create(course=course, starts_at=_in_days(days), seats=seats)


def _people(world: World) -> tuple[Contact, Contact, Contact]:
    return (
        contact_create(partner=world.p_de, name="Anna"),
        contact_create(partner=world.p_de_sub, name="Ben"),
        contact_create(partner=world.p_us, name="Joe"),
    )


def test_a_partner_admin_enrols_its_own_people_only(world: World, course: Course) -> None:
    anna, ben, joe = _people(world)
    session = _session(course)
    admin = world.users["partner_admin"]  # of P-DE: its own people and its sub-partner's
    assert enrolment_create(session=session, contact=anna, actor=admin).enrolled_by == admin
    enrolment_create(session=session, contact=ben, actor=admin)
    with pytest.raises(PermissionDenied):
        enrolment_create(session=session, contact=joe, actor=admin)
    with pytest.raises(PermissionDenied):
        enrolment_create(session=session, contact=anna, actor=world.users["partner_user"])
    with pytest.raises(PermissionDenied):
        enrolment_create(session=session, contact=joe, actor=world.users["manager"])  # US
    with pytest.raises(ValidationError, match="enrolled already"):
        enrolment_create(session=session, contact=anna, actor=admin)
    assert Enrolment.objects.count() == 2
    with pytest.raises(PermissionDenied):  # how it went is the brand's to record
        enrolment_record(
            enrolment=Enrolment.objects.get(contact=anna), status="completed", actor=admin
        )


def test_seats_and_started_sessions(world: World, course: Course) -> None:
    anna, ben, _joe = _people(world)
    full = _session(course, seats=1)
    enrolment_create(session=full, contact=anna)
    with pytest.raises(ValidationError, match="full"):
        enrolment_create(session=full, contact=ben)
    started = _session(course, days=-1)
    with pytest.raises(ValidationError, match="has started"):
        enrolment_create(session=started, contact=ben)


def test_completing_certifies_for_the_courses_months(world: World, course: Course) -> None:
    anna, *_ = _people(world)
    record = enrolment_create(session=_session(course), contact=anna)
    enrolment_record(enrolment=record, status="completed", on=date(2026, 8, 31))
    assert record.completed_on == date(2026, 8, 31)
    assert record.certified_until == date(2028, 8, 31)
    enrolment_record(enrolment=record, status="missed")
    assert (record.completed_on, record.certified_until) == (None, None)


def test_compliance_counts_the_partners_own_certified_people(world: World, course: Course) -> None:
    grade_a, _ = Grade.objects.get_or_create(code="A", defaults={"name_en": "A", "rank": 1})
    Partner.objects.filter(pk__in=[world.p_de.pk, world.p_us.pk]).update(grade=grade_a)
    TrainingRequirement.objects.create(grade=grade_a, course=course, people=2)
    anna, ben, joe = _people(world)
    for person in (anna, ben, joe):
        record = enrolment_create(session=_session(course, days=3 + person.pk), contact=person)
        enrolment_record(enrolment=record, status="completed")
    expired = contact_create(partner=world.p_de, name="Cleo")
    old = enrolment_create(session=_session(course, days=30), contact=expired)
    enrolment_record(enrolment=old, status="completed", on=date(2020, 1, 1))  # ran out 2022
    rows = {r.partner.code: r for r in training_compliance(user=world.users["director"])}
    # P-DE: Anna only (Ben is its sub-partner's, Cleo's certificate ran out) → 1 of 2
    assert (rows["P-DE"].certified, rows["P-DE"].gap) == (1, 1)
    assert (rows["P-US"].certified, rows["P-US"].gap) == (1, 1)
    assert set(rows) == {"P-DE", "P-US"}  # P-DE-SUB has no grade: no requirement
    mine = training_compliance(user=world.users["partner_user"])
    assert [r.partner.code for r in mine] == ["P-DE"]


def test_refused_or_missed_mandatory_training_raises_the_alert(
    world: World, course: Course
) -> None:
    anna, ben, _joe = _people(world)
    record = enrolment_create(session=_session(course, days=1), contact=anna)
    TrainingSession.objects.filter(pk=record.session_id).update(starts_at=_in_days(-1))
    enrolment_record(enrolment=record, status="completed")
    assert not RiskAlert.objects.filter(kind=AlertKind.TRAINING_MISSED).exists()
    enrolment_record(enrolment=record, status="missed")
    alert = RiskAlert.objects.get(kind=AlertKind.TRAINING_MISSED, cleared_at__isnull=True)
    assert alert.partner == world.p_de and alert.detail == {"count": 1}
    # an optional course refused is not held against the partner
    optional = course_create(code="OPT", name_en="Optional", mandatory=False)
    other = enrolment_create(session=_session(optional, days=1), contact=ben)
    TrainingSession.objects.filter(pk=other.session_id).update(starts_at=_in_days(-1))
    enrolment_record(enrolment=other, status="refused")
    assert not RiskAlert.objects.filter(
        partner=world.p_de_sub, kind=AlertKind.TRAINING_MISSED
    ).exists()
    # a year later it no longer counts
    risk_profiles_refresh(as_of=timezone.localdate() + timedelta(days=366))
    alert.refresh_from_db()
    assert alert.cleared_at is not None


def test_a_certificate_running_out_is_reminded_once(
    world: World, course: Course, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.QUDAO = {**settings.QUDAO, "SENDS_MAIL": True}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    owner = world.users["director"]
    owner.email = "director@example.com"
    owner.save()
    Partner.objects.filter(pk=world.p_de.pk).update(owner=owner)
    anna, *_ = _people(world)
    record = enrolment_create(session=_session(course), contact=anna)
    with django_capture_on_commit_callbacks(execute=True):
        # completed 2 years less 30 days ago: the certificate runs out in 30 days
        enrolment_record(
            enrolment=record,
            status="completed",
            on=timezone.localdate() - timedelta(days=730 - 30),
        )
        risk_profiles_refresh()
        risk_profiles_refresh()
    alerts = RiskAlert.objects.filter(kind=AlertKind.CERTIFICATE_EXPIRING)
    assert [(a.subject, a.cleared_at) for a in alerts] == [(record.pk, None)]
    assert len(mail.outbox) == 1 and "Anna" in mail.outbox[0].subject


def test_the_partner_admin_enrols_through_the_session_page(world: World, course: Course) -> None:
    anna, _ben, joe = _people(world)
    session = _session(course)
    client = Client()
    client.force_login(world.users["partner_admin"])
    page = client.get(session.get_absolute_url())
    options = page.context["form"].fields["contact"].queryset
    assert anna in options and joe not in options  # only its own people are offered
    answer = client.post(session.get_absolute_url(), {"action": "enrol", "contact": anna.pk})
    assert answer.status_code == 302
    assert Enrolment.objects.get().enrolled_by == world.users["partner_admin"]
    refused = client.post(session.get_absolute_url(), {"action": "enrol", "contact": joe.pk})
    assert refused.status_code == 200 and Enrolment.objects.count() == 1
    recorded = client.post(
        session.get_absolute_url(),
        {"action": "completed", "enrolment": Enrolment.objects.get().pk},
    )
    assert recorded.status_code == 404 and Enrolment.objects.get().status == "enrolled"


def test_the_api_reads_and_writes_training_records(world: World, course: Course) -> None:
    anna, *_ = _people(world)
    session = _session(course)
    _token, key = api_token_create(user=world.users["partner_admin"], name="t")
    partner = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    made = partner.post(
        "/api/training-records",
        {"session_id": session.pk, "contact_id": anna.pk},
        content_type="application/json",
    )
    assert made.status_code == 201 and made.json()["person"] == "Anna"
    record_id = made.json()["id"]
    refused = partner.patch(
        f"/api/training-records/{record_id}",
        {"status": "completed"},
        content_type="application/json",
    )
    assert refused.status_code == 403
    _token, key = api_token_create(user=world.users["director"], name="t")
    director = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    done = director.patch(
        f"/api/training-records/{record_id}",
        {"status": "completed", "on": "2026-11-30"},
        content_type="application/json",
    )
    assert done.json()["certified_until"] == "2028-11-30"
    assert director.get("/api/training-records?course=SE-1").json()["count"] == 1
