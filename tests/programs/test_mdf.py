"""Market development funds: requests, approvals that never overspend a fund (also when
two race on real connections), claims with proof, payment, ROI; expense claims."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection

from qudao.partners.seeds import reference_data_ensure
from qudao.programs.models import ExpenseClaim, Fund, MdfRequest
from qudao.programs.selectors import mdf_roi
from qudao.programs.services import (
    expense_claim_decide,
    expense_claim_pay,
    expense_claim_submit,
    fund_create,
    mdf_claim_decide,
    mdf_claim_pay,
    mdf_claim_submit,
    mdf_request_decide,
    mdf_request_submit,
)
from tests.conftest import World, build_world
from tests.programs.conftest import sale

D = Decimal


def _fund(amount: str = "10000") -> Fund:
    return fund_create(code="MDF-2020Q1", name_en="Q1 MDF", period="2020Q1", amount=D(amount))


def _ask(world: World, fund: Fund, budget: str, *, actor=None, partner=None) -> MdfRequest:  # type: ignore[no-untyped-def]
    return mdf_request_submit(
        partner=partner or world.p_de,
        fund=fund,
        activity="Spring ride",
        plan="A test-ride weekend with 40 riders",
        budget=D(budget),
        starts_on=date(2020, 3, 1),
        ends_on=date(2020, 3, 2),
        actor=actor,
    )


def _photo() -> SimpleUploadedFile:
    return SimpleUploadedFile("ride.jpg", b"\xff\xd8\xff jpeg bytes")


@pytest.mark.django_db
def test_request_approve_claim_pay_and_the_fund_moves(world: World) -> None:
    fund = _fund()
    request = _ask(world, fund, "4000", actor=world.users["partner_admin"])
    mdf_request_decide(request=request, approve=True, amount=D(3000), actor=world.users["manager"])
    fund.refresh_from_db()
    assert (fund.committed, fund.remaining) == (D(3000), D(7000))
    claim = mdf_claim_submit(
        request=request, amount=D(2500), description="Done: 38 riders", proofs=[_photo()],
        actor=world.users["partner_admin"],
    )  # fmt: skip
    assert claim.proofs.get().name == "ride.jpg"
    mdf_claim_decide(claim=claim, approve=True, actor=world.users["finance"])
    mdf_claim_pay(claim=claim, actor=world.users["finance"])
    fund.refresh_from_db()
    # the 500 approved but not claimed goes back to the fund
    assert (fund.committed, fund.paid, fund.remaining) == (D(0), D(2500), D(7500))
    request.refresh_from_db()
    assert request.status == "paid"


@pytest.mark.django_db
def test_a_fund_is_never_overspent(world: World) -> None:
    fund = _fund("5000")
    first, second = _ask(world, fund, "4000"), _ask(world, fund, "2000")
    mdf_request_decide(request=first, approve=True)
    with pytest.raises(ValidationError, match="1000.00 left"):
        mdf_request_decide(request=second, approve=True)
    mdf_request_decide(request=second, approve=True, amount=D(1000))  # what is left: fine
    fund.refresh_from_db()
    assert fund.remaining == 0


@pytest.mark.django_db
def test_who_may_ask_and_decide(world: World) -> None:
    fund = _fund()
    with pytest.raises(PermissionDenied):
        _ask(world, fund, "100", actor=world.users["partner_user"])  # a partner's admin asks
    with pytest.raises(PermissionDenied):
        _ask(world, fund, "100", actor=world.users["partner_admin"], partner=world.p_us)
    with pytest.raises(PermissionDenied):
        _ask(world, fund, "100", actor=world.users["manager"], partner=world.p_us)  # not theirs
    request = _ask(world, fund, "100", actor=world.users["partner_admin"])
    for role in ("finance", "sales", "partner_admin"):
        with pytest.raises(PermissionDenied):
            mdf_request_decide(request=request, approve=True, actor=world.users[role])
    request.refresh_from_db()
    fund.refresh_from_db()
    assert request.status == "submitted" and fund.committed == 0
    with pytest.raises(ValidationError, match="proof"):
        mdf_request_decide(request=request, approve=True, actor=world.users["director"])
        mdf_claim_submit(request=request, amount=D(50), description="x", proofs=[])


@pytest.mark.django_db
def test_a_request_outside_the_fund_period_or_model_is_refused(world: World) -> None:
    fund = _fund()
    with pytest.raises(ValidationError, match="period"):
        mdf_request_submit(
            partner=world.p_de, fund=fund, activity="Late", plan="x", budget=D(1),
            starts_on=date(2020, 3, 30), ends_on=date(2020, 4, 2),
        )  # fmt: skip


@pytest.mark.django_db
def test_roi_follows_the_written_attribution_rule(world: World, load_lines) -> None:
    """Attributed revenue: sell-in from the activity's first day to 30 days after its last,
    less the same number of days just before it. ROI = (attributed − spend) ÷ spend."""
    fund = _fund()
    request = _ask(world, fund, "1000")  # 1–2 March: the window is 1 March – 1 April (32 days)
    load_lines(
        sale("2020-01-30", "B1", 2000),  # 32 days before: 29 Jan – 29 Feb
        sale("2020-03-10", "A1", 6000),
        sale("2020-04-01", "A2", 1000),
        sale("2020-04-02", "A3", 9999),  # after the window
    )
    mdf_request_decide(request=request, approve=True)
    claim = mdf_claim_submit(request=request, amount=D(1000), description="x", proofs=[_photo()])
    mdf_claim_decide(claim=claim, approve=True)
    mdf_claim_pay(claim=claim)
    roi = mdf_roi(MdfRequest.objects.get(pk=request.pk))
    assert (roi.during, roi.before, roi.attributed, roi.spend) == (
        D(7000),
        D(2000),
        D(5000),
        D(1000),
    )
    assert roi.roi == D(4)  # (5,000 − 1,000) ÷ 1,000


@pytest.mark.django_db
def test_expense_claims_are_staff_only_and_never_self_approved(world: World) -> None:
    with pytest.raises(PermissionDenied):
        expense_claim_submit(
            category="travel", spent_on=date(2020, 3, 1), amount=D(300), description="Train",
            actor=world.users["partner_admin"],
        )  # fmt: skip
    claim = expense_claim_submit(
        category="travel", spent_on=date(2020, 3, 1), amount=D(300), description="Train to Berlin",
        partner=world.p_de, receipt=SimpleUploadedFile("ticket.pdf", b"%PDF-1.4"),
        actor=world.users["finance"],
    )  # fmt: skip
    with pytest.raises(PermissionDenied):
        expense_claim_decide(claim=claim, approve=True, actor=world.users["finance"])
    with pytest.raises(PermissionDenied):
        expense_claim_decide(claim=claim, approve=True, actor=world.users["manager"])
    expense_claim_decide(claim=claim, approve=True, actor=world.users["director"])
    expense_claim_pay(claim=claim, actor=world.users["director"])
    assert ExpenseClaim.objects.get().status == "paid"


@pytest.mark.django_db(transaction=True)
def test_two_approvals_racing_on_real_connections_never_overspend() -> None:
    """Two reviewers approve two requests at the same moment, each on its own database
    connection; the fund holds only one. One wins; the other is refused (PostgreSQL: it
    waits for the lock, then finds too little left; SQLite: the write lock refuses it or
    makes it wait, the same)."""
    reference_data_ensure()  # a transactional test before this one flushed the seeds
    world = build_world()
    fund = _fund("5000")
    requests = [_ask(world, fund, "4000"), _ask(world, fund, "4000")]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def approve(request: MdfRequest) -> None:
        try:
            barrier.wait()
            mdf_request_decide(request=request, approve=True, actor=world.users["director"])
            outcomes.append("approved")
        except (ValidationError, DatabaseError) as exc:
            outcomes.append(type(exc).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(r,)) for r in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    fund.refresh_from_db()
    assert len(outcomes) == 2 and outcomes.count("approved") == 1, outcomes
    assert fund.committed == D(4000) and fund.remaining == D(1000)
    assert MdfRequest.objects.filter(status="approved").count() == 1


@pytest.mark.django_db
def test_the_mdf_pages_from_request_to_payment(world: World) -> None:
    from django.test import Client
    from django.urls import reverse

    fund = _fund("5000")
    partner = Client()
    partner.force_login(world.users["partner_admin"])
    partner.cookies["django_language"] = "zh-hans"
    form = {
        "partner": world.p_de.pk, "fund": fund.pk, "activity": "试骑活动", "plan": "周末试骑",
        "budget": "9000", "starts_on": "2020-03-01", "ends_on": "2020-03-02",
    }  # fmt: skip
    response = partner.post(reverse("programs:mdf_add"), form)
    request = MdfRequest.objects.get()
    assert response.status_code == 302 and request.status == "submitted"
    manager = Client()
    manager.force_login(world.users["manager"])
    page = manager.post(reverse("programs:mdf_request", args=[request.pk]), {"action": "approve"})
    assert page.status_code == 200 and "5000.00" in page.content.decode()  # what is left
    request.refresh_from_db()
    assert request.status == "submitted"  # 9,000 asked from a 5,000 fund: refused, said so
    manager.post(
        reverse("programs:mdf_request", args=[request.pk]), {"action": "approve", "amount": "4000"}
    )
    request.refresh_from_db()
    assert (request.status, request.approved_amount) == ("approved", D(4000))
    partner.post(
        reverse("programs:mdf_request", args=[request.pk]),
        {
            "action": "claim",
            "amount": "3800",
            "description": "38 位骑手",
            "proofs": [_photo(), SimpleUploadedFile("list.pdf", b"%PDF")],
        },
    )
    claim = request.claims.get()
    assert claim.proofs.count() == 2
    proof = claim.proofs.first()
    download = partner.get(reverse("programs:mdf_proof", args=[request.pk, proof.pk]))
    assert download.status_code == 200
    finance = Client()
    finance.force_login(world.users["finance"])
    finance.post(
        reverse("programs:mdf_request", args=[request.pk]),
        {"action": "approve_claim", "claim": claim.pk},
    )
    finance.post(
        reverse("programs:mdf_request", args=[request.pk]),
        {"action": "pay_claim", "claim": claim.pk},
    )
    fund.refresh_from_db()
    assert (fund.committed, fund.paid) == (D(0), D(3800))
    page = partner.get(reverse("programs:mdf_request", args=[request.pk])).content.decode()
    assert "已支付" in page or "Paid" in page
    other = Client()
    other.force_login(build_partner_user_elsewhere(world))
    assert other.get(reverse("programs:mdf_request", args=[request.pk])).status_code == 404
    assert other.get(reverse("programs:mdf_proof", args=[request.pk, proof.pk])).status_code == 404


def build_partner_user_elsewhere(world: World):  # type: ignore[no-untyped-def]
    from tests.factories import make_user

    return make_user("us_admin", "partner_admin", partner=world.p_us)
