"""The violation workflow: investigate, confirm with penalties that reach their targets,
dismiss with a reason, close; comments and appeals; every role against every transition
(a refused write changes nothing); what the offender and the injured partner see."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from qudao.analytics.models import GradeProposal, ProposalOrigin
from qudao.analytics.services import grade_proposal_decide, grade_proposals_supersede, review_run
from qudao.core.periods import Period
from qudao.facts.models import Batch
from qudao.facts.services import batch_revert
from qudao.governance.models import (
    FlagStatus,
    Penalty,
    PenaltyKind,
    PenaltyStatus,
    RiskFlag,
    Violation,
    ViolationComment,
    ViolationStatus,
)
from qudao.governance.selectors import (
    rule_history,
    violation_cases_in_my_territory,
    violation_comments,
    violation_list,
)
from qudao.governance.services import (
    PenaltyOrder,
    penalty_decide,
    violation_close,
    violation_comment_add,
    violation_confirm,
    violation_dismiss,
    violation_investigate,
    violations_detect,
)
from qudao.partners.models import Grade
from tests.conftest import World, make_user
from tests.governance.test_violations import traded  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db

INTO_US = "cross_region_sale|P-DE|P-US|2020Q1"
P_US_FLOOR = "below_floor|P-US|-|2020Q1"


@pytest.fixture
def detected(traded: dict[str, Batch], world: World) -> dict[str, Batch]:  # noqa: F811
    grade_a, grade_b = Grade.objects.get(rank=1), Grade.objects.filter(rank=2).first()
    assert grade_b is not None  # the seeded grades: a lower one exists
    world.p_de.grade = grade_a
    world.p_de.save()
    violations_detect(period="2020Q1")
    return traded


def _violation(identity: str) -> Violation:
    return Violation.objects.get(identity=identity)


def test_confirming_imposes_each_penalty_on_its_target(detected: Any, world: World) -> None:
    director, manager = world.users["director"], world.users["manager"]
    violation = violation_investigate(
        violation=_violation(INTO_US), assignee=manager, due_date=date(2020, 5, 1), actor=director
    )
    assert (violation.status, violation.assignee, violation.due_date) == (
        ViolationStatus.INVESTIGATING,
        manager,
        date(2020, 5, 1),
    )
    orders = [
        PenaltyOrder(PenaltyKind.WARNING),
        PenaltyOrder(PenaltyKind.FINE, Decimal("500")),
        PenaltyOrder(PenaltyKind.REBATE_DEDUCTION, Decimal("1200.005")),
        PenaltyOrder(PenaltyKind.GRADE_DOWNGRADE),
        PenaltyOrder(PenaltyKind.SUSPENSION),
    ]
    violation = violation_confirm(
        violation=violation, penalties=orders, note="Invoice D2 proves it", actor=manager
    )
    assert violation.status == ViolationStatus.CONFIRMED and violation.decided_by == manager
    assert violation.confirmed_at is not None and violation.decision_note == "Invoice D2 proves it"
    penalties = {p.kind: p for p in Penalty.objects.filter(violation=violation)}
    assert {k: (p.amount, p.period, p.status) for k, p in penalties.items()} == {
        "warning": (None, "", PenaltyStatus.APPLIED),
        "fine": (Decimal("500.00"), "", PenaltyStatus.APPLIED),
        # the deduction the rebate settlement of the violation's quarter reads
        "rebate_deduction": (Decimal("1200.01"), "2020Q1", PenaltyStatus.APPLIED),
        "grade_downgrade": (None, "", PenaltyStatus.PROPOSED),
        "suspension": (None, "", PenaltyStatus.PROPOSED),
    }
    # the downgrade is a grade proposal, one rank lower, which the review leaves alone
    proposal = penalties["grade_downgrade"].grade_proposal
    assert proposal is not None and proposal.origin == ProposalOrigin.VIOLATION
    assert (proposal.from_grade.rank, proposal.to_grade.rank) == (1, 2)
    assert grade_proposals_supersede() == 0
    # a manager proposes; only the director decides
    with pytest.raises(PermissionDenied):
        penalty_decide(penalty=penalties["suspension"], approve=True, actor=manager)
    penalty_decide(penalty=penalties["suspension"], approve=True, actor=director, note="agreed")
    world.p_de.refresh_from_db()
    assert world.p_de.status == "suspended"
    grade_proposal_decide(proposal=proposal, approve=True, actor=director)
    world.p_de.refresh_from_db()
    assert world.p_de.grade.rank == 2
    downgrade = Penalty.objects.get(pk=penalties["grade_downgrade"].pk)
    assert (downgrade.status, downgrade.decided_by) == (PenaltyStatus.APPROVED, director)
    # audited: who moved it, step by step
    steps = [(h.status, h.history_user) for h in violation.history.order_by("history_date")]
    assert steps[-2:] == [
        (ViolationStatus.INVESTIGATING, director),
        (ViolationStatus.CONFIRMED, manager),
    ]
    closed = violation_close(violation=violation, note="paid", actor=director)
    assert closed.status == ViolationStatus.CLOSED
    assert closed.decision_note == "Invoice D2 proves it\npaid"


@pytest.mark.parametrize(
    ("orders", "message"),
    [
        ([PenaltyOrder(PenaltyKind.FINE)], "needs an amount above 0"),
        ([PenaltyOrder(PenaltyKind.FINE, Decimal("-1"))], "needs an amount above 0"),
        ([PenaltyOrder(PenaltyKind.WARNING, Decimal("5"))], "has no amount"),
        ([PenaltyOrder(PenaltyKind.WARNING)] * 2, "Each kind of penalty once"),
        ([PenaltyOrder("flogging")], "No penalty"),
        ([PenaltyOrder(PenaltyKind.REBATE_DEDUCTION, Decimal(1), "2020Q5")], "2020Q5"),
        # P-US holds no grade: nothing to move it down from
        ([PenaltyOrder(PenaltyKind.GRADE_DOWNGRADE)], "no lower grade"),
    ],
)
def test_a_bad_penalty_confirms_nothing(
    detected: Any, world: World, orders: list[PenaltyOrder], message: str
) -> None:
    violation = _violation(P_US_FLOOR)
    before = violation.history.count()
    with pytest.raises(ValidationError, match=message):
        violation_confirm(violation=violation, penalties=orders, note="", actor=None)
    violation.refresh_from_db()
    assert violation.status == ViolationStatus.OPEN and violation.history.count() == before
    assert not Penalty.objects.exists() and not GradeProposal.objects.exists()


def test_dismissing_needs_a_reason_and_decided_ones_stay_decided(detected: Any) -> None:
    violation = _violation(P_US_FLOOR)
    with pytest.raises(ValidationError, match="Say why"):
        violation_dismiss(violation=violation, reason="  ", actor=None)
    violation.refresh_from_db()
    assert violation.status == ViolationStatus.OPEN
    violation = violation_dismiss(violation=violation, reason="promotion agreed", actor=None)
    assert (violation.status, violation.decision_note) == ("dismissed", "promotion agreed")
    for move in (
        lambda: violation_confirm(violation=violation, penalties=[], note="", actor=None),
        lambda: violation_investigate(
            violation=violation, assignee=None, due_date=None, actor=None
        ),
        lambda: violation_dismiss(violation=violation, reason="again", actor=None),
    ):
        with pytest.raises(ValidationError, match="already dismissed"):
            move()
    with pytest.raises(ValidationError, match="Only a confirmed or dismissed"):
        violation_close(violation=_violation(INTO_US), note="", actor=None)


def test_withdrawn_evidence_closes_only_undecided_violations(detected: dict[str, Batch]) -> None:
    confirmed = violation_confirm(
        violation=_violation(INTO_US), penalties=[], note="seen", actor=None
    )
    batch_revert(batch=detected["sell_through"])
    violations_detect(period="2020Q1")
    confirmed.refresh_from_db()
    # the decision stands (its evidence gone, as the page says); the undecided ones close
    assert (confirmed.status, confirmed.evidence_count) == (ViolationStatus.CONFIRMED, 0)
    assert _violation("cross_region_sale|P-DE|-|2020Q1").status == ViolationStatus.CLOSED


# Each transition as a role would try it; the manager manages Europe (P-DE), not P-US.
MOVES: dict[str, Callable[[Violation, Any, World], Any]] = {
    "investigate": lambda v, actor, w: violation_investigate(
        violation=v, assignee=w.users["director"], due_date=None, actor=actor
    ),
    "confirm": lambda v, actor, w: violation_confirm(
        violation=v, penalties=[PenaltyOrder(PenaltyKind.WARNING)], note="", actor=actor
    ),
    "dismiss": lambda v, actor, w: violation_dismiss(violation=v, reason="no", actor=actor),
    "comment": lambda v, actor, w: violation_comment_add(violation=v, text="hi", actor=actor),
}
ALLOWED = {
    "director": {"P-DE", "P-US"},
    "manager": {"P-DE"},
    "finance": set(),
    "sales": set(),
    "partner_admin": set(),
    "partner_user": set(),
    "no_role": set(),
}


@pytest.mark.parametrize("move", sorted(MOVES))
@pytest.mark.parametrize("role", sorted(ALLOWED))
def test_every_role_against_every_transition(
    detected: Any, world: World, role: str, move: str
) -> None:
    actor = world.users[role]
    for identity, partner in ((INTO_US, "P-DE"), (P_US_FLOOR, "P-US")):
        violation = _violation(identity)
        before = (
            violation.status,
            violation.history.count(),
            Penalty.objects.count(),
            violation.comments.count(),
        )
        # the offender's own users may answer (an appeal), never move the case
        allowed = partner in ALLOWED[role] or (
            move == "comment" and role.startswith("partner") and partner == "P-DE"
        )
        if allowed:
            MOVES[move](violation, actor, world)
            continue
        with pytest.raises(PermissionDenied):
            MOVES[move](violation, actor, world)
        violation.refresh_from_db()
        after = (
            violation.status,
            violation.history.count(),
            Penalty.objects.count(),
            violation.comments.count(),
        )
        assert after == before


def test_the_offender_appeals_and_the_injured_partner_sees_only_that_a_case_exists(
    detected: Any, world: World
) -> None:
    director, offender = world.users["director"], world.users["partner_user"]
    violation = _violation(INTO_US)
    violation_comment_add(violation=violation, text="Our customer moved", actor=director)
    violation_comment_add(
        violation=violation, text="check their other invoices", actor=director, internal=True
    )
    appeal = violation_comment_add(
        violation=violation,
        text="申诉：客户已搬迁",
        actor=offender,
        internal=True,  # a partner cannot hide its comment from the brand
        attachment=SimpleUploadedFile("../../lease.pdf", b"%PDF-1.4 lease"),
    )
    assert appeal.appeal and not appeal.internal and appeal.attachment_name == "lease.pdf"
    # a name with a NUL or a lone surrogate (unstorable on PostgreSQL) is made storable
    odd = violation_comment_add(
        violation=violation,
        text="scan",
        actor=offender,
        attachment=SimpleUploadedFile("sc\x00an\udcff.pdf", b"%PDF"),
    )
    assert odd.attachment_name == "scan?.pdf"  # the NUL dropped, the lone surrogate replaced
    assert appeal.attachment.read() == b"%PDF-1.4 lease"
    texts = lambda user: [c.text for c in violation_comments(violation=violation, user=user)]  # noqa: E731
    assert texts(offender) == ["Our customer moved", "申诉：客户已搬迁", "scan"]
    assert len(texts(director)) == 4 and len(texts(world.users["finance"])) == 4
    # the offender sees its own violations only; the injured party sees that a case exists
    assert {v.partner.code for v in violation_list(user=offender)} == {"P-DE"}
    injured = make_user("us_clerk", "partner_user", partner=world.p_us)
    cases = violation_cases_in_my_territory(user=injured)
    assert [(c["type"], c["period"], c["status"]) for c in cases] == [
        ("cross_region_sale", "2020Q1", "open"),
        ("cross_region_ship", "2020Q1", "open"),
    ]
    assert all(set(c) == {"type", "period", "status"} for c in cases)  # not who did it
    assert violation_cases_in_my_territory(user=offender) == []
    assert violation_comments(violation=violation, user=injured) == []


@pytest.mark.parametrize(
    ("name", "size", "message"),
    [
        ("macro.xlsm", 10, "attach"),
        ("page.html", 10, "attach"),
        ("scan.pdf", 10 * 1024 * 1024 + 1, "larger than 10 MB"),
    ],
)
def test_an_attachment_of_the_wrong_kind_or_too_large_saves_nothing(
    detected: Any, world: World, name: str, size: int, message: str
) -> None:
    upload = SimpleUploadedFile(name, b"x" * size)
    with pytest.raises(ValidationError, match=message):
        violation_comment_add(
            violation=_violation(INTO_US),
            text="see file",
            actor=world.users["director"],
            attachment=upload,
        )
    assert not ViolationComment.objects.exists()


def test_confirmed_violations_feed_the_at_risk_rule(detected: Any, world: World) -> None:
    violation_confirm(violation=_violation(INTO_US), penalties=[], note="", actor=None)
    violation_dismiss(violation=_violation(P_US_FLOOR), reason="no", actor=None)
    review_run(period="2020Q1")
    history = rule_history(Period.parse("2020Q1"), 1).to_pylist()
    counted = {(r["partner"], r["period"]): r["violations_confirmed"] for r in history}
    # the confirmed one counts; the dismissed and the open ones do not
    assert counted[(world.p_de.pk, "2020Q1")] == 1
    assert counted[(world.p_us.pk, "2020Q1")] == 0
    flagged = RiskFlag.objects.filter(rule="violations_confirmed", status=FlagStatus.OPEN)
    assert {f.partner.code for f in flagged} == {"P-DE"}
