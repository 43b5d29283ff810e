"""Reads for visits and communication, always through the access gate: activities and
follow-ups, the partners overdue a visit, one's own calendar."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from qudao.collaboration.models import (
    VISITING_KINDS,
    Activity,
    Competitor,
    CompetitorNote,
    Course,
    Enrolment,
    FollowUp,
    TrainingRequirement,
    TrainingSession,
    VisitFrequency,
)
from qudao.core.permissions import is_partner_user
from qudao.partners.choices import SELLING_STATUSES
from qudao.partners.models import Partner
from qudao.territories.models import Region


def activity_list(*, user: Any) -> QuerySet[Activity]:
    """The activities ``user`` sees, each with its ``open_follow_ups`` (the brand's own
    tasks: not counted for partners' staff)."""
    rows = Activity.objects.restrict(user).select_related("partner", "owner")
    if is_partner_user(user):
        return rows
    return rows.annotate(
        open_follow_ups=Count("follow_ups", filter=Q(follow_ups__done_at__isnull=True))
    )


def partner_activities(*, partner: Partner, user: Any, limit: int = 50) -> list[Activity]:
    """The latest activities with ``partner`` and the partners below it that ``user`` sees."""
    return list(activity_list(user=user).filter(partner__path__startswith=partner.path)[:limit])


def follow_up_list(*, user: Any) -> QuerySet[FollowUp]:
    return FollowUp.objects.restrict(user).select_related("activity", "activity__partner", "owner")


def own_activities(*, user: Any) -> QuerySet[Activity]:
    """What ``user`` owns or attends."""
    mine = Activity.objects.filter(Q(owner=user) | Q(staff=user)).values("pk")
    return (
        Activity.objects.restrict(user)
        .filter(pk__in=mine)
        .select_related("partner", "owner")
        .order_by("starts_at", "pk")
    )


@dataclass(frozen=True)
class OverdueVisit:
    partner: Partner
    every_days: int
    last_visit: date | None
    due_on: date | None  # None: never visited

    @property
    def days_overdue(self) -> int | None:
        return None if self.due_on is None else (timezone.localdate() - self.due_on).days


def visits_overdue(*, user: Any, on: date | None = None) -> list[OverdueVisit]:
    """The partners ``user`` sees whose grade has a visit rule and whose last visit (or
    business review) is older than the rule allows — or who were never visited. Most
    overdue first, never-visited at the end."""
    today = on or timezone.localdate()
    rules = dict(VisitFrequency.objects.values_list("grade_id", "every_days"))
    if not rules:
        return []
    graded = Q(grade_id__in=[g for g in rules if g is not None])
    if None in rules:
        graded |= Q(grade__isnull=True)
    partners = (
        Partner.objects.restrict(user)
        .filter(graded, status__in=SELLING_STATUSES)
        .select_related("grade", "home_region", "owner")
        .annotate(
            last_visit=Max(
                "activities__starts_at",
                filter=Q(activities__kind__in=VISITING_KINDS)
                & Q(activities__starts_at__date__lte=today),
            )
        )
    )
    overdue = []
    for partner in partners:
        every = rules[partner.grade_id]
        last = timezone.localdate(partner.last_visit) if partner.last_visit else None
        due = last + timedelta(days=every) if last else None
        if due is None or due < today:
            overdue.append(OverdueVisit(partner, every, last, due))
    return sorted(overdue, key=lambda o: (o.due_on is None, o.due_on or today, o.partner.code))


@dataclass(frozen=True)
class CalendarDay:
    day: date
    in_month: bool
    activities: list[Activity]


def calendar_month(*, user: Any, year: int, month: int) -> list[list[CalendarDay]]:
    """The weeks (Monday first) of a month with ``user``'s own activities on each day."""
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    first, last = weeks[0][0], weeks[-1][-1]
    start = timezone.make_aware(datetime.combine(first, datetime.min.time()))
    end = timezone.make_aware(datetime.combine(last + timedelta(days=1), datetime.min.time()))
    by_day: dict[date, list[Activity]] = {}
    for activity in own_activities(user=user).filter(starts_at__gte=start, starts_at__lt=end):
        by_day.setdefault(timezone.localdate(activity.starts_at), []).append(activity)
    return [[CalendarDay(d, d.month == month, by_day.get(d, [])) for d in week] for week in weeks]


# --- training ---------------------------------------------------------------------------------


def course_list(*, user: Any) -> QuerySet[Course]:
    return Course.objects.restrict(user)


def session_list(*, user: Any) -> QuerySet[TrainingSession]:
    return TrainingSession.objects.restrict(user).select_related("course")


def enrolment_list(*, user: Any) -> QuerySet[Enrolment]:
    """The training records ``user`` sees: partners' staff, their own people's."""
    return Enrolment.objects.restrict(user).select_related(
        "contact", "contact__partner", "session", "session__course"
    )


def requirement_list(*, user: Any) -> QuerySet[TrainingRequirement]:
    return TrainingRequirement.objects.restrict(user).select_related("grade", "course")


@dataclass(frozen=True)
class ComplianceRow:
    partner: Partner
    course: Course
    needed: int
    certified: int

    @property
    def gap(self) -> int:
        return max(0, self.needed - self.certified)


def training_compliance(
    *, user: Any, partners: QuerySet[Partner] | None = None, on: date | None = None
) -> list[ComplianceRow]:
    """For each partner ``user`` sees whose grade has training requirements: each course
    required, how many of its own people it needs certified and how many are today (a
    certificate counts until its ``certified_until``). Gaps first."""
    today = on or timezone.localdate()
    needs: dict[int, list[TrainingRequirement]] = {}
    for requirement in TrainingRequirement.objects.select_related("course"):
        needs.setdefault(requirement.grade_id, []).append(requirement)
    if not needs:
        return []
    chosen = Partner.objects.restrict(user) if partners is None else partners
    chosen = chosen.filter(grade_id__in=list(needs), status__in=SELLING_STATUSES).select_related(
        "grade"
    )
    certified: dict[tuple[int, int], set[int]] = {}
    for partner_id, course_id, contact_id in Enrolment.objects.filter(
        contact__partner__in=chosen, certified_until__gte=today
    ).values_list("contact__partner_id", "session__course_id", "contact_id"):
        certified.setdefault((partner_id, course_id), set()).add(contact_id)
    rows = [
        ComplianceRow(
            partner,
            requirement.course,
            requirement.people,
            len(certified.get((partner.pk, requirement.course_id), ())),
        )
        for partner in chosen.order_by("code")
        for requirement in needs[partner.grade_id]  # type: ignore[index]
    ]
    return sorted(rows, key=lambda r: (-r.gap, r.partner.code, r.course.code))


def partner_training(*, partner: Partner, user: Any) -> dict[str, Any]:
    """A partner's people's training records and its standing against its grade's
    requirements, as ``user`` may see them."""
    return {
        "records": list(
            enrolment_list(user=user)
            .filter(contact__partner=partner)
            .order_by("-session__starts_at")[:100]
        ),
        "compliance": training_compliance(
            user=user, partners=Partner.objects.restrict(user).filter(pk=partner.pk)
        ),
    }


# --- competitor notes -------------------------------------------------------------------------


def competitor_list(*, user: Any) -> QuerySet[Competitor]:
    return Competitor.objects.restrict(user).annotate(notes_count=Count("notes_seen"))


def competitor_note_list(*, user: Any) -> QuerySet[CompetitorNote]:
    return CompetitorNote.objects.restrict(user).select_related(
        "competitor", "region", "partner", "author"
    )


def region_competitor_notes(*, region: Region, user: Any, limit: int = 10) -> list[CompetitorNote]:
    """The latest notes seen in ``region`` or below it (none for partners' staff)."""
    return list(
        competitor_note_list(user=user).filter(region__path__startswith=region.path)[:limit]
    )


def partner_competitor_notes(
    *, partner: Partner, user: Any, limit: int = 10
) -> list[CompetitorNote]:
    """The latest notes seen at ``partner``, or in its home region or a region above it."""
    above = [int(pk) for pk in partner.home_region.path.strip("/").split("/") if pk]
    return list(
        competitor_note_list(user=user).filter(Q(partner=partner) | Q(region_id__in=above))[:limit]
    )
