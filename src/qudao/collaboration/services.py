"""Writes for visits and communication: activities, their follow-ups, the visit frequency
by grade. The channel director and managers (for the partners in their scope) log them;
a follow-up is closed by its owner or by them."""

from __future__ import annotations

import calendar
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qudao.collaboration.models import (
    Activity,
    Competitor,
    CompetitorNote,
    Course,
    CourseMaterial,
    Enrolment,
    EnrolmentStatus,
    FollowUp,
    TrainingRequirement,
    TrainingSession,
    VisitFrequency,
)
from qudao.core.choices import Role
from qudao.core.permissions import (
    ensure_may_change,
    ensure_may_change_row,
    is_partner_user,
    restrict,
)
from qudao.core.services import model_create, model_update
from qudao.partners.models import Contact, Grade


def _check_attendees(partner: Any, data: dict[str, Any]) -> None:
    """The contacts attending are the partner's (or its sub-partners'); the staff are the
    brand's."""
    strangers = [
        c.name for c in data.get("contacts") or [] if not c.partner.path.startswith(partner.path)
    ]
    if strangers:
        raise ValidationError(
            {
                "contacts": _("Not contacts of %(partner)s: %(names)s.")
                % {"partner": partner.code, "names": ", ".join(strangers)}
            }
        )
    outsiders = [str(u) for u in data.get("staff") or [] if getattr(u, "partner_id", None)]
    if outsiders:
        raise ValidationError(
            {"staff": _("Not the brand's staff: %(names)s.") % {"names": ", ".join(outsiders)}}
        )


@transaction.atomic
def activity_create(*, actor: Any | None = None, **data: Any) -> Activity:
    """Log an activity; the one who logs it owns it unless someone else is named."""
    if actor is not None and data.get("owner") is None:
        data["owner"] = actor
    if data.get("partner") is not None:
        _check_attendees(data["partner"], data)
    return model_create(model=Activity, data=data, actor=actor)


@transaction.atomic
def activity_update(*, activity: Activity, actor: Any | None = None, **data: Any) -> Activity:
    _check_attendees(data.get("partner") or activity.partner, data)
    return model_update(instance=activity, data=data, actor=actor)[0]


@transaction.atomic
def follow_up_add(
    *, activity: Activity, task: str, owner: Any, due_on: Any, actor: Any | None = None
) -> FollowUp:
    """A task the activity left, for ``owner`` (one of the brand's staff) by ``due_on``."""
    ensure_may_change_row(activity, actor)
    if owner is None or getattr(owner, "partner_id", None):
        raise ValidationError({"owner": _("A follow-up is owned by one of the brand's staff.")})
    return model_create(
        model=FollowUp,
        data={"activity": activity, "task": task, "owner": owner, "due_on": due_on},
        actor=actor,
    )


@transaction.atomic
def follow_up_done(*, follow_up: FollowUp, actor: Any | None = None) -> FollowUp:
    """Close a follow-up: its owner may, and those who change the activity."""
    if actor is not None and follow_up.owner_id != actor.pk:
        try:
            ensure_may_change_row(follow_up.activity, actor)
        except PermissionDenied:
            raise PermissionDenied(
                _("Only its owner or the partner's managers close it.")
            ) from None
    if follow_up.done_at is not None:
        return follow_up
    follow_up.done_at = timezone.now()
    if actor is not None:
        follow_up._history_user = actor  # type: ignore[attr-defined]
    follow_up.save(update_fields=["done_at", "updated_at"])
    return follow_up


UNGRADED = 0  # the key of the rule for partners without a grade


@transaction.atomic
def visit_frequencies_save(*, every_days: dict[int, int | None], actor: Any | None = None) -> int:
    """Set how often each grade should be visited (grade id → days, ``UNGRADED`` for the
    partners without a grade; None: no rule). Returns how many rules stand afterwards."""
    ensure_may_change(VisitFrequency, actor)
    grades = Grade.objects.in_bulk([g for g in every_days if g != UNGRADED])
    for grade_id, days in every_days.items():
        grade = grades.get(grade_id)
        if grade is None and grade_id != UNGRADED:
            raise ValidationError(_("No such grade: %(id)s.") % {"id": grade_id})
        rule = VisitFrequency.objects.filter(grade=grade).first()
        if days is None:
            if rule is not None:
                rule.delete()
            continue
        if not 1 <= days <= 730:
            raise ValidationError({f"grade_{grade_id}": _("Between 1 and 730 days.")})
        if rule is None:
            rule = VisitFrequency(grade=grade, every_days=days)
        rule.every_days = days
        if actor is not None:
            rule._history_user = actor  # type: ignore[attr-defined,union-attr]
        rule.save()
    return VisitFrequency.objects.count()


# --- training and certification ---------------------------------------------------------------

# What other apps do after a partner's training records changed (governance: the alerts for
# mandatory training refused or missed, certificates running out), inside the transaction.
_TRAINING_CHANGED: list[Callable[[Any], None]] = []


def register_training_changed(callback: Callable[[Any], None]) -> None:
    if callback not in _TRAINING_CHANGED:
        _TRAINING_CHANGED.append(callback)


def _training_changed(partner: Any) -> None:
    for callback in _TRAINING_CHANGED:
        callback(partner)


@transaction.atomic
def course_create(
    *, actor: Any | None = None, materials: Sequence[Any] = (), **data: Any
) -> Course:
    course = model_create(model=Course, data=data, actor=actor)
    course_materials_add(course=course, files=materials, actor=actor)
    return course


@transaction.atomic
def course_update(
    *, course: Course, actor: Any | None = None, materials: Sequence[Any] = (), **data: Any
) -> Course:
    course = model_update(instance=course, data=data, actor=actor)[0]
    course_materials_add(course=course, files=materials, actor=actor)
    return course


def course_materials_add(*, course: Course, files: Sequence[Any], actor: Any | None = None) -> None:
    ensure_may_change(Course, actor)
    for upload in files:
        name = (upload.name or "file")[-200:]
        if (upload.size or 0) > 50 * 1024 * 1024:
            raise ValidationError(
                {"materials": _("“%(name)s” is larger than 50 MB.") % {"name": name}}
            )
        CourseMaterial.objects.create(course=course, file=upload, name=name, size=upload.size or 0)


@transaction.atomic
def session_create(*, actor: Any | None = None, **data: Any) -> TrainingSession:
    return model_create(model=TrainingSession, data=data, actor=actor)


@transaction.atomic
def session_update(
    *, session: TrainingSession, actor: Any | None = None, **data: Any
) -> TrainingSession:
    return model_update(instance=session, data=data, actor=actor)[0]


def _ensure_may_enrol(contact: Contact, actor: Any | None) -> None:
    """The brand's director and managers enrol anyone in their scope; a partner's admin
    enrols the people of its own company and its sub-partners."""
    if actor is None:
        return
    if is_partner_user(actor):
        if not actor.has_role(Role.PARTNER_ADMIN):
            raise PermissionDenied(_("Only a partner's admin enrols its people."))
        if not restrict(Contact.objects.filter(pk=contact.pk), actor).exists():
            raise PermissionDenied(_("You may not act for this partner."))
        return
    ensure_may_change(Enrolment, actor)
    if not restrict(Contact.objects.filter(pk=contact.pk), actor, "change").exists():
        raise PermissionDenied(_("You may not act for this partner."))


@transaction.atomic
def enrolment_create(
    *, session: TrainingSession, contact: Contact, actor: Any | None = None
) -> Enrolment:
    """Enrol a partner's person in a session that has not started, while seats are left."""
    _ensure_may_enrol(contact, actor)
    session = TrainingSession.objects.select_for_update().get(pk=session.pk)
    if session.starts_at <= timezone.now():
        raise ValidationError(_("This session has started: no more enrolments."))
    if Enrolment.objects.filter(session=session, contact=contact).exists():
        raise ValidationError(_("%(name)s is enrolled already.") % {"name": contact.name})
    if session.enrolments.exclude(status=EnrolmentStatus.REFUSED).count() >= session.seats:
        raise ValidationError(
            _("The session is full (%(seats)d seats).") % {"seats": session.seats}
        )
    enrolment = Enrolment(session=session, contact=contact, enrolled_by=actor)
    if actor is not None:
        enrolment._history_user = actor  # type: ignore[attr-defined]
    enrolment.save()
    return enrolment


@transaction.atomic
def enrolment_record(
    *, enrolment: Enrolment, status: str, actor: Any | None = None, on: date | None = None
) -> Enrolment:
    """Record how it went: completed (certified for the course's months if it certifies),
    missed or refused — the brand's director and managers, for the partners in their scope.
    A partner's own refusal is recorded by the brand too (it may matter: mandatory)."""
    if actor is not None:
        ensure_may_change(Enrolment, actor)
        if not restrict(Enrolment.objects.filter(pk=enrolment.pk), actor, "change").exists():
            raise PermissionDenied(_("You may not change %(object)s.") % {"object": enrolment})
    if status not in EnrolmentStatus.values:
        raise ValidationError({"status": _("Not a status: %(status)s.") % {"status": status}})
    course = enrolment.session.course
    enrolment.status = status
    enrolment.completed_on = None
    enrolment.certified_until = None
    if status == EnrolmentStatus.COMPLETED:
        done = on or timezone.localdate(enrolment.session.starts_at)
        enrolment.completed_on = done
        if course.certifies:
            enrolment.certified_until = _add_months(done, course.valid_months)
    if actor is not None:
        enrolment._history_user = actor  # type: ignore[attr-defined]
    enrolment.save()
    _training_changed(enrolment.contact.partner)
    return enrolment


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last))


@transaction.atomic
def requirement_create(*, actor: Any | None = None, **data: Any) -> TrainingRequirement:
    return model_create(model=TrainingRequirement, data=data, actor=actor)


@transaction.atomic
def requirement_update(
    *, requirement: TrainingRequirement, actor: Any | None = None, **data: Any
) -> TrainingRequirement:
    return model_update(instance=requirement, data=data, actor=actor)[0]


# --- competitor notes ---------------------------------------------------------------------------


@transaction.atomic
def competitor_create(*, actor: Any | None = None, **data: Any) -> Competitor:
    return model_create(model=Competitor, data=data, actor=actor)


@transaction.atomic
def competitor_update(
    *, competitor: Competitor, actor: Any | None = None, **data: Any
) -> Competitor:
    return model_update(instance=competitor, data=data, actor=actor)[0]


def _note_check(note: CompetitorNote) -> None:
    """A note seen at a partner is in that partner's region (or a region above it)."""
    partner = note.partner
    if partner is not None and not partner.home_region.path.startswith(note.region.path):
        raise ValidationError(
            {
                "region": _("%(partner)s is not in %(region)s.")
                % {"partner": partner.code, "region": note.region.name}
            }
        )


@transaction.atomic
def competitor_note_create(*, actor: Any | None = None, **data: Any) -> CompetitorNote:
    if actor is not None and data.get("author") is None:
        data["author"] = actor
    return model_create(model=CompetitorNote, data=data, actor=actor, check=_note_check)


@transaction.atomic
def competitor_note_update(
    *, note: CompetitorNote, actor: Any | None = None, **data: Any
) -> CompetitorNote:
    return model_update(instance=note, data=data, actor=actor, check=_note_check)[0]
