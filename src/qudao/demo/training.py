"""Demo training and certification, generated (the dataset holds none): three courses,
their requirements by grade, sessions held and planned, people at forty resellers (the
demo partner's company among them) enrolled — most certified, a few who missed or refused
a mandatory session, some certificates close to running out. So that the requirements
apply, the channel team's latest grade proposals for those forty are approved (when the
demo's reviews ran). Every person's title says it is demo data."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from qudao.analytics.models import GradeProposal, ProposalStatus
from qudao.analytics.services import grade_proposal_decide
from qudao.collaboration.models import Course, Enrolment, EnrolmentStatus, TrainingRequirement
from qudao.collaboration.services import (
    course_create,
    enrolment_create,
    enrolment_record,
    session_create,
)
from qudao.core.models import User
from qudao.partners.models import Grade, Partner
from qudao.partners.services import contact_create

SEED = 20261209
NAMES = ("Li Wei", "Anna Berg", "Tom Price", "Zhang Min", "Marta Ruiz", "Ken Ito", "Sara Cole")
DEMO_TITLE = "Demo data, generated — 演示数据（生成）"
DEMO_PARTNER = "AW00000001"  # the company of the demo's partner admin
COURSES = (
    ("SE-1", "Sales engineer certification", "销售工程师认证", True, True, 24),
    ("SVC-1", "Service technician certification", "维修技师认证", False, True, 36),
    ("PRD-27", "2027 product line-up", "2027 新品培训", True, False, 12),
)
# (course, days from today, seats); negative: held already
SESSIONS = (
    ("SE-1", -705, 40),  # its certificates run out in a few weeks
    ("SE-1", -200, 40),
    ("SE-1", -30, 40),
    ("SVC-1", -90, 20),
    ("PRD-27", -10, 60),
    ("SE-1", 14, 30),
    ("PRD-27", 45, 60),
)


@transaction.atomic
def demo_training() -> int:
    """Once; returns how many training records were made."""
    if Course.objects.exists():
        return 0
    rng = random.Random(SEED)  # noqa: S311 - demo data, not secrets
    courses = {
        code: course_create(
            code=code,
            name_en=en,
            name_zh=zh,
            mandatory=mandatory,
            certifies=certifies,
            valid_months=months,
            links="https://example.com/qudao-demo/" + code.lower(),
        )
        for code, en, zh, mandatory, certifies, months in COURSES
    }
    grades = {g.code: g for g in Grade.objects.all()}
    for grade, code, people in (("A", "SE-1", 2), ("A", "SVC-1", 1), ("B", "SE-1", 1)):
        if grade in grades:
            TrainingRequirement.objects.create(
                grade=grades[grade], course=courses[code], people=people
            )
    today = timezone.localdate()
    sessions = [
        session_create(
            course=courses[code],
            starts_at=timezone.make_aware(datetime.combine(today + timedelta(days=days), time(9))),
            seats=seats,
            location=rng.choice(("Online", "Shanghai training centre", "Seattle office")),
        )
        for code, days, seats in SESSIONS
    ]
    held = [s for s in sessions if s.starts_at.date() < today]
    upcoming = next(s for s in sessions if s.starts_at.date() > today)
    partners = list(Partner.objects.order_by("code")[:40])
    _approve_latest_grades(partners)
    made = 0
    for partner in partners:
        people = 3 if partner.code == DEMO_PARTNER else rng.randint(1, 3)
        for name in rng.sample(NAMES, people):
            person = contact_create(partner=partner, name=name, title=DEMO_TITLE)
            for session in rng.sample(held, rng.randint(1, 2)):
                # past sessions' records, as a training history would be brought in
                record = Enrolment.objects.create(session=session, contact=person)
                roll = rng.random()
                status = (
                    EnrolmentStatus.MISSED
                    if roll < 0.08
                    else EnrolmentStatus.REFUSED
                    if roll < 0.12
                    else EnrolmentStatus.COMPLETED
                )
                enrolment_record(enrolment=record, status=status)
                made += 1
            if partner.code == DEMO_PARTNER:  # the demo partner's admin enrols from here
                enrolment_create(session=upcoming, contact=person)
    return made


def _approve_latest_grades(partners: list[Partner]) -> None:
    """The channel team's decision on these partners' latest grade proposals: approved."""
    director = User.objects.filter(username="director").first()
    for partner in partners:
        proposal = (
            GradeProposal.objects.filter(partner=partner, status=ProposalStatus.PROPOSED)
            .order_by("-period")
            .first()
        )
        if proposal is not None and director is not None:
            grade_proposal_decide(proposal=proposal, approve=True, actor=director, note=DEMO_TITLE)
