"""Activities over the API: list, detail with follow-ups (for the brand's staff), log,
change — the same selectors and services as the pages."""

from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from qudao.collaboration import selectors
from qudao.collaboration.filtersets import ActivityFilterSet, EnrolmentFilterSet
from qudao.collaboration.models import Activity, ActivityKind, Course, Enrolment, EnrolmentStatus
from qudao.collaboration.services import (
    activity_create,
    activity_update,
    enrolment_create,
    enrolment_record,
    follow_up_add,
)
from qudao.core.api import Pagination, filtered, patch_values, resolve_code
from qudao.core.models import User
from qudao.core.permissions import can_change, is_partner_user
from qudao.partners.models import Contact, Partner

router = Router(tags=["activities"])


class FollowUpOut(Schema):
    id: int
    task: str
    owner: str
    due_on: date
    done_at: datetime | None

    @staticmethod
    def resolve_owner(f: Any) -> str:
        return f.owner.username


class ActivityOut(Schema):
    id: int
    partner: str
    kind: ActivityKind
    subject: str
    starts_at: datetime
    minutes: int
    location: str
    notes: str
    owner: str | None
    staff: list[str]
    contacts: list[str]
    shared_with_partner: bool

    @staticmethod
    def resolve_partner(a: Activity) -> str:
        return a.partner.code

    @staticmethod
    def resolve_owner(a: Activity) -> str | None:
        return a.owner.username if a.owner else None

    @staticmethod
    def resolve_staff(a: Activity) -> list[str]:
        return [u.username for u in a.staff.all()]

    @staticmethod
    def resolve_contacts(a: Activity) -> list[str]:
        return [c.name for c in a.contacts.all()]


class ActivityDetailOut(ActivityOut):
    follow_ups: list[FollowUpOut] | None = Field(None, description="empty for partners' staff")

    @staticmethod
    def resolve_follow_ups(a: Activity, context: dict[str, Any]) -> list[Any] | None:
        user = context["request"].user
        if is_partner_user(user):
            return None
        return list(selectors.follow_up_list(user=user).filter(activity=a))


class FollowUpIn(Schema):
    task: str
    owner: str = Field(description="a user name of the brand's staff")
    due_on: date


class ActivityIn(Schema):
    partner: str
    kind: ActivityKind
    subject: str
    starts_at: datetime
    minutes: int = 60
    location: str = ""
    notes: str = ""
    staff: list[str] = Field([], description="user names")
    contacts: list[int] = Field([], description="contact ids of the partner")
    shared_with_partner: bool = False
    follow_ups: list[FollowUpIn] = []


class ActivityPatch(Schema):
    kind: ActivityKind | None = None
    subject: str | None = None
    starts_at: datetime | None = None
    minutes: int | None = None
    location: str | None = None
    notes: str | None = None
    shared_with_partner: bool | None = None


class ActivityFilters(Schema):
    q: str | None = None
    kind: ActivityKind | None = None
    since: date | None = None
    until: date | None = None


def _users(names: list[str]) -> list[User]:
    # a NUL is in no user name, and PostgreSQL refuses to look one up
    found = {
        u.username: u
        for u in User.objects.filter(username__in=[n for n in names if "\x00" not in n])
    }
    missing = [n for n in names if n not in found]
    if missing:
        raise ValidationError({"staff": [f"No user named: {', '.join(missing)}."]})
    return [found[n] for n in names]


@router.get("", response=list[ActivityOut])
@paginate(Pagination)
def list_activities(request: HttpRequest, filters: Query[ActivityFilters]) -> Any:
    rows = selectors.activity_list(user=request.user).prefetch_related("staff", "contacts")
    return filtered(ActivityFilterSet, filters.dict(), rows)


@router.get("/{int:activity_id}", response=ActivityDetailOut)
def get_activity(request: HttpRequest, activity_id: int) -> Any:
    return get_object_or_404(selectors.activity_list(user=request.user), pk=activity_id)


@router.post("", response={201: ActivityDetailOut})
def create_activity(request: HttpRequest, payload: ActivityIn) -> Any:
    if not can_change(request.user, Activity):  # before the codes are looked up as the user
        raise HttpError(403, "You may not log activities.")
    data = payload.dict()
    follow_ups = data.pop("follow_ups")
    data["partner"] = resolve_code(Partner, data["partner"], user=request.user, field="partner")
    data["staff"] = _users(data["staff"])
    data["contacts"] = list(Contact.objects.restrict(request.user).filter(pk__in=data["contacts"]))
    activity = activity_create(actor=request.user, **data)
    for follow_up in follow_ups:
        follow_up_add(
            activity=activity,
            task=follow_up["task"],
            owner=_users([follow_up["owner"]])[0],
            due_on=follow_up["due_on"],
            actor=request.user,
        )
    return Status(201, activity)


@router.patch("/{int:activity_id}", response=ActivityDetailOut)
def update_activity(request: HttpRequest, activity_id: int, payload: ActivityPatch) -> Any:
    activity = get_object_or_404(selectors.activity_list(user=request.user), pk=activity_id)
    return activity_update(activity=activity, actor=request.user, **patch_values(payload, Activity))


training_router = Router(tags=["training"])


class TrainingRecordOut(Schema):
    id: int
    person: str
    contact_id: int
    partner: str
    course: str
    session_id: int
    session_starts_at: datetime
    status: EnrolmentStatus
    completed_on: date | None
    certified_until: date | None

    @staticmethod
    def resolve_person(e: Enrolment) -> str:
        return e.contact.name

    @staticmethod
    def resolve_partner(e: Enrolment) -> str:
        return e.contact.partner.code

    @staticmethod
    def resolve_course(e: Enrolment) -> str:
        return e.session.course.code

    @staticmethod
    def resolve_session_starts_at(e: Enrolment) -> datetime:
        return e.session.starts_at


class TrainingRecordIn(Schema):
    session_id: int
    contact_id: int


class TrainingRecordPatch(Schema):
    status: EnrolmentStatus
    on: date | None = Field(None, description="the day completed (default: the session's)")


class TrainingRecordFilters(Schema):
    q: str | None = None
    status: EnrolmentStatus | None = None
    course: str | None = Field(None, description="a course's code")


@training_router.get("", response=list[TrainingRecordOut])
@paginate(Pagination)
def list_training_records(request: HttpRequest, filters: Query[TrainingRecordFilters]) -> Any:
    return filtered(
        EnrolmentFilterSet,
        filters.dict(),
        selectors.enrolment_list(user=request.user),
        codes={"course": Course},
    )


@training_router.post("", response={201: TrainingRecordOut})
def create_training_record(request: HttpRequest, payload: TrainingRecordIn) -> Any:
    """Enrol a person in a session: the brand's managers anyone in scope, a partner's
    admin its own people."""
    session = get_object_or_404(selectors.session_list(user=request.user), pk=payload.session_id)
    contact = get_object_or_404(Contact.objects.restrict(request.user), pk=payload.contact_id)
    return Status(201, enrolment_create(session=session, contact=contact, actor=request.user))


@training_router.patch("/{int:record_id}", response=TrainingRecordOut)
def update_training_record(
    request: HttpRequest, record_id: int, payload: TrainingRecordPatch
) -> Any:
    """Record how it went (the brand's director and managers)."""
    enrolment = get_object_or_404(selectors.enrolment_list(user=request.user), pk=record_id)
    return enrolment_record(
        enrolment=enrolment, status=payload.status, on=payload.on, actor=request.user
    )
