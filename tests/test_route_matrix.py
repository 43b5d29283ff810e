"""The access matrix, derived from the routes: every page and API operation × every role ×
every method, with the status each role must get — and, for a refused write, proof that
nothing changed (every table, every file under QUDAO_HOME).

The routes come from the URL configuration and the OpenAPI document, not from this file:
a route added without an entry here fails ``test_every_route_has_an_entry``.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, TestCase, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from qudao.analytics.models import GradeProposal, ReviewRun
from qudao.api import api
from qudao.catalog.models import Category
from qudao.collaboration.models import (
    Activity,
    Competitor,
    CompetitorNote,
    Course,
    Enrolment,
    FollowUp,
    TrainingRequirement,
    TrainingSession,
)
from qudao.collaboration.services import (
    activity_create,
    competitor_create,
    competitor_note_create,
    course_create,
    enrolment_create,
    follow_up_add,
    session_create,
)
from qudao.core.models import User
from qudao.core.services import api_token_create
from qudao.deals.models import DealRegistration, DirectAccount
from qudao.deals.services import deal_approve, deal_registration_create, direct_account_create
from qudao.facts.models import Batch, MasterImport, SavedMapping
from qudao.facts.services import fact_import, master_import_check
from qudao.feedback.models import Feedback
from qudao.feedback.services import feedback_route, feedback_submit
from qudao.governance.models import (
    Complaint,
    ComplianceItem,
    ImprovementPlan,
    RiskAlert,
    RiskFlag,
    Violation,
    ViolationComment,
)
from qudao.governance.services import (
    complaint_create,
    compliance_item_create,
    plan_create,
    violation_comment_add,
)
from qudao.marketing.models import Campaign
from qudao.marketing.services import campaign_create
from qudao.notifications.models import Notification, Webhook
from qudao.notifications.services import webhook_create
from qudao.partners.models import Agreement, ChannelModel, Contact, Grade, PartnerTerritory
from qudao.partners.services import (
    agreement_create,
    contact_create,
    partner_territory_create,
)
from qudao.programs.models import (
    ExpenseClaim,
    Fund,
    MdfRequest,
    ProgramVersion,
    Settlement,
    SettlementJob,
    Statement,
)
from qudao.programs.services import (
    expense_claim_submit,
    fund_create,
    mdf_claim_submit,
    mdf_request_decide,
    mdf_request_submit,
    program_load,
    rebates_settle,
)
from qudao.recruitment.models import Applicant, ApplicantDocument, Pilot
from qudao.recruitment.services import (
    applicant_create,
    applicant_document_add,
    applicant_move,
    entry_model_defaults,
    pilot_create,
)
from qudao.supply.models import SupplyAlert, SupplyCheck, SupplyThreshold
from tests.conftest import World, build_world
from tests.factories import CategoryFactory, make_user

ROLES = (
    "admin",
    "director",
    "manager",
    "finance",
    "sales",
    "partner_admin",
    "partner_user",
    "no_role",
    "anonymous",
)
WRITES = ("POST", "PUT", "PATCH", "DELETE")
LOGIN = "login"  # a page sends an anonymous visitor to the sign-in page


def expect(default: int | str, **by_role: int | str) -> dict[str, int | str]:
    """Status per role: ``default`` unless named. The administrator (a superuser) defaults
    to what the director gets; an anonymous visitor is sent to sign in (set per kind)."""
    unknown = set(by_role) - set(ROLES)
    assert not unknown, unknown
    table = {role: by_role.get(role, default) for role in ROLES}
    if "admin" not in by_role:
        table["admin"] = table["director"]
    return table


def signed_in(status: int) -> dict[str, int | str]:
    return expect(status, anonymous=LOGIN)


def partners_blind(status: int) -> dict[str, int | str]:
    """The brand's internal pages: partners' staff get 404 (they do not exist for them)."""
    return expect(status, partner_admin=404, partner_user=404, anonymous=LOGIN)


def scope_of_de(status: int) -> dict[str, int | str]:
    """Something of P-DE: everyone who sees P-DE (not a user without a role)."""
    return expect(status, no_role=404, anonymous=LOGIN)


def editors(status: int, *, others: int, roles: tuple[str, ...] = ("director", "manager")) -> Any:
    return expect(others, anonymous=LOGIN, **dict.fromkeys(roles, status))


# --- the scene --------------------------------------------------------------------------------


@dataclass
class Scene:
    world: World
    contact: Contact
    territory: PartnerTerritory
    batch_de: Batch
    batch_us: Batch
    mapping: SavedMapping
    run: ReviewRun
    proposal: GradeProposal
    plan: ImprovementPlan
    flag: RiskFlag
    violation: Violation
    violation_us: Violation
    comment: ViolationComment
    complaint: Complaint
    complaint_us: Complaint
    item: ComplianceItem
    item_us: ComplianceItem
    alert: RiskAlert
    program: ProgramVersion
    settlement: Settlement
    settle_job: SettlementJob
    statement: Statement
    statement_us: Statement
    fund: Fund
    mdf: MdfRequest
    mdf_us: MdfRequest
    expense: ExpenseClaim
    token: Any
    master: MasterImport
    applicant: Applicant
    applicant_us: Applicant
    document: ApplicantDocument
    agreement: Agreement
    agreement_us: Agreement
    activity: Activity
    activity_us: Activity
    follow_up: FollowUp
    course: Course
    session: TrainingSession
    enrolment: Enrolment
    trainee: Contact
    requirement: TrainingRequirement
    competitor: Competitor
    note: CompetitorNote
    pilot: Pilot
    account: DirectAccount
    deal: DealRegistration
    deal_approved: DealRegistration
    deal_us: DealRegistration
    notification: Notification
    webhook: Webhook
    feedback: Feedback
    feedback_routed: Feedback
    supply_alert: SupplyAlert
    supply_alert_us: SupplyAlert
    supply_check: SupplyCheck
    supply_threshold: SupplyThreshold
    category_spare: Category
    campaign: Campaign
    campaign_us: Campaign
    users: dict[str, Any] = field(default_factory=dict)


def _import(world: World, partner_code: str, tmp: Path) -> Batch:
    path = tmp / f"stock-{partner_code}.csv"
    path.write_text(
        "snapshot_date,partner,product,quantity_on_hand\n"
        f"2020-01-31,{partner_code},BIKE-1,5\n2020-01-31,{partner_code},BIKE-1,oops\n",
        encoding="utf-8",
    )
    result = fact_import(fact="inventory", path=path, mode="accept-valid")
    assert result.batch is not None
    return result.batch


@pytest.fixture(scope="module")
def scene_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("matrix-home")


@pytest.fixture(autouse=True)
def _own_qudao_home(settings: Any, scene_home: Path) -> None:
    # Overrides conftest's: the scene's fact store and reports are shared by this module.
    settings.QUDAO_HOME = scene_home


@pytest.fixture(scope="module")
def scene(django_db_setup: Any, django_db_blocker: Any, scene_home: Path) -> Iterator[Scene]:
    """Built once for the module, in a transaction rolled back at its end; each test runs
    in a savepoint inside it (pytest-django's ``db``), each attempt in one more."""
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        override_settings(QUDAO_HOME=scene_home, PASSWORD_HASHERS=fast),
        transaction.atomic(),
    ):
        yield _build_scene(scene_home)
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _in_a_savepoint(db: Any) -> None:
    """Every test of the module gets pytest-django's per-test transaction."""


def _build_scene(tmp: Path) -> Scene:
    from qudao.analytics.services import review_run

    world = build_world()
    users = dict(world.users)
    users["admin"] = make_user("admin", None, is_staff=True, is_superuser=True)
    grade_a, _ = Grade.objects.get_or_create(code="A", defaults={"name_en": "A", "rank": 1})
    grade_b, _ = Grade.objects.get_or_create(code="B", defaults={"name_en": "B", "rank": 2})
    batch_de, batch_us = _import(world, "P-DE", tmp), _import(world, "P-US", tmp)
    run = review_run(period="2020Q1")  # after the imports: a re-run reads the same batches
    violation = Violation.objects.create(
        identity="cross_region_sale|P-DE|-|2020Q1",
        type="cross_region_sale",
        partner=world.p_de,
        period="2020Q1",
        quantity=2,
        value=180,
        evidence_count=1,
    )
    violation_us = Violation.objects.create(
        identity="below_floor|P-US|-|2020Q1",
        type="below_floor",
        partner=world.p_us,
        period="2020Q1",
        quantity=1,
        value=20,
        evidence_count=1,
    )
    comment = violation_comment_add(
        violation=violation,
        text="Invoice attached",
        actor=users["director"],
        attachment=SimpleUploadedFile("invoice.pdf", b"%PDF-1.4 invoice"),
    )
    complaints = [
        complaint_create(
            partner=partner,
            source="customer",
            received_on=date(2020, 3, 1),
            severity="high",  # an open grave complaint: an alert
            text="Sold a used bike as new",
        )
        for partner in (world.p_de, world.p_us)
    ]
    items = [
        compliance_item_create(
            partner=partner, kind="licence", name="Trade licence", expires_on=date(2031, 1, 1)
        )
        for partner in (world.p_de, world.p_us)
    ]
    program = program_load(text=REBATE_PROGRAM)
    settlement = rebates_settle(period="2020Q1", approve=True)
    fund = fund_create(code="MDF", name_en="MDF", period="2020Q1", amount=Decimal(10000))
    mdf, mdf_us = (
        mdf_request_submit(
            partner=partner,
            fund=fund,
            activity="Test rides",
            plan="A weekend",
            budget=Decimal(1000),
            starts_on=date(2020, 3, 1),
            ends_on=date(2020, 3, 2),
        )
        for partner in (world.p_de, world.p_us)
    )
    mdf_request_decide(request=mdf, approve=True)
    mdf_claim_submit(
        request=mdf,
        amount=Decimal(900),
        description="Done",
        proofs=[SimpleUploadedFile("ride.jpg", b"jpeg")],
    )
    expense = expense_claim_submit(
        category="travel",
        spent_on=date(2020, 3, 1),
        amount=Decimal(80),
        description="Train",
        actor=users["finance"],
    )
    reseller = ChannelModel.objects.get(code="reseller")
    entry_model_defaults(channel_model=reseller)
    applicant, applicant_us = (
        applicant_create(
            company=company,
            contact_name="Li Wei",
            channel_model=reseller,
            home_region=region,
            sponsor=sponsor,
        )
        for company, region, sponsor in (
            ("Spree Rad", world.berlin, world.p_de),
            ("Texas Wheels", world.us, None),
        )
    )
    for stage in ("screening", "due_diligence"):
        applicant_move(applicant=applicant, stage=stage)
        applicant_move(applicant=applicant_us, stage=stage)
    applicant_document_add(
        applicant=applicant, documents=[SimpleUploadedFile("licence.pdf", b"%PDF-1.4 licence")]
    )
    agreement, agreement_us = (
        agreement_create(
            partner=partner,
            number=f"DA-{partner.code}",
            kind="dealer",
            starts_on=date(2020, 1, 1),
            ends_on=date(2030, 12, 31),
            signed_copies=[SimpleUploadedFile("signed.pdf", b"%PDF-1.4 signed")],
        )
        for partner in (world.p_de, world.p_us)
    )
    activity, activity_us = (
        activity_create(
            partner=partner,
            kind="visit",
            subject="Shop visit",
            starts_at=datetime(2026, 11, 2, 10, 0, tzinfo=UTC),
            shared_with_partner=True,
            owner=users["director"],
        )
        for partner in (world.p_de, world.p_us)
    )
    course = course_create(
        code="SE-1",
        name_en="Sales engineer",
        mandatory=True,
        certifies=True,
        materials=[SimpleUploadedFile("slides.pdf", b"%PDF-1.4 slides")],
    )
    session = session_create(
        course=course, starts_at=datetime(2099, 3, 1, 9, 0, tzinfo=UTC), location="Berlin"
    )
    contact = contact_create(partner=world.p_de, name="Wang Li")
    competitor = competitor_create(code="GIANT", name_en="Giant")
    close = date(2099, 6, 30)
    product_owner = make_user("pm", "product")
    make_user("de.clerk", "partner_user", partner=world.p_de)  # a colleague to take away
    feedback = [
        feedback_submit(
            partner=world.p_de,
            product=world.product,
            kind=kind,
            title=title,
            text="Seen in the shop",
            attachments=[SimpleUploadedFile("photo.png", b"\x89PNG")],
        )
        for kind, title in (("defect", "Chain snaps"), ("request", "A blue frame"))
    ]
    feedback_route(feedback=feedback[1], owner=product_owner)
    supply_check = SupplyCheck.objects.create(
        as_of=date(2021, 3, 31), started_at=timezone.now(), trigger="command", counts={}
    )
    supply_alerts = [
        SupplyAlert.objects.create(
            partner=partner,
            category=world.product.category,
            kind="stock_out",
            raised_by=supply_check,
            raised_at=timezone.now(),
            snapshot_date=date(2021, 3, 31),
            on_hand=Decimal(1),
            daily=Decimal(1),
            days_of_supply=Decimal(1),
            threshold_days=14,
            suggested=Decimal(44),
        )
        for partner in (world.p_de, world.p_us)
    ]
    deals = [
        deal_registration_create(
            partner=partner, customer_name=name, value=Decimal("50000"), expected_close=close
        )
        for partner, name in (
            (world.p_de, "FABRIKAM INC"),
            (world.p_de_sub, "Havel Werft GmbH"),
            (world.p_us, "Austin Labs LLC"),
        )
    ]
    return Scene(
        world=world,
        account=direct_account_create(customer_name="Fabrikam, Inc.", owner=users["sales"]),
        deal=deals[0],
        deal_approved=deal_approve(deal=deals[1]),
        deal_us=deals[2],
        notification=Notification.objects.create(
            recipient=users["partner_admin"], event="deal_approved", title="Approved", url="/deals/"
        ),
        feedback=feedback[0],
        feedback_routed=feedback[1],
        supply_alert=supply_alerts[0],
        supply_alert_us=supply_alerts[1],
        supply_check=supply_check,
        category_spare=CategoryFactory(code="SPARE", name_en="Spare parts"),
        supply_threshold=SupplyThreshold.objects.create(
            category=world.product.category, stock_out_days=10, overstock_days=90, cover_days=30
        ),
        campaign=campaign_create(
            code="RIDE",
            name="Test rides",
            fund=fund,
            starts_on=date(2020, 3, 1),
            ends_on=date(2020, 3, 31),
            budget=Decimal(100),
            partners=[world.p_de],
        ),
        campaign_us=campaign_create(
            code="RIDE-US",
            name="Test rides (US)",
            fund=fund,
            starts_on=date(2020, 3, 1),
            ends_on=date(2020, 3, 31),
            budget=Decimal(100),
            partners=[world.p_us],
        ),
        webhook=webhook_create(name="ERP", url="http://127.0.0.1:9/hook", events=["stock_out"]),
        pilot=pilot_create(
            code="P-1",
            name="Shop-in-shop",
            starts_on=date(2020, 1, 1),
            ends_on=date(2020, 6, 30),
            partners=[world.p_de],
        ),
        competitor=competitor,
        note=competitor_note_create(
            competitor=competitor,
            kind="price",
            region=world.berlin,
            partner=world.p_de,
            observed_on=date(2026, 11, 20),
            text="15 % off",
            source="store visit",
        ),
        course=course,
        session=session,
        enrolment=enrolment_create(session=session, contact=contact),
        trainee=contact_create(partner=world.p_de, name="Zhou Min"),
        requirement=TrainingRequirement.objects.create(grade=grade_a, course=course, people=2),
        activity=activity,
        activity_us=activity_us,
        follow_up=follow_up_add(
            activity=activity, task="Send prices", owner=users["director"], due_on=date(2026, 12, 1)
        ),
        agreement=agreement,
        agreement_us=agreement_us,
        applicant=applicant,
        applicant_us=applicant_us,
        document=applicant.documents.get(),
        fund=fund,
        mdf=mdf,
        mdf_us=mdf_us,
        expense=expense,
        token=api_token_create(user=users["director"], name="scene")[0],
        master=master_import_check(
            target="partners",
            uploaded=_partners_file(None)["file"],
            mapping_toml="",
            actor=users["director"],
        ),
        program=program,
        settlement=settlement,
        settle_job=SettlementJob.objects.create(period="2020Q2", started_by=users["finance"]),
        statement=Statement.objects.get(settlement=settlement, partner=world.p_de),
        statement_us=Statement.objects.get(settlement=settlement, partner=world.p_us),
        complaint=complaints[0],
        complaint_us=complaints[1],
        item=items[0],
        item_us=items[1],
        alert=RiskAlert.objects.get(partner=world.p_de, kind="complaint_high"),
        contact=contact,
        territory=partner_territory_create(
            partner=world.p_de, region=world.berlin, valid_from=date(2020, 1, 1)
        ),
        batch_de=batch_de,
        batch_us=batch_us,
        mapping=SavedMapping.objects.create(name="stock", fact="inventory", toml=STOCK_MAPPING),
        run=run,
        proposal=GradeProposal.objects.create(
            partner=world.p_de, period="2020Q1", run=run, from_grade=grade_b, to_grade=grade_a
        ),
        plan=plan_create(
            partner=world.p_de,
            owner=world.users["manager"],
            actions="Visit every month",
            due_date=date(2020, 6, 30),
            follow_up_date=date(2020, 5, 1),
        ),
        flag=RiskFlag.objects.create(partner=world.p_de, period="2020Q1", rule="high_churn"),
        violation=violation,
        violation_us=violation_us,
        comment=comment,
        users=users,
    )


REBATE_PROGRAM = """code = "VOL"
name_en = "Volume"
kind = "retroactive"
base = "sell_in"
settlement = "quarter"
valid_from = 2020-01-01
[enrol]
partners = ["P-DE", "P-US"]
[[tiers]]
from = 0
rate = 0.02
"""


def _program_form(s: Scene) -> dict[str, Any]:
    return {
        "code": "WEB",
        "name_en": "Web",
        "kind": "flat",
        "base": "sell_in",
        "measure": "amount",
        "settlement": "quarter",
        "valid_from": "2020-01-01",
        "rate": "0.01",
    }


def program_editors(status: int) -> dict[str, int | str]:
    """Rebate programs: the channel director defines them; other staff are refused (403),
    partners' users do not see the page (404)."""
    return expect(403, director=status, partner_admin=404, partner_user=404, anonymous=LOGIN)


def settlers(status: int, *, hidden: int = 404) -> dict[str, int | str]:
    """Settlements: finance and the channel director make and approve them."""
    return expect(
        403,
        director=status,
        finance=status,
        partner_admin=404,
        partner_user=404,
        no_role=hidden,
        anonymous=LOGIN,
    )


STOCK_MAPPING = """target = "inventory"
[columns]
snapshot_date = "日期"
partner = "经销商"
product = "产品"
quantity_on_hand = "库存"
"""


# --- the matrix: pages ------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """One page route: its arguments, what GET answers per role, and — if it takes writes —
    a valid form for POST and what POST answers. Undeclared methods are refused."""

    get: dict[str, int | str] | None
    args: Callable[[Scene], list[Any]] = lambda s: []
    query: Callable[[Scene], dict[str, Any]] = lambda s: {}
    post: dict[str, int | str] | None = None
    form: Callable[[Scene], dict[str, Any]] = lambda s: {}


def _partners_file(s: Scene | None) -> dict[str, Any]:
    content = "code,name_en,channel_model,home_region\nP-DE,Berlin Bikes,reseller,BER\n"
    return {"target": "partners", "file": SimpleUploadedFile("p.csv", content.encode())}


def _stock_file(s: Scene) -> dict[str, Any]:
    content = b"snapshot_date,partner,product,quantity_on_hand\n2021-03-31,P-DE,BIKE-1,9\n"
    return {
        "fact": "inventory",
        "mode": "all-or-nothing",
        "mapping": "",
        "file": SimpleUploadedFile("march.csv", content),
    }


def proposers(status: int, **by_role: int) -> dict[str, int | str]:
    """Applicants: the funnel's staff, and a partner's admin for those it proposes."""
    others = by_role.pop("others", 403)
    return expect(
        others,
        director=status,
        manager=status,
        partner_admin=status,
        anonymous=LOGIN,
        **{"partner_user": 404, **by_role},
    )


def watchers(status: int, *, others: int) -> dict[str, int | str]:
    """The brand's market intelligence: the director, managers and sales record it."""
    return expect(others, director=status, manager=status, sales=status, anonymous=LOGIN)


def _competitor_note(s: Scene) -> dict[str, Any]:
    return {
        "competitor": s.competitor.pk,
        "kind": "promotion",
        "region": s.world.berlin.pk,
        "observed_on": "2026-11-21",
        "text": "Free helmet with every bike",
        "source": "partner",
    }


def funnel_staff(status: int) -> dict[str, int | str]:
    """The funnel's own moves: director and managers; finance and sales see but may not
    (403); partners' staff and a user without a role do not see them (404)."""
    return expect(
        403,
        director=status,
        manager=status,
        partner_admin=404,
        partner_user=404,
        no_role=404,
        anonymous=LOGIN,
    )


def inviters(status: int) -> dict[str, int | str]:
    """Who gives a partner's people a sign-in: the channel team, and the partner's admin;
    finance and sales may not (403); the partner's plain users get 404."""
    return expect(
        403,
        director=status,
        manager=status,
        partner_admin=status,
        partner_user=404,
        no_role=404,
        anonymous=LOGIN,
    )


def feedback_writers(status: int, *, others: int) -> dict[str, int | str]:
    """Product feedback: the channel team, sales and partners' staff submit it."""
    return expect(status, finance=others, no_role=others, anonymous=LOGIN)


# who uploads fact files (a partner's admin its own flow and stock) and keeps contacts
UPLOADERS = ("director", "manager", "partner_admin")


def director_only(status: int, *, others: int) -> dict[str, int | str]:
    """The brand's integrations (webhooks hold secrets): the director alone."""
    return expect(others, director=status, anonymous=LOGIN)


def registrars(status: int, *, others: int) -> dict[str, int | str]:
    """Deal registrations: the channel team, and a partner's admin for its own tree."""
    return expect(others, director=status, manager=status, partner_admin=status, anonymous=LOGIN)


def account_keepers(status: int, *, others: int) -> dict[str, int | str]:
    """The direct-sales accounts: sales keeps them, with the director."""
    return expect(others, director=status, sales=status, anonymous=LOGIN)


def _application(s: Scene, *, trap: bool = True) -> dict[str, Any]:
    form = {
        "company": "Havel Bikes",
        "contact_name": "Anna",
        "contact_email": "anna@example.com",
        "channel_model": s.applicant.channel_model_id,
        "home_region": s.world.berlin.pk,
        "team_size": "9",
    }
    # the trap for the public form; the brand's own assessment for its staff
    return {**form, "website": ""} if trap else {**form, "credit_check": "unknown"}


def _thresholds() -> dict[str, Any]:
    from qudao.recruitment.scoring import DEFAULT_CRITERIA, format_bands

    form: dict[str, Any] = {"pass_score": "55", "knock_out_failed_credit": "on"}
    for c in DEFAULT_CRITERIA:
        form[f"{c['measure']}_weight"] = c["weight"]
        form[f"{c['measure']}_bands"] = format_bands(c["bands"])
        form[f"{c['measure']}_minimum"] = c["minimum"] or ""
    return form


NO_GET = None
PAGES: dict[str, Page] = {
    "home": Page(get=signed_in(200)),
    "login": Page(
        get=expect(200),
        post=expect(200),  # a wrong password: the form again, with the reason
        form=lambda s: {"username": "director", "password": "not-it"},
    ),
    "logout": Page(get=expect(405), post=expect(302)),
    "api_tokens": Page(
        get=signed_in(200),
        post=signed_in(200),  # the page again, with the new key shown once
        form=lambda s: {"name": "ERP", "read_only": "on", "days": "30"},
    ),
    "api_token_revoke": Page(
        get=expect(405, anonymous=LOGIN),
        args=lambda s: [s.token.pk],
        # the director's token: nobody else's to revoke (it does not exist for them)
        post=expect(404, director=302, admin=404, anonymous=LOGIN),
    ),
    "password_change": Page(
        get=signed_in(200),
        post=signed_in(200),  # the old password is wrong: the form again
        form=lambda s: {
            "old_password": "wrong",
            "new_password1": "Kf8#pq2!zz",
            "new_password2": "Kf8#pq2!zz",
        },
    ),
    "password_change_done": Page(get=signed_in(200)),
    # No mail server in the tests: the reset page says to ask an administrator, links are 404
    # (tests/core/test_password_reset.py covers the mailed link).
    "password_reset": Page(
        get=expect(200), post=expect(200), form=lambda s: {"email": "director@example.com"}
    ),
    "password_reset_done": Page(get=expect(200)),
    "password_reset_confirm": Page(
        get=expect(404),
        args=lambda s: ["MQ", "set-password"],
        post=expect(404),
        form=lambda s: {"new_password1": "Lotus-river-88", "new_password2": "Lotus-river-88"},
    ),
    "password_reset_complete": Page(get=expect(200)),
    "set_language": Page(get=expect(405), post=expect(302), form=lambda s: {"language": "zh-hans"}),
    # partners
    "partners:partner_list": Page(get=signed_in(200)),
    "partners:partner_add": Page(
        get=editors(200, others=403),
        post=editors(302, others=403),
        form=lambda s: {
            "code": "NEW-1",
            "name_en": "New Bikes",
            "channel_model": s.world.p_de.channel_model_id,
            "home_region": s.world.de.pk,
            "status": "prospect",
            "credit_limit": "0",
        },
    ),
    "partners:partner_detail": Page(get=scope_of_de(200), args=lambda s: [s.world.p_de.pk]),
    "partners:partner_edit": Page(
        get=editors(200, others=404),
        args=lambda s: [s.world.p_de.pk],
        post=editors(302, others=404),
        form=lambda s: {
            "code": "P-DE",
            "name_en": "Renamed",
            "channel_model": s.world.p_de.channel_model_id,
            "home_region": s.world.berlin.pk,
            "status": s.world.p_de.status,
            "credit_limit": "5000",
        },
    ),
    "partners:partner_status": Page(
        get=editors(405, others=405),
        args=lambda s: [s.world.p_de.pk],
        post=editors(302, others=404),
        form=lambda s: {"status": "probation"},
    ),
    # a partner's admin keeps its own contacts
    "partners:contact_add": Page(
        get=editors(200, others=404, roles=UPLOADERS),
        args=lambda s: [s.world.p_de.pk],
        post=editors(302, others=404, roles=UPLOADERS),
        form=lambda s: {"name": "Zhao Min"},
    ),
    "partners:contact_edit": Page(
        get=editors(200, others=404, roles=UPLOADERS),
        args=lambda s: [s.contact.pk],
        post=editors(302, others=404, roles=UPLOADERS),
        form=lambda s: {"name": "Wang Li II"},
    ),
    "partners:territory_add": Page(
        get=editors(200, others=404),
        args=lambda s: [s.world.p_de.pk],
        post=editors(302, others=404),
        form=lambda s: {"region": s.world.de.pk, "valid_from": "2021-01-01"},
    ),
    "partners:territory_edit": Page(
        get=editors(200, others=404),
        args=lambda s: [s.territory.pk],
        post=editors(302, others=404),
        form=lambda s: {"region": s.world.berlin.pk, "valid_from": "2019-01-01"},
    ),
    "partners:target_list": Page(get=signed_in(200)),
    "partners:target_add": Page(
        get=editors(200, others=403),
        post=editors(302, others=403),
        form=lambda s: {"partner": s.world.p_de.pk, "period": "2023Q1", "amount": "100"},
    ),
    "partners:target_edit": Page(
        get=editors(200, others=404),
        args=lambda s: [s.world.target_de.pk],
        post=editors(302, others=404),
        form=lambda s: {"partner": s.world.p_de.pk, "period": "2024Q1", "amount": "77"},
    ),
    # regions
    "territories:region_list": Page(get=signed_in(200)),
    "territories:segment_list": Page(get=signed_in(200)),
    "territories:region_add": Page(
        get=editors(200, others=403, roles=("director",)),
        post=editors(302, others=403, roles=("director",)),
        form=lambda s: {"code": "FR", "name_en": "France", "kind": "country"},
    ),
    "territories:region_detail": Page(get=scope_of_de(200), args=lambda s: [s.world.de.pk]),
    "territories:region_edit": Page(
        get=editors(200, others=404, roles=("director",)),
        args=lambda s: [s.world.de.pk],
        post=editors(302, others=404, roles=("director",)),
        form=lambda s: {
            "code": "DE",
            "name_en": "Deutschland",
            "kind": "country",
            "parent": s.world.eu.pk,
        },
    ),
    # products and prices
    "catalog:product_list": Page(get=signed_in(200)),
    "catalog:product_add": Page(
        get=editors(200, others=403, roles=("director",)),
        post=editors(302, others=403, roles=("director",)),
        form=lambda s: {"code": "BIKE-9", "name_en": "Gravel", "unit": "pcs", "is_active": "on"},
    ),
    "catalog:product_detail": Page(get=scope_of_de(200), args=lambda s: [s.world.product.pk]),
    "catalog:product_edit": Page(
        get=editors(200, others=404, roles=("director",)),
        args=lambda s: [s.world.product.pk],
        post=editors(302, others=404, roles=("director",)),
        form=lambda s: {"code": "BIKE-1", "name_en": "Road Bike 2", "unit": "pcs"},
    ),
    "catalog:price_list": Page(get=signed_in(200)),
    "catalog:price_add": Page(
        get=editors(200, others=403, roles=("director",)),
        post=editors(302, others=403, roles=("director",)),
        form=lambda s: {
            "product": s.world.product.pk,
            "list_price": "10",
            "partner_price": "8",
            "floor_price": "7",
            "channel_model": s.world.p_de.channel_model_id,
            "currency": "CNY",
            "valid_from": "2030-01-01",
        },
    ),
    "catalog:price_detail": Page(get=scope_of_de(200), args=lambda s: [s.world.price.pk]),
    "catalog:price_edit": Page(
        get=editors(200, others=404, roles=("director",)),
        args=lambda s: [s.world.price.pk],
        post=editors(302, others=404, roles=("director",)),
        form=lambda s: {
            "product": s.world.product.pk,
            "list_price": "11",
            "partner_price": "8",
            "floor_price": "7",
            "currency": s.world.price.currency,
            "valid_from": s.world.price.valid_from.isoformat(),
        },
    ),
    # imports: importers are the director and managers; finance and sales read
    "facts:batch_list": Page(get=signed_in(200)),
    "facts:upload": Page(
        get=editors(200, others=403, roles=UPLOADERS),
        post=editors(302, others=403, roles=UPLOADERS),
        form=_stock_file,
    ),
    "facts:preview": Page(
        get=editors(405, others=405),
        post=editors(200, others=403, roles=UPLOADERS),
        form=_stock_file,
    ),
    "facts:calendar": Page(get=signed_in(200)),
    "facts:mapping_list": Page(get=signed_in(200)),
    "facts:mapping_add": Page(
        get=editors(200, others=403),
        post=editors(302, others=403),
        form=lambda s: {
            "name": "sell-in",
            "fact": "inventory",
            "toml": STOCK_MAPPING,
        },
    ),
    "facts:mapping_edit": Page(
        get=editors(200, others=404),
        args=lambda s: [s.mapping.pk],
        post=editors(302, others=404),
        form=lambda s: {
            "name": "stock 2",
            "fact": "inventory",
            "toml": STOCK_MAPPING,
        },
    ),
    "facts:batch_detail": Page(
        get=expect(200, partner_admin=404, partner_user=404, no_role=404, anonymous=LOGIN),
        args=lambda s: [s.batch_de.pk],
    ),
    "facts:batch_report": Page(
        get=expect(200, partner_admin=404, partner_user=404, no_role=404, anonymous=LOGIN),
        args=lambda s: [s.batch_de.pk, "csv"],
    ),
    "facts:batch_revert": Page(
        get=expect(405, anonymous=LOGIN),
        args=lambda s: [s.batch_de.pk],
        post=editors(302, others=404),  # not theirs to change: 404, as an edit page
    ),
    # master data from the browser: a manager sees the imports it made, changes only those
    "facts:master_import_list": Page(get=signed_in(200)),
    "facts:master_import_new": Page(
        get=editors(200, others=403),
        post=editors(302, others=403),
        form=_partners_file,
    ),
    "facts:master_import_preview": Page(
        get=editors(405, others=405),
        post=editors(200, others=403),
        form=_partners_file,
    ),
    "facts:master_import_detail": Page(
        get=expect(
            200, manager=404, partner_admin=404, partner_user=404, no_role=404, anonymous=LOGIN
        ),
        args=lambda s: [s.master.pk],
    ),
    "facts:master_import_commit": Page(
        get=expect(405, anonymous=LOGIN),
        args=lambda s: [s.master.pk],
        post=expect(404, director=302, anonymous=LOGIN),
    ),
    "facts:master_import_undo": Page(
        get=expect(405, anonymous=LOGIN),
        args=lambda s: [s.master.pk],
        post=expect(404, director=302, anonymous=LOGIN),
    ),
    "territories:coverage": Page(get=partners_blind(200)),
    "recruitment:pilot_list": Page(get=partners_blind(200)),
    "recruitment:pilot_add": Page(
        get=editors(200, others=403),
        post=editors(302, others=403),
        form=lambda s: {
            "code": "P-2",
            "name": "Online shops",
            "starts_on": "2020-04-01",
            "ends_on": "2020-09-30",
            "status": "planned",
            "partners": [s.world.p_de.pk],
        },
    ),
    "recruitment:pilot_detail": Page(
        # a pilot is the brand's own: a user without a role does not find it either
        get=partners_blind(200) | {"no_role": 404},
        args=lambda s: [s.pilot.pk],
        post=editors(302, others=403) | {"partner_admin": 404, "partner_user": 404, "no_role": 404},
        form=lambda s: {"action": "goal", "kpi": "revenue", "target": "1000"},
    ),
    "recruitment:pilot_edit": Page(
        get=editors(200, others=404),
        args=lambda s: [s.pilot.pk],
        post=editors(302, others=404),
        form=lambda s: {
            "code": "P-1",
            "name": "Shop-in-shop, wider",
            "starts_on": "2020-01-01",
            "ends_on": "2020-09-30",
            "status": "running",
            "partners": [s.world.p_de.pk],
        },
    ),
    "collaboration:competitor_list": Page(get=partners_blind(200)),
    "collaboration:competitor_add": Page(
        get=watchers(200, others=403),
        post=watchers(302, others=403),
        form=lambda s: {"code": "TREK", "name_en": "Trek"},
    ),
    "collaboration:competitor_edit": Page(
        get=watchers(200, others=404),
        args=lambda s: [s.competitor.pk],
        post=watchers(302, others=404),
        form=lambda s: {"code": "GIANT", "name_en": "Giant Bicycles"},
    ),
    "collaboration:competitor_note_list": Page(get=partners_blind(200)),
    "collaboration:competitor_note_add": Page(
        get=watchers(200, others=403),
        post=watchers(302, others=403),
        form=lambda s: _competitor_note(s),
    ),
    "collaboration:competitor_note_edit": Page(
        get=watchers(200, others=404),
        args=lambda s: [s.note.pk],
        post=watchers(302, others=404),
        form=lambda s: _competitor_note(s),
    ),
    # deal registration
    "deals:deal_list": Page(get=signed_in(200)),
    "deals:deal_add": Page(
        get=registrars(200, others=403),
        post=registrars(302, others=403),
        form=lambda s: {
            "partner": s.world.p_de.pk,
            "customer_name": "Contoso Ltd",
            "value": "9000",
            "expected_close": "2099-03-31",
        },
    ),
    "deals:deal_detail": Page(get=scope_of_de(200), args=lambda s: [s.deal.pk]),
    "deals:deal_edit": Page(
        get=registrars(200, others=404),
        args=lambda s: [s.deal.pk],
        post=registrars(302, others=404),
        form=lambda s: {
            "partner": s.world.p_de.pk,
            "customer_name": "FABRIKAM INC",
            "value": "60000",
            "expected_close": "2099-06-30",
        },
    ),
    "deals:deal_decide": Page(
        get=expect(405, anonymous=LOGIN),
        args=lambda s: [s.deal.pk],
        post=funnel_staff(302),
        form=lambda s: {"action": "approve", "days": "60"},
    ),
    "deals:deal_extend": Page(
        get=expect(405, anonymous=LOGIN),
        args=lambda s: [s.deal_approved.pk],
        post=funnel_staff(302),
        form=lambda s: {"days": "30", "note": "slow customer"},
    ),
    "deals:deal_close": Page(
        get=expect(405, anonymous=LOGIN),
        args=lambda s: [s.deal_approved.pk],
        post=funnel_staff(302) | {"partner_admin": 302},
        form=lambda s: {"outcome": "lost", "note": "price"},
    ),
    "deals:conflict_list": Page(get=partners_blind(200)),
    "deals:account_list": Page(get=partners_blind(200)),
    "deals:account_add": Page(
        get=account_keepers(200, others=403),
        post=account_keepers(302, others=403),
        form=lambda s: {"customer_name": "Contoso Ltd", "owner": s.users["sales"].pk},
    ),
    "deals:account_detail": Page(
        get=partners_blind(200) | {"no_role": 404}, args=lambda s: [s.account.pk]
    ),
    "deals:account_edit": Page(
        get=account_keepers(200, others=404),
        args=lambda s: [s.account.pk],
        post=account_keepers(302, others=404),
        form=lambda s: {"customer_name": "Fabrikam Incorporated", "tax_id": ""},
    ),
    # notifications
    "notifications:inbox": Page(get=signed_in(200)),
    "notifications:open": Page(
        get=expect(404, partner_admin=302, anonymous=LOGIN), args=lambda s: [s.notification.pk]
    ),
    "notifications:read_all": Page(get=expect(405, anonymous=LOGIN), post=signed_in(302)),
    "notifications:settings": Page(
        get=signed_in(200),
        post=signed_in(302),
        form=lambda s: {"deal_approved-in_app": "on", "stock_out-by_email": "on"},
    ),
    "notifications:webhook_list": Page(get=director_only(200, others=404)),
    "notifications:webhook_add": Page(
        get=director_only(200, others=403),
        post=director_only(302, others=403),
        form=lambda s: {
            "name": "Chat",
            "url": "https://chat.example/hook",
            "events": ["stock_out"],
        },
    ),
    "notifications:webhook_detail": Page(
        get=director_only(200, others=404), args=lambda s: [s.webhook.pk]
    ),
    "notifications:webhook_edit": Page(
        get=director_only(200, others=404),
        args=lambda s: [s.webhook.pk],
        post=director_only(302, others=404),
        form=lambda s: {
            "name": "ERP 2",
            "url": "https://erp.example/hook",
            "events": ["stock_out"],
        },
    ),
    "notifications:webhook_test": Page(
        get=expect(405, anonymous=LOGIN),
        args=lambda s: [s.webhook.pk],
        post=director_only(302, others=404),
    ),
    "notifications:delivery_list": Page(get=director_only(200, others=404)),
    # product feedback
    "feedback:feedback_list": Page(get=signed_in(200)),
    "feedback:feedback_add": Page(
        get=feedback_writers(200, others=403),
        post=feedback_writers(302, others=403),
        form=lambda s: {
            "partner": s.world.p_de.pk,
            "product": s.world.product.pk,
            "kind": "price",
            "severity": "low",
            "title": "Too dear",
            "text": "Shoppers compare it with the rival's",
        },
    ),
    "feedback:trends": Page(get=signed_in(200)),
    "feedback:feedback_detail": Page(get=scope_of_de(200), args=lambda s: [s.feedback.pk]),
    "feedback:feedback_route": Page(
        get=expect(405, anonymous=LOGIN),
        args=lambda s: [s.feedback.pk],
        post=funnel_staff(302),
        form=lambda s: {"owner": User.objects.get(username="pm").pk, "severity": "high"},
    ),
    "feedback:feedback_decline": Page(
        get=expect(405, anonymous=LOGIN),
        args=lambda s: [s.feedback.pk],
        post=funnel_staff(302),
        form=lambda s: {"note": "A support question"},
    ),
    "feedback:feedback_answer": Page(
        get=expect(405, anonymous=LOGIN),
        args=lambda s: [s.feedback_routed.pk],
        # the product team answers (here: the administrator); the channel team may not
        post=expect(
            403, admin=302, partner_admin=404, partner_user=404, no_role=404, anonymous=LOGIN
        ),
        form=lambda s: {"answer": "Next season"},
    ),
    "feedback:feedback_file": Page(
        get=scope_of_de(200), args=lambda s: [s.feedback.pk, s.feedback.files.get().pk]
    ),
    # a partner's people with a sign-in
    "partners:user_invite": Page(
        get=inviters(200),
        args=lambda s: [s.world.p_de.pk],
        post=inviters(200),  # no mail here: the page shows the link to pass on
        form=lambda s: {"username": "new.clerk", "role": "partner_user", "language": "en"},
    ),
    "partners:user_deactivate": Page(
        get=expect(405, anonymous=LOGIN),
        args=lambda s: [User.objects.get(username="de.clerk").pk],
        post=inviters(302),
    ),
    # joint marketing
    "marketing:campaign_list": Page(get=signed_in(200)),
    "marketing:campaign_add": Page(
        get=editors(200, others=403),
        post=editors(302, others=403),
        form=lambda s: {
            "code": "AUTUMN",
            "name": "Autumn rides",
            "fund": s.fund.pk,
            "partners": [s.world.p_de.pk],
            "starts_on": "2020-03-05",
            "ends_on": "2020-03-20",
            "budget": "50",
        },
    ),
    "marketing:campaign_detail": Page(get=scope_of_de(200), args=lambda s: [s.campaign.pk]),
    "marketing:campaign_edit": Page(
        get=editors(200, others=404),
        args=lambda s: [s.campaign.pk],
        post=editors(302, others=404),
        form=lambda s: {
            "code": "RIDE",
            "name": "Test rides, renamed",
            "fund": s.fund.pk,
            "partners": [s.world.p_de.pk],
            "starts_on": "2020-03-01",
            "ends_on": "2020-03-31",
            "budget": "120",
        },
    ),
    "marketing:campaign_results": Page(
        get=expect(405, anonymous=LOGIN),
        args=lambda s: [s.campaign.pk],
        post=funnel_staff(302),
        form=lambda s: {"results": "40 riders", f"leads_{s.world.p_de.pk}": "12"},
    ),
    "marketing:campaign_close": Page(
        get=expect(405, anonymous=LOGIN),
        args=lambda s: [s.campaign.pk],
        post=funnel_staff(302),
        form=lambda s: {"spend": "80"},
    ),
    # supply alerts
    "supply:alert_list": Page(get=signed_in(200)),
    "supply:alert_detail": Page(get=scope_of_de(200), args=lambda s: [s.supply_alert.pk]),
    "supply:alert_acknowledge": Page(
        get=expect(405, anonymous=LOGIN),
        args=lambda s: [s.supply_alert.pk],
        post=expect(
            403,
            director=302,
            manager=302,
            partner_admin=404,
            partner_user=404,
            no_role=404,
            anonymous=LOGIN,
        ),
    ),
    "supply:position_list": Page(get=signed_in(200)),
    "supply:check_list": Page(get=partners_blind(200)),
    "supply:check_run": Page(
        get=expect(405, anonymous=LOGIN),
        post=expect(
            403, director=302, manager=302, partner_admin=404, partner_user=404, anonymous=LOGIN
        ),
    ),
    "supply:check_detail": Page(
        get=expect(200, partner_admin=404, partner_user=404, no_role=404, anonymous=LOGIN),
        args=lambda s: [s.supply_check.pk],
    ),
    "supply:threshold_list": Page(get=partners_blind(200)),
    "supply:threshold_add": Page(
        get=editors(200, others=403),
        post=editors(302, others=403),
        form=lambda s: {
            "category": s.category_spare.pk,
            "stock_out_days": "7",
            "overstock_days": "60",
            "cover_days": "21",
        },
    ),
    "supply:threshold_edit": Page(
        get=editors(200, others=404),
        args=lambda s: [s.supply_threshold.pk],
        post=editors(302, others=404),
        form=lambda s: {
            "category": s.supply_threshold.category_id,
            "stock_out_days": "8",
            "overstock_days": "80",
            "cover_days": "20",
        },
    ),
    "supply:threshold_delete": Page(
        get=expect(405, anonymous=LOGIN),
        args=lambda s: [s.supply_threshold.pk],
        post=editors(302, others=404),
    ),
    # training
    "collaboration:course_list": Page(get=signed_in(200)),
    "collaboration:course_add": Page(
        get=editors(200, others=403),
        post=editors(302, others=403),
        form=lambda s: {"code": "NEW-C", "name_en": "New course", "valid_months": "12"},
    ),
    "collaboration:course_detail": Page(get=scope_of_de(200), args=lambda s: [s.course.pk]),
    "collaboration:course_edit": Page(
        get=editors(200, others=404),
        args=lambda s: [s.course.pk],
        post=editors(302, others=404),
        form=lambda s: {"code": "SE-1", "name_en": "Sales engineer II", "valid_months": "24"},
    ),
    "collaboration:course_material": Page(
        get=scope_of_de(200), args=lambda s: [s.course.pk, s.course.materials.get().pk]
    ),
    "collaboration:session_add": Page(
        get=editors(200, others=403),
        post=editors(302, others=403),
        form=lambda s: {"course": s.course.pk, "starts_at": "2099-04-01T09:00", "seats": "20"},
    ),
    "collaboration:session_detail": Page(
        get=scope_of_de(200),
        args=lambda s: [s.session.pk],
        post=funnel_staff(302) | {"partner_admin": 302},
        form=lambda s: {"action": "enrol", "contact": s.trainee.pk},
    ),
    "collaboration:session_edit": Page(
        get=editors(200, others=404),
        args=lambda s: [s.session.pk],
        post=editors(302, others=404),
        form=lambda s: {"course": s.course.pk, "starts_at": "2099-03-02T09:00", "seats": "25"},
    ),
    "collaboration:enrolment_list": Page(get=signed_in(200)),
    "collaboration:requirement_list": Page(get=signed_in(200)),
    "collaboration:requirement_add": Page(
        get=editors(200, others=403),
        post=editors(302, others=403),
        form=lambda s: {
            "grade": Grade.objects.get(code="B").pk,
            "course": s.course.pk,
            "people": "1",
        },
    ),
    "collaboration:requirement_edit": Page(
        get=editors(200, others=404),
        args=lambda s: [s.requirement.pk],
        post=editors(302, others=404),
        form=lambda s: {"grade": s.requirement.grade_id, "course": s.course.pk, "people": "3"},
    ),
    "collaboration:training_compliance": Page(get=signed_in(200)),
    # activities
    "collaboration:activity_list": Page(get=signed_in(200)),
    "collaboration:activity_add": Page(
        get=editors(200, others=403),
        post=editors(302, others=403),
        form=lambda s: {
            "partner": s.world.p_de.pk,
            "kind": "call",
            "subject": "Price call",
            "starts_at": "2026-11-20T15:00",
            "minutes": "30",
        },
    ),
    "collaboration:activity_detail": Page(
        get=scope_of_de(200),
        args=lambda s: [s.activity.pk],
        post=funnel_staff(302),
        form=lambda s: {
            "task": "Call back",
            "owner": s.users["manager"].pk,
            "due_on": "2026-12-24",
        },
    ),
    "collaboration:activity_edit": Page(
        get=editors(200, others=404),
        args=lambda s: [s.activity.pk],
        post=editors(302, others=404),
        form=lambda s: {
            "partner": s.world.p_de.pk,
            "kind": "visit",
            "subject": "Shop visit, renamed",
            "starts_at": "2026-11-02T10:00",
            "minutes": "60",
        },
    ),
    "collaboration:follow_up_list": Page(get=partners_blind(200)),
    "collaboration:follow_up_done": Page(
        get=expect(405, anonymous=LOGIN),
        args=lambda s: [s.follow_up.pk],
        post=funnel_staff(302),
    ),
    "collaboration:visits_overdue": Page(get=partners_blind(200)),
    "collaboration:visit_frequency": Page(
        get=partners_blind(200),
        post=expect(
            403, director=302, manager=302, partner_admin=404, partner_user=404, anonymous=LOGIN
        ),
        form=lambda s: {f"grade_{Grade.objects.get(code='A').pk}": "30"},
    ),
    "collaboration:calendar": Page(get=partners_blind(200)),
    "collaboration:calendar_ics": Page(get=partners_blind(200)),
    # agreements
    "partners:agreement_list": Page(get=signed_in(200)),
    "partners:agreement_add": Page(
        get=editors(200, others=403),
        post=editors(302, others=403),
        form=lambda s: {
            "partner": s.world.p_de.pk,
            "number": "DA-NEW",
            "kind": "dealer",
            "starts_on": "2026-01-01",
            "ends_on": "2026-12-31",
            "remind_days": "60",
        },
    ),
    "partners:agreement_detail": Page(
        get=scope_of_de(200),
        args=lambda s: [s.agreement.pk],
        post=editors(302, others=403) | {"partner_admin": 404, "partner_user": 404, "no_role": 404},
        form=lambda s: {"starts_on": "2031-01-01", "ends_on": "2031-12-31"},
    ),
    "partners:agreement_edit": Page(
        get=editors(200, others=404),
        args=lambda s: [s.agreement.pk],
        post=editors(302, others=404),
        form=lambda s: {
            "number": "DA-P-DE",
            "kind": "distribution",
            "starts_on": "2020-01-01",
            "ends_on": "2030-12-31",
            "remind_days": "30",
        },
    ),
    "partners:agreement_file": Page(
        get=scope_of_de(200), args=lambda s: [s.agreement.pk, s.agreement.files.get().pk]
    ),
    # recruitment
    "apply": Page(get=expect(200), post=expect(302), form=lambda s: _application(s)),
    "apply_thanks": Page(get=expect(200)),
    "recruitment:applicant_list": Page(get=signed_in(200)),
    "recruitment:applicant_add": Page(
        get=proposers(200, partner_user=404),
        post=proposers(302, partner_user=404),
        form=lambda s: _application(s, trap=False),
    ),
    "recruitment:applicant_detail": Page(get=scope_of_de(200), args=lambda s: [s.applicant.pk]),
    "recruitment:applicant_edit": Page(
        get=proposers(200, others=404),
        args=lambda s: [s.applicant.pk],
        post=proposers(302, others=404),
        form=lambda s: _application(s, trap=False),
    ),
    "recruitment:applicant_stage": Page(
        get=expect(405, anonymous=LOGIN),
        args=lambda s: [s.applicant.pk],
        post=funnel_staff(302),
        form=lambda s: {"stage": "pilot"},
    ),
    "recruitment:applicant_score": Page(
        get=expect(405, anonymous=LOGIN), args=lambda s: [s.applicant.pk], post=funnel_staff(302)
    ),
    "recruitment:applicant_sign": Page(
        get=funnel_staff(200),
        args=lambda s: [s.applicant.pk],
        post=funnel_staff(302),
        form=lambda s: {"code": "SPREE", "name_en": "Spree Rad"},
    ),
    "recruitment:applicant_documents": Page(
        get=expect(405, anonymous=LOGIN),
        args=lambda s: [s.applicant.pk],
        post=funnel_staff(302) | {"partner_admin": 302},
        form=lambda s: {"documents": [SimpleUploadedFile("accounts.pdf", b"%PDF-1.4 accounts")]},
    ),
    "recruitment:applicant_document": Page(
        get=scope_of_de(200), args=lambda s: [s.applicant.pk, s.document.pk]
    ),
    "recruitment:funnel": Page(get=partners_blind(200)),
    "recruitment:entry_model_list": Page(get=partners_blind(200)),
    "recruitment:entry_model_edit": Page(
        get=partners_blind(200),
        args=lambda s: [s.applicant.channel_model_id],
        post=expect(
            403, director=302, manager=302, partner_admin=404, partner_user=404, anonymous=LOGIN
        ),
        form=lambda s: _thresholds(),
    ),
    # the review
    "analytics:run_list": Page(get=signed_in(200)),
    "analytics:review_start": Page(
        get=expect(405, anonymous=LOGIN),
        post=editors(302, others=403),
        form=lambda s: {"period": "2020Q2"},
    ),
    "analytics:run_detail": Page(
        get=partners_blind(200) | {"no_role": 404}, args=lambda s: [s.run.pk]
    ),
    "analytics:run_rerun": Page(
        get=expect(405, anonymous=LOGIN),
        args=lambda s: [s.run.pk],
        post=expect(
            403,
            director=302,
            manager=302,
            partner_admin=404,
            partner_user=404,
            no_role=404,
            anonymous=LOGIN,
        ),
    ),
    "analytics:scorecard_list": Page(get=signed_in(200), query=lambda s: {"period": "2020Q1"}),
    "analytics:overview": Page(get=signed_in(200)),
    "analytics:partner_scorecard": Page(get=scope_of_de(200), args=lambda s: [s.world.p_de.pk]),
    "analytics:kpi_list": Page(get=signed_in(200)),
    "analytics:grading_preview": Page(
        get=expect(405, anonymous=LOGIN),
        post=expect(403, director=200, partner_admin=404, partner_user=404, anonymous=LOGIN),
        form=lambda s: {
            "weight__revenue": "1",
            "lowest__A": "0.5",
            "lowest__B": "0",
            "hysteresis_periods": "1",
        },
    ),
    "analytics:grading": Page(
        get=partners_blind(200),
        post=expect(403, director=302, partner_admin=404, partner_user=404, anonymous=LOGIN),
        form=lambda s: {
            "weight__revenue": "1",
            "lowest__A": "0.5",
            "lowest__B": "0",
            "hysteresis_periods": "1",
        },
    ),
    "analytics:proposal_list": Page(get=signed_in(200)),
    "analytics:proposal_decide_all": Page(
        get=expect(405, anonymous=LOGIN),
        post=expect(403, director=302, anonymous=LOGIN),
        form=lambda s: {"confirmed": "yes", "decision": "approve"},
    ),
    "analytics:proposal_decide": Page(
        get=expect(405, anonymous=LOGIN),
        args=lambda s: [s.proposal.pk],
        post=expect(
            403,
            director=302,
            partner_admin=404,
            partner_user=404,
            no_role=404,
            anonymous=LOGIN,
        ),
        form=lambda s: {"decision": "approve"},
    ),
    # risk
    "governance:flag_list": Page(get=signed_in(200)),
    "governance:rule_list": Page(get=partners_blind(200)),
    "governance:rule_edit": Page(
        get=expect(403, director=200, partner_admin=404, partner_user=404, anonymous=LOGIN),
        args=lambda s: ["high_churn"],
        post=expect(403, director=302, partner_admin=404, partner_user=404, anonymous=LOGIN),
        form=lambda s: {"enabled": "on", "p__above": "60", "p__periods": "2"},
    ),
    "governance:rule_preview": Page(
        get=expect(405, anonymous=LOGIN),
        args=lambda s: ["high_churn"],
        post=expect(403, director=200, partner_admin=404, partner_user=404, anonymous=LOGIN),
        form=lambda s: {"enabled": "on", "p__above": "60", "p__periods": "2"},
    ),
    "governance:plan_list": Page(get=signed_in(200)),
    "governance:plan_add": Page(
        get=expect(403, director=200, manager=200, no_role=404, anonymous=LOGIN),
        query=lambda s: {"partner": s.world.p_de.pk},
        post=expect(403, director=302, manager=302, no_role=404, anonymous=LOGIN),
        form=lambda s: {
            "owner": s.users["manager"].pk,
            "actions": "Call weekly",
            "due_date": "2031-06-30",
            "follow_up_date": "2031-05-01",
        },
    ),
    "governance:plan_detail": Page(
        get=expect(200, partner_admin=404, partner_user=404, no_role=404, anonymous=LOGIN),
        args=lambda s: [s.plan.pk],
        post=expect(
            403,
            director=302,
            manager=302,
            partner_admin=404,
            partner_user=404,
            no_role=404,
            anonymous=LOGIN,
        ),
        form=lambda s: {"action": "succeeded", "outcome": "Back on target"},
    ),
    "governance:violation_list": Page(get=signed_in(200)),
    "governance:violation_breakdown": Page(get=signed_in(200)),
    "governance:violation_detail": Page(
        get=scope_of_de(200),
        args=lambda s: [s.violation.pk],
        # reviewers work the case; the offender's own users answer it (an appeal); finance
        # and sales only read
        post=expect(302, finance=403, sales=403, no_role=404, anonymous=LOGIN),
        form=lambda s: {"action": "comment", "text": "Seen"},
    ),
    "governance:violation_attachment": Page(
        get=scope_of_de(200), args=lambda s: [s.violation.pk, s.comment.pk]
    ),
    # partner risk: the dashboard is the brand's; complaints and licences are the partner's
    # to read, the reviewers' to record
    "governance:risk_dashboard": Page(get=partners_blind(200)),
    "governance:risk_refresh": Page(
        get=expect(405, anonymous=LOGIN),
        post=expect(
            403, director=302, manager=302, partner_admin=404, partner_user=404, anonymous=LOGIN
        ),
    ),
    "governance:risk_alert_seen": Page(
        get=expect(405, anonymous=LOGIN),
        args=lambda s: [s.alert.pk],
        post=expect(
            403,
            director=302,
            manager=302,
            partner_admin=404,
            partner_user=404,
            no_role=404,
            anonymous=LOGIN,
        ),
    ),
    "governance:complaint_list": Page(get=signed_in(200)),
    "governance:complaint_add": Page(
        get=editors(200, others=403),
        post=editors(302, others=403),
        form=lambda s: {
            "partner": s.world.p_de.pk,
            "source": "sales",
            "received_on": "2020-03-05",
            "severity": "low",
            "text": "Rude on the phone",
            "status": "open",
        },
    ),
    "governance:complaint_edit": Page(
        get=editors(200, others=404),
        args=lambda s: [s.complaint.pk],
        post=editors(302, others=404),
        form=lambda s: {
            "partner": s.world.p_de.pk,
            "source": "customer",
            "received_on": "2020-03-01",
            "severity": "high",
            "text": "Sold a used bike as new",
            "status": "resolved",
            "resolution": "Refunded",
        },
    ),
    "governance:compliance_list": Page(get=signed_in(200)),
    "governance:compliance_add": Page(
        get=editors(200, others=403),
        post=editors(302, others=403),
        form=lambda s: {
            "partner": s.world.p_de.pk,
            "kind": "agreement",
            "name": "Dealer agreement 2031",
            "expires_on": "2031-12-31",
            "remind_days": "30",
        },
    ),
    "governance:compliance_edit": Page(
        get=editors(200, others=404),
        args=lambda s: [s.item.pk],
        post=editors(302, others=404),
        form=lambda s: {
            "partner": s.world.p_de.pk,
            "kind": "licence",
            "name": "Trade licence",
            "expires_on": "2032-01-01",
            "remind_days": "60",
        },
    ),
    # rebates: programs are the brand's; a partner reads its own approved statements
    "programs:program_list": Page(get=signed_in(200)),
    "programs:program_add": Page(
        get=program_editors(200), post=program_editors(302), form=_program_form
    ),
    "programs:program_load": Page(
        get=program_editors(200),
        post=program_editors(302),
        form=lambda s: {"text": REBATE_PROGRAM.replace('"VOL"', '"VOL2"')},
    ),
    "programs:version_add": Page(
        get=program_editors(200),
        args=lambda s: [s.program.pk],
        post=program_editors(302),
        form=_program_form,
    ),
    "programs:program": Page(
        get=partners_blind(302) | {"no_role": 404}, args=lambda s: [s.program.program_id]
    ),
    "programs:version": Page(
        get=partners_blind(200) | {"no_role": 404}, args=lambda s: [s.program.pk]
    ),
    "programs:version_action": Page(
        get=expect(405, anonymous=LOGIN),
        args=lambda s: [s.program.pk],
        post=program_editors(302) | {"no_role": 404},
        form=lambda s: {"action": "withdraw"},
    ),
    "programs:simulate": Page(
        get=partners_blind(200) | {"no_role": 404},
        args=lambda s: [s.program.pk],
        query=lambda s: {"period": "2020Q1"},
    ),
    "programs:settlement_list": Page(get=signed_in(200)),
    "programs:settle": Page(
        get=expect(405, anonymous=LOGIN),
        post=settlers(302, hidden=403),
        form=lambda s: {"period": "2020Q2"},
    ),
    "programs:settle_job": Page(
        get=partners_blind(200) | {"no_role": 404}, args=lambda s: [s.settle_job.pk]
    ),
    "programs:settlement": Page(
        get=partners_blind(200) | {"no_role": 404}, args=lambda s: [s.settlement.pk]
    ),
    "programs:settlement_approve": Page(
        get=expect(405, anonymous=LOGIN),
        args=lambda s: [s.settlement.pk],
        post=settlers(302),
    ),
    "programs:statement_list": Page(get=signed_in(200)),
    "programs:statement": Page(
        get=scope_of_de(200),
        args=lambda s: [s.statement.pk],
        post=settlers(302),  # approved already: a message, nothing changes
    ),
    "programs:statement_lines": Page(
        get=scope_of_de(200),
        args=lambda s: [s.statement.pk, s.statement.lines.first().pk, "csv"],
    ),
    # MDF: partners' admins ask and claim, reviewers decide requests, finance pays claims
    "programs:fund_list": Page(get=signed_in(200)),
    "programs:fund_add": Page(
        get=editors(200, others=403, roles=("director",)),
        post=editors(302, others=403, roles=("director",)),
        form=lambda s: {"code": "MDF2", "name_en": "More", "period": "2020Q2", "amount": "100"},
    ),
    "programs:fund": Page(
        get=expect(200, no_role=404, anonymous=LOGIN), args=lambda s: [s.fund.pk]
    ),
    "programs:fund_edit": Page(
        get=editors(200, others=404, roles=("director",)),
        args=lambda s: [s.fund.pk],
        post=editors(302, others=404, roles=("director",)),
        form=lambda s: {"code": "MDF", "name_en": "MDF", "period": "2020Q1", "amount": "20000"},
    ),
    "programs:mdf_list": Page(get=signed_in(200)),
    "programs:mdf_add": Page(
        get=expect(
            403, director=200, manager=200, partner_admin=200, partner_user=404, anonymous=LOGIN
        ),
        post=expect(
            403, director=302, manager=302, partner_admin=302, partner_user=404, anonymous=LOGIN
        ),
        form=lambda s: {
            "partner": s.world.p_de.pk,
            "fund": s.fund.pk,
            "activity": "Shop window",
            "plan": "Posters",
            "budget": "100",
            "starts_on": "2020-02-01",
            "ends_on": "2020-02-28",
        },
    ),
    "programs:mdf_request": Page(
        get=scope_of_de(200),
        args=lambda s: [s.mdf.pk],
        post=expect(
            403,
            director=302,
            finance=302,
            partner_admin=404,
            partner_user=404,
            no_role=404,
            anonymous=LOGIN,
        ),
        form=lambda s: {"action": "approve_claim", "claim": s.mdf.claims.get().pk},
    ),
    "programs:mdf_proof": Page(
        get=scope_of_de(200),
        args=lambda s: [s.mdf.pk, s.mdf.claims.get().proofs.get().pk],
    ),
    "programs:expense_list": Page(get=signed_in(200)),
    "programs:expense_add": Page(
        get=expect(200, partner_admin=404, partner_user=404, no_role=403, anonymous=LOGIN),
        post=expect(302, partner_admin=404, partner_user=404, no_role=403, anonymous=LOGIN),
        form=lambda s: {
            "category": "meals",
            "spent_on": "2020-03-02",
            "amount": "45",
            "description": "Lunch with the dealer",
        },
    ),
    "programs:expense": Page(
        get=partners_blind(200) | {"no_role": 404},
        args=lambda s: [s.expense.pk],
        # finance made it: nobody approves their own claim
        post=expect(
            403, director=302, partner_admin=404, partner_user=404, no_role=404, anonymous=LOGIN
        ),
        form=lambda s: {"action": "approve"},
    ),
    "programs:mine": Page(get=expect(302, partner_admin=200, partner_user=200, anonymous=LOGIN)),
    "programs:partner": Page(get=scope_of_de(200), args=lambda s: [s.world.p_de.pk]),
}


# --- the matrix: API operations ---------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    """One API operation: its path parameters, a valid body, and the status per role."""

    status: dict[str, int | str]
    path: Callable[[Scene], dict[str, Any]] = lambda s: {}
    body: Callable[[Scene], dict[str, Any]] | None = None
    multipart: bool = False


def api_expect(default: int, **by_role: int) -> dict[str, int | str]:
    return expect(default, anonymous=401, **by_role)


def api_editors(
    status: int, *, others: int = 403, roles: tuple[str, ...] = ("director", "manager")
):
    return api_expect(others, **dict.fromkeys(roles, status))


def _api_upload(s: Scene) -> dict[str, Any]:
    content = b"snapshot_date,partner,product,quantity_on_hand\n2021-04-30,P-DE,BIKE-1,3\n"
    return {"fact": "inventory", "file": SimpleUploadedFile("april.csv", content)}


API_SEES_DE = api_expect(200, no_role=404)
API_INTERNAL = api_expect(200, partner_admin=404, partner_user=404, no_role=404)
API_WORKERS = api_expect(403, director=200, manager=200, no_role=404)
OPERATIONS: dict[tuple[str, str], Operation] = {
    ("GET", "/api/training-records"): Operation(api_expect(200)),
    ("POST", "/api/training-records"): Operation(
        api_editors(201, roles=("director", "manager", "partner_admin")) | {"no_role": 404},
        body=lambda s: {"session_id": s.session.pk, "contact_id": s.trainee.pk},
    ),
    ("PATCH", "/api/training-records/{record_id}"): Operation(
        api_editors(200) | {"no_role": 404},
        path=lambda s: {"record_id": s.enrolment.pk},
        body=lambda s: {"status": "completed"},
    ),
    ("GET", "/api/deals"): Operation(api_expect(200)),
    ("POST", "/api/deals"): Operation(
        api_editors(201, roles=("director", "manager", "partner_admin")),
        body=lambda s: {
            "partner": "P-DE",
            "customer_name": "Contoso Ltd",
            "value": "9000",
            "expected_close": "2099-03-31",
            "products": ["BIKE-1"],
        },
    ),
    ("GET", "/api/deals/{deal_id}"): Operation(API_SEES_DE, path=lambda s: {"deal_id": s.deal.pk}),
    ("PATCH", "/api/deals/{deal_id}"): Operation(
        api_editors(200, roles=("director", "manager", "partner_admin")) | {"no_role": 404},
        path=lambda s: {"deal_id": s.deal.pk},
        body=lambda s: {"value": "70000"},
    ),
    ("POST", "/api/deals/{deal_id}/decision"): Operation(
        api_editors(200) | {"no_role": 404},
        path=lambda s: {"deal_id": s.deal.pk},
        body=lambda s: {"action": "approve"},
    ),
    ("POST", "/api/deals/{deal_id}/extension"): Operation(
        api_editors(200) | {"no_role": 404},
        path=lambda s: {"deal_id": s.deal_approved.pk},
        body=lambda s: {"days": 30},
    ),
    ("POST", "/api/deals/{deal_id}/outcome"): Operation(
        api_editors(200, roles=("director", "manager", "partner_admin")) | {"no_role": 404},
        path=lambda s: {"deal_id": s.deal_approved.pk},
        body=lambda s: {"won": False, "note": "price"},
    ),
    ("GET", "/api/notifications"): Operation(api_expect(200)),
    ("POST", "/api/notifications/{notification_id}/read"): Operation(
        api_expect(404, partner_admin=200), path=lambda s: {"notification_id": s.notification.pk}
    ),
    ("POST", "/api/notifications/read"): Operation(api_expect(200)),
    ("GET", "/api/supply-alerts"): Operation(api_expect(200)),
    ("GET", "/api/supply-alerts/{alert_id}"): Operation(
        API_SEES_DE, path=lambda s: {"alert_id": s.supply_alert.pk}
    ),
    ("POST", "/api/supply-alerts/{alert_id}/acknowledgement"): Operation(
        api_editors(200) | {"no_role": 404},
        path=lambda s: {"alert_id": s.supply_alert.pk},
    ),
    ("GET", "/api/feedback"): Operation(api_expect(200)),
    ("POST", "/api/feedback"): Operation(
        api_expect(201, finance=403, no_role=403),
        body=lambda s: {
            "partner": "P-DE",
            "product": "BIKE-1",
            "kind": "packaging",
            "title": "Box too thin",
            "text": "Corners crushed",
        },
    ),
    ("GET", "/api/feedback/{feedback_id}"): Operation(
        API_SEES_DE, path=lambda s: {"feedback_id": s.feedback.pk}
    ),
    ("POST", "/api/feedback/{feedback_id}/triage"): Operation(
        api_editors(200) | {"no_role": 404},
        path=lambda s: {"feedback_id": s.feedback.pk},
        body=lambda s: {"action": "route", "owner": "pm", "severity": "high"},
    ),
    ("POST", "/api/feedback/{feedback_id}/answer"): Operation(
        api_expect(403, admin=200, no_role=404),
        path=lambda s: {"feedback_id": s.feedback_routed.pk},
        body=lambda s: {"answer": "Next season"},
    ),
    ("GET", "/api/activities"): Operation(api_expect(200)),
    ("POST", "/api/activities"): Operation(
        api_editors(201),
        body=lambda s: {
            "partner": "P-DE",
            "kind": "call",
            "subject": "Api call",
            "starts_at": "2026-11-20T15:00:00Z",
        },
    ),
    ("GET", "/api/activities/{activity_id}"): Operation(
        API_SEES_DE, path=lambda s: {"activity_id": s.activity.pk}
    ),
    ("PATCH", "/api/activities/{activity_id}"): Operation(
        api_editors(200) | {"no_role": 404},
        path=lambda s: {"activity_id": s.activity.pk},
        body=lambda s: {"notes": "Went well"},
    ),
    ("GET", "/api/applicants"): Operation(api_expect(200)),
    ("POST", "/api/applicants"): Operation(
        api_editors(201, roles=("director", "manager", "partner_admin")),
        body=lambda s: {
            "company": "Api Rad",
            "contact_name": "Max",
            "channel_model": "reseller",
            "home_region": "BER",
        },
    ),
    ("GET", "/api/applicants/{applicant_id}"): Operation(
        API_SEES_DE, path=lambda s: {"applicant_id": s.applicant.pk}
    ),
    ("PATCH", "/api/applicants/{applicant_id}"): Operation(
        api_editors(200, roles=("director", "manager", "partner_admin")) | {"no_role": 404},
        path=lambda s: {"applicant_id": s.applicant.pk},
        body=lambda s: {"team_size": 20},
    ),
    ("POST", "/api/applicants/{applicant_id}/stage"): Operation(
        api_editors(200) | {"no_role": 404},
        path=lambda s: {"applicant_id": s.applicant.pk},
        body=lambda s: {"stage": "pilot", "note": "a quarter's trial"},
    ),
    ("POST", "/api/applicants/{applicant_id}/sign"): Operation(
        api_editors(201) | {"no_role": 404},
        path=lambda s: {"applicant_id": s.applicant.pk},
        body=lambda s: {"code": "SPREE", "name_en": "Spree Rad"},
    ),
    ("GET", "/api/partners"): Operation(api_expect(200)),
    ("POST", "/api/partners"): Operation(
        api_editors(201),
        body=lambda s: {
            "code": "API-NEW",
            "name_en": "Api Bikes",
            "channel_model": s.world.p_de.channel_model.code,
            "home_region": "DE",
        },
    ),
    ("GET", "/api/partners/{partner_id}"): Operation(
        API_SEES_DE, path=lambda s: {"partner_id": s.world.p_de.pk}
    ),
    ("PATCH", "/api/partners/{partner_id}"): Operation(
        api_editors(200, others=404),
        path=lambda s: {"partner_id": s.world.p_de.pk},
        body=lambda s: {"name_zh": "新名字"},
    ),
    ("GET", "/api/partners/targets"): Operation(api_expect(200)),
    ("POST", "/api/partners/targets"): Operation(
        api_expect(403, director=201, manager=201, no_role=404),
        body=lambda s: {"partner": "P-DE", "period": "2025Q1", "amount": "500"},
    ),
    ("GET", "/api/partners/targets/{target_id}"): Operation(
        API_SEES_DE, path=lambda s: {"target_id": s.world.target_de.pk}
    ),
    ("PATCH", "/api/partners/targets/{target_id}"): Operation(
        api_editors(200, others=404),
        path=lambda s: {"target_id": s.world.target_de.pk},
        body=lambda s: {"amount": "600"},
    ),
    ("GET", "/api/regions"): Operation(api_expect(200)),
    ("POST", "/api/regions"): Operation(
        api_editors(201, roles=("director",)),
        body=lambda s: {"code": "FR", "name_en": "France", "kind": "country", "parent": "EU"},
    ),
    ("GET", "/api/regions/{region_id}"): Operation(
        API_SEES_DE, path=lambda s: {"region_id": s.world.de.pk}
    ),
    ("PATCH", "/api/regions/{region_id}"): Operation(
        api_editors(200, others=404, roles=("director",)),
        path=lambda s: {"region_id": s.world.de.pk},
        body=lambda s: {"name_zh": "德意志"},
    ),
    ("GET", "/api/catalog/products"): Operation(api_expect(200)),
    ("POST", "/api/catalog/products"): Operation(
        api_editors(201, roles=("director",)),
        body=lambda s: {"code": "BIKE-9", "name_en": "Gravel"},
    ),
    ("GET", "/api/catalog/products/{product_id}"): Operation(
        API_SEES_DE, path=lambda s: {"product_id": s.world.product.pk}
    ),
    ("PATCH", "/api/catalog/products/{product_id}"): Operation(
        api_editors(200, others=404, roles=("director",)),
        path=lambda s: {"product_id": s.world.product.pk},
        body=lambda s: {"name_zh": "公路车"},
    ),
    ("GET", "/api/catalog/prices"): Operation(api_expect(200)),
    ("POST", "/api/catalog/prices"): Operation(
        api_editors(201, roles=("director",)),
        body=lambda s: {
            "product": "BIKE-1",
            "channel_model": s.world.p_de.channel_model.code,
            "list_price": "10",
            "partner_price": "8",
            "floor_price": "7",
            "valid_from": "2030-01-01",
        },
    ),
    ("GET", "/api/catalog/prices/{entry_id}"): Operation(
        API_SEES_DE, path=lambda s: {"entry_id": s.world.price.pk}
    ),
    ("PATCH", "/api/catalog/prices/{entry_id}"): Operation(
        api_editors(200, others=404, roles=("director",)),
        path=lambda s: {"entry_id": s.world.price.pk},
        body=lambda s: {"list_price": str(s.world.price.list_price + 1)},
    ),
    ("GET", "/api/imports"): Operation(api_expect(200)),
    ("POST", "/api/imports"): Operation(
        api_editors(202, roles=UPLOADERS), body=_api_upload, multipart=True
    ),
    ("GET", "/api/imports/{batch_id}"): Operation(
        API_INTERNAL, path=lambda s: {"batch_id": s.batch_de.pk}
    ),
    ("POST", "/api/imports/{batch_id}/revert"): Operation(
        api_editors(200, others=404),  # not theirs to change: 404, as on the page
        path=lambda s: {"batch_id": s.batch_de.pk},
    ),
    ("GET", "/api/review/kpis"): Operation(api_expect(200)),
    ("GET", "/api/review/runs"): Operation(api_expect(200)),
    ("POST", "/api/review/runs"): Operation(api_editors(202), body=lambda s: {"period": "2020Q2"}),
    ("GET", "/api/review/runs/{run_id}"): Operation(
        API_INTERNAL, path=lambda s: {"run_id": s.run.pk}
    ),
    ("POST", "/api/review/runs/{run_id}/rerun"): Operation(
        api_expect(
            403, director=202, manager=202, partner_admin=404, partner_user=404, no_role=404
        ),
        path=lambda s: {"run_id": s.run.pk},
    ),
    ("GET", "/api/review/scorecards"): Operation(api_expect(200)),
    ("GET", "/api/violations"): Operation(api_expect(200)),
    ("GET", "/api/violations/{violation_id}"): Operation(
        API_SEES_DE, path=lambda s: {"violation_id": s.violation.pk}
    ),
    # the workflow: reviewers move the case; the partner's users see it but may not
    ("POST", "/api/violations/{violation_id}/investigate"): Operation(
        API_WORKERS,
        path=lambda s: {"violation_id": s.violation.pk},
        body=lambda s: {"assignee": "manager", "due_date": "2020-05-01"},
    ),
    ("POST", "/api/violations/{violation_id}/confirm"): Operation(
        API_WORKERS,
        path=lambda s: {"violation_id": s.violation.pk},
        body=lambda s: {"note": "seen", "penalties": [{"kind": "fine", "amount": "100"}]},
    ),
    ("POST", "/api/violations/{violation_id}/dismiss"): Operation(
        API_WORKERS,
        path=lambda s: {"violation_id": s.violation.pk},
        body=lambda s: {"reason": "promotion agreed"},
    ),
    ("POST", "/api/violations/{violation_id}/close"): Operation(
        # open, not decided: the reviewers are told why (422), the others refused first
        api_expect(403, director=422, manager=422, no_role=404),
        path=lambda s: {"violation_id": s.violation.pk},
        body=lambda s: {"note": ""},
    ),
    ("POST", "/api/violations/{violation_id}/comments"): Operation(
        # the offender's own users answer: an appeal
        api_expect(201, finance=403, sales=403, no_role=404),
        path=lambda s: {"violation_id": s.violation.pk},
        body=lambda s: {"text": "Seen"},
    ),
    ("GET", "/api/complaints"): Operation(api_expect(200)),
    ("POST", "/api/complaints"): Operation(
        api_expect(403, director=201, manager=201, no_role=404),
        body=lambda s: {
            "partner": "P-DE",
            "source": "sales",
            "received_on": "2020-03-05",
            "severity": "low",
            "text": "Rude on the phone",
        },
    ),
    ("GET", "/api/complaints/{complaint_id}"): Operation(
        API_SEES_DE, path=lambda s: {"complaint_id": s.complaint.pk}
    ),
    ("PATCH", "/api/complaints/{complaint_id}"): Operation(
        api_editors(200, others=404),
        path=lambda s: {"complaint_id": s.complaint.pk},
        body=lambda s: {"status": "resolved", "resolution": "Refunded"},
    ),
    ("GET", "/api/compliance-items"): Operation(api_expect(200)),
    ("POST", "/api/compliance-items"): Operation(
        api_expect(403, director=201, manager=201, no_role=404),
        body=lambda s: {
            "partner": "P-DE",
            "kind": "agreement",
            "name": "Dealer agreement 2031",
            "expires_on": "2031-12-31",
        },
    ),
    ("GET", "/api/compliance-items/{item_id}"): Operation(
        API_SEES_DE, path=lambda s: {"item_id": s.item.pk}
    ),
    ("PATCH", "/api/compliance-items/{item_id}"): Operation(
        api_editors(200, others=404),
        path=lambda s: {"item_id": s.item.pk},
        body=lambda s: {"expires_on": "2032-01-01"},
    ),
    ("GET", "/api/risk"): Operation(api_expect(200)),  # empty for partner users
    ("GET", "/api/rebate-programs"): Operation(api_expect(200)),  # empty for partner users
    ("GET", "/api/rebate-statements"): Operation(api_expect(200)),
    ("GET", "/api/rebate-statements/{statement_id}"): Operation(
        api_expect(200, no_role=404), path=lambda s: {"statement_id": s.statement.pk}
    ),
    ("POST", "/api/rebate-statements/{statement_id}/approve"): Operation(
        # approved already: the reason, nothing changes
        api_expect(403, director=422, finance=422, no_role=404),
        path=lambda s: {"statement_id": s.statement.pk},
    ),
    ("POST", "/api/rebate-settlements"): Operation(
        api_expect(403, director=201, finance=201), body=lambda s: {"period": "2020Q2"}
    ),
    ("GET", "/api/mdf-funds"): Operation(api_expect(200)),  # partners: the funds open to them
    ("GET", "/api/mdf-requests"): Operation(api_expect(200)),
    ("GET", "/api/mdf-requests/{request_id}"): Operation(
        API_SEES_DE, path=lambda s: {"request_id": s.mdf.pk}
    ),
    ("POST", "/api/mdf-requests"): Operation(
        # a partner's admin asks for its own company; the brand's deciders for any in scope
        api_expect(403, director=201, manager=201, partner_admin=201, no_role=404),
        body=lambda s: {
            "partner": "P-DE",
            "fund": s.fund.code,
            "activity": "Shop window",
            "plan": "Posters",
            "budget": "100",
            "starts_on": "2020-02-01",
            "ends_on": "2020-02-28",
        },
    ),
    ("POST", "/api/mdf-requests/{request_id}/decide"): Operation(
        # P-US's request: outside the Europe manager's regions and the partners' own
        api_expect(
            403, director=200, manager=404, partner_admin=404, partner_user=404, no_role=404
        ),
        path=lambda s: {"request_id": s.mdf_us.pk},
        body=lambda s: {"approve": True, "amount": "500"},
    ),
    ("POST", "/api/mdf-requests/{request_id}/claim/decide"): Operation(
        api_expect(403, director=200, finance=200, no_role=404),
        path=lambda s: {"request_id": s.mdf.pk},
        body=lambda s: {"approve": True},
    ),
    ("POST", "/api/mdf-requests/{request_id}/claim/pay"): Operation(
        # the claim is not approved yet: the reason, nothing paid
        api_expect(403, director=422, finance=422, no_role=404),
        path=lambda s: {"request_id": s.mdf.pk},
    ),
    ("GET", "/api/expense-claims"): Operation(api_expect(200)),  # empty for partner users
    ("GET", "/api/expense-claims/{claim_id}"): Operation(
        API_INTERNAL, path=lambda s: {"claim_id": s.expense.pk}
    ),
    ("POST", "/api/expense-claims"): Operation(
        api_expect(201, partner_admin=403, partner_user=403, no_role=403),
        body=lambda s: {
            "category": "meals",
            "spent_on": "2020-03-02",
            "amount": "45",
            "description": "Lunch with the dealer",
        },
    ),
    ("POST", "/api/expense-claims/{claim_id}/decide"): Operation(
        # finance made it: nobody approves their own claim
        api_expect(403, director=200, partner_admin=404, partner_user=404, no_role=404),
        path=lambda s: {"claim_id": s.expense.pk},
        body=lambda s: {"approve": True},
    ),
    ("POST", "/api/expense-claims/{claim_id}/pay"): Operation(
        api_expect(
            403, director=422, finance=422, partner_admin=404, partner_user=404, no_role=404
        ),
        path=lambda s: {"claim_id": s.expense.pk},
    ),
}


# --- the same routes on P-US, outside the Europe manager's regions ----------------------------


# Writable by the director only; readable by finance and sales; absent for everyone else.
def _outside(*, director: int, reader: int, anonymous: int | str = LOGIN) -> dict[str, int | str]:
    return expect(404, director=director, finance=reader, sales=reader, anonymous=anonymous)


OUTSIDE_EUROPE: dict[str, Page] = {
    "collaboration:activity_detail": Page(
        get=_outside(director=200, reader=200),
        args=lambda s: [s.activity_us.pk],
        post=_outside(director=302, reader=403),
        form=lambda s: {
            "task": "Call back",
            "owner": s.users["director"].pk,
            "due_on": "2026-12-24",
        },
    ),
    "marketing:campaign_detail": Page(
        get=_outside(director=200, reader=200), args=lambda s: [s.campaign_us.pk]
    ),
    "deals:deal_detail": Page(
        get=_outside(director=200, reader=200), args=lambda s: [s.deal_us.pk]
    ),
    "deals:deal_edit": Page(
        get=_outside(director=200, reader=404),
        args=lambda s: [s.deal_us.pk],
        post=_outside(director=302, reader=404),
        form=lambda s: {
            "partner": s.world.p_us.pk,
            "customer_name": "Austin Labs",
            "value": "1",
            "expected_close": "2099-01-31",
        },
    ),
    "supply:alert_detail": Page(
        get=_outside(director=200, reader=200), args=lambda s: [s.supply_alert_us.pk]
    ),
    "supply:alert_acknowledge": Page(
        get=expect(405, anonymous=LOGIN),
        args=lambda s: [s.supply_alert_us.pk],
        post=_outside(director=302, reader=403),
    ),
    "deals:deal_decide": Page(
        get=expect(405, anonymous=LOGIN),
        args=lambda s: [s.deal_us.pk],
        post=_outside(director=302, reader=403),
        form=lambda s: {"action": "reject", "note": "not ours"},
    ),
    "partners:agreement_detail": Page(
        get=_outside(director=200, reader=200),
        args=lambda s: [s.agreement_us.pk],
        post=_outside(director=302, reader=403),
        form=lambda s: {"starts_on": "2031-01-01", "ends_on": "2031-12-31"},
    ),
    "recruitment:applicant_detail": Page(
        get=_outside(director=200, reader=200), args=lambda s: [s.applicant_us.pk]
    ),
    "recruitment:applicant_edit": Page(
        get=_outside(director=200, reader=404),
        args=lambda s: [s.applicant_us.pk],
        post=_outside(director=302, reader=404),
        form=lambda s: {
            "company": "Texas Wheels",
            "contact_name": "Joe",
            "channel_model": s.applicant_us.channel_model_id,
            "home_region": s.world.us.pk,
            "credit_check": "unknown",
        },
    ),
    "recruitment:applicant_stage": Page(
        get=expect(405, anonymous=LOGIN),
        args=lambda s: [s.applicant_us.pk],
        post=_outside(director=302, reader=403),
        form=lambda s: {"stage": "pilot"},
    ),
    "governance:complaint_edit": Page(
        get=_outside(director=200, reader=404),
        args=lambda s: [s.complaint_us.pk],
        post=_outside(director=302, reader=404),
        form=lambda s: {
            "partner": s.world.p_us.pk,
            "source": "customer",
            "received_on": "2020-03-01",
            "severity": "high",
            "text": "Sold a used bike as new",
            "status": "resolved",
        },
    ),
    "partners:partner_detail": Page(
        get=_outside(director=200, reader=200), args=lambda s: [s.world.p_us.pk]
    ),
    "partners:partner_edit": Page(
        get=_outside(director=200, reader=404),
        args=lambda s: [s.world.p_us.pk],
        post=_outside(director=302, reader=404),
        form=lambda s: {
            "code": "P-US",
            "name_en": "Renamed",
            "channel_model": s.world.p_us.channel_model_id,
            "home_region": s.world.us.pk,
            "status": s.world.p_us.status,
            "credit_limit": "1",
        },
    ),
    "partners:partner_status": Page(
        get=expect(405, anonymous=LOGIN),
        args=lambda s: [s.world.p_us.pk],
        post=_outside(director=302, reader=404),
        form=lambda s: {"status": "probation"},
    ),
    "partners:contact_add": Page(
        get=_outside(director=200, reader=404),
        args=lambda s: [s.world.p_us.pk],
        post=_outside(director=302, reader=404),
        form=lambda s: {"name": "Joe"},
    ),
    "partners:target_edit": Page(
        get=_outside(director=200, reader=404),
        args=lambda s: [s.world.target_us.pk],
        post=_outside(director=302, reader=404),
        form=lambda s: {"partner": s.world.p_us.pk, "period": "2024Q2", "amount": "9"},
    ),
    "analytics:partner_scorecard": Page(
        get=_outside(director=200, reader=200), args=lambda s: [s.world.p_us.pk]
    ),
    "facts:batch_detail": Page(
        get=_outside(director=200, reader=200), args=lambda s: [s.batch_us.pk]
    ),
    "facts:batch_revert": Page(
        get=expect(405, anonymous=LOGIN),
        args=lambda s: [s.batch_us.pk],
        post=_outside(director=302, reader=404),
    ),
    "programs:statement": Page(
        get=_outside(director=200, reader=200),
        args=lambda s: [s.statement_us.pk],
        post=_outside(director=302, reader=403) | {"finance": 302},
    ),
    "programs:partner": Page(
        get=_outside(director=200, reader=200), args=lambda s: [s.world.p_us.pk]
    ),
    "programs:mdf_request": Page(
        get=_outside(director=200, reader=200),
        args=lambda s: [s.mdf_us.pk],
        post=_outside(director=302, reader=403),
        form=lambda s: {"action": "approve", "amount": "10"},
    ),
    "governance:violation_detail": Page(
        get=_outside(director=200, reader=200),
        args=lambda s: [s.violation_us.pk],
        post=_outside(director=302, reader=403),
        form=lambda s: {"action": "confirm", "note": "Invoice D8", "fine": "100"},
    ),
}
API_OUTSIDE_EUROPE: dict[tuple[str, str], Operation] = {
    ("GET", "/api/rebate-statements/{statement_id}"): Operation(
        _outside(director=200, reader=200, anonymous=401),
        path=lambda s: {"statement_id": s.statement_us.pk},
    ),
    ("POST", "/api/complaints"): Operation(
        _outside(director=201, reader=403, anonymous=401),
        body=lambda s: {
            "partner": "P-US",
            "source": "sales",
            "received_on": "2020-03-05",
            "severity": "low",
            "text": "Rude on the phone",
        },
    ),
    ("PATCH", "/api/compliance-items/{item_id}"): Operation(
        _outside(director=200, reader=404, anonymous=401),
        path=lambda s: {"item_id": s.item_us.pk},
        body=lambda s: {"expires_on": "2032-01-01"},
    ),
    ("GET", "/api/deals/{deal_id}"): Operation(
        _outside(director=200, reader=200, anonymous=401),
        path=lambda s: {"deal_id": s.deal_us.pk},
    ),
    ("GET", "/api/supply-alerts/{alert_id}"): Operation(
        _outside(director=200, reader=200, anonymous=401),
        path=lambda s: {"alert_id": s.supply_alert_us.pk},
    ),
    ("POST", "/api/supply-alerts/{alert_id}/acknowledgement"): Operation(
        _outside(director=200, reader=403, anonymous=401),
        path=lambda s: {"alert_id": s.supply_alert_us.pk},
    ),
    ("POST", "/api/deals/{deal_id}/decision"): Operation(
        _outside(director=200, reader=403, anonymous=401),
        path=lambda s: {"deal_id": s.deal_us.pk},
        body=lambda s: {"action": "reject", "note": "not ours"},
    ),
    ("GET", "/api/violations/{violation_id}"): Operation(
        _outside(director=200, reader=200, anonymous=401),
        path=lambda s: {"violation_id": s.violation_us.pk},
    ),
    ("POST", "/api/violations/{violation_id}/confirm"): Operation(
        _outside(director=200, reader=403, anonymous=401),
        path=lambda s: {"violation_id": s.violation_us.pk},
        body=lambda s: {"note": "seen", "penalties": [{"kind": "warning"}]},
    ),
    ("GET", "/api/partners/{partner_id}"): Operation(
        _outside(director=200, reader=200, anonymous=401),
        path=lambda s: {"partner_id": s.world.p_us.pk},
    ),
    ("PATCH", "/api/partners/{partner_id}"): Operation(
        _outside(director=200, reader=404, anonymous=401),
        path=lambda s: {"partner_id": s.world.p_us.pk},
        body=lambda s: {"name_zh": "奥斯汀"},
    ),
    ("POST", "/api/partners/targets"): Operation(
        _outside(director=201, reader=403, anonymous=401),
        body=lambda s: {"partner": "P-US", "period": "2025Q1", "amount": "500"},
    ),
    ("GET", "/api/imports/{batch_id}"): Operation(
        _outside(director=200, reader=200, anonymous=401),
        path=lambda s: {"batch_id": s.batch_us.pk},
    ),
    ("POST", "/api/imports/{batch_id}/revert"): Operation(
        _outside(director=200, reader=404, anonymous=401),
        path=lambda s: {"batch_id": s.batch_us.pk},
    ),
}


# --- how a request is made and judged ---------------------------------------------------------

# Rows that change on any request, whoever makes it: the session, a token's last use.
VOLATILE_MODELS = {"sessions.session", "core.apitoken"}
# Tables no request writes (Django's own catalogue of models and permissions): not hashed.
STATIC_MODELS = {"auth.permission", "contenttypes.contenttype"}


def _database_fingerprint() -> str:
    """Every row of every table the application writes, hashed."""
    digest = hashlib.sha256()
    for model in sorted(apps.get_models(), key=lambda m: m._meta.label_lower):
        if model._meta.label_lower in VOLATILE_MODELS | STATIC_MODELS:
            continue
        rows = model._default_manager.order_by("pk").values_list()
        digest.update(f"{model._meta.label_lower}:{list(rows)!r}".encode())
    return digest.hexdigest()


def _files_fingerprint() -> str:
    """Every file under QUDAO_HOME (fact store, uploads, reports), by name and size."""
    digest = hashlib.sha256()
    home = Path(settings.QUDAO_HOME)
    for root, _dirs, files in sorted(os.walk(home)):
        for name in sorted(files):
            path = Path(root) / name
            digest.update(f"{path.relative_to(home)}:{path.stat().st_size}".encode())
    return digest.hexdigest()


def _fingerprint() -> tuple[str, str]:
    return _database_fingerprint(), _files_fingerprint()


@contextmanager
def _undone() -> Iterator[None]:
    """Each role's attempt is rolled back, so the next role meets the same scene."""
    with transaction.atomic(), TestCase.captureOnCommitCallbacks(execute=False):
        yield
        transaction.set_rollback(True)


def _client(scene: Scene, role: str, *, api: bool = False) -> Client:
    if role == "anonymous":
        return Client()
    if api:
        _token, key = api_token_create(user=scene.users[role], name="matrix")
        return Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    client = Client()
    client.force_login(scene.users[role])
    return client


def _answers(response: Any, expected: int | str) -> bool:
    if expected == LOGIN:
        return response.status_code == 302 and "/login/" in response["Location"]
    return response.status_code == expected


def _refused(expected: int | str) -> bool:
    return expected == LOGIN or (isinstance(expected, int) and expected >= 400)


def _request(client: Client, method: str, url: str, **kwargs: Any) -> Any:
    return getattr(client, method.lower())(url, **kwargs)


def _attempt(
    client: Client, method: str, url: str, expected: int | str, baseline: str, **kwargs: Any
) -> tuple[int, bool | str]:
    """Make one request in a rolled-back savepoint; (status, True or why not). A refused
    write must leave every table as ``baseline`` (the scene, as every attempt is rolled
    back) and every file as it found it."""
    judged = method != "GET" and _refused(expected)
    with _undone():
        files = _files_fingerprint() if judged else ""
        response = _request(client, method, url, **kwargs)
        if judged:
            assert _database_fingerprint() == baseline, f"refused {method} {url} wrote rows"
            assert _files_fingerprint() == files, f"refused {method} {url} wrote files"
    return response.status_code, _answers(response, expected) or _why(response)


def _why(response: Any) -> str:
    """What a mismatching answer said: the form's errors, or the start of the body."""
    form = (response.context or {}).get("form") if hasattr(response, "context") else None
    if form is not None and form.errors:
        return f" {dict(form.errors)}"
    return f" {response.content[:160]!r}"


# --- the routes, as the application declares them --------------------------------------------


def _page_routes() -> set[str]:
    def walk(patterns: list[Any], namespace: str | None = None) -> Iterator[str]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace in ("admin",) or str(pattern.pattern).startswith("api/"):
                    continue
                yield from walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern):
                yield f"{namespace}:{pattern.name}" if namespace else str(pattern.name)

    return set(walk(get_resolver().url_patterns))


def _api_operations() -> set[tuple[str, str]]:
    document = api.get_openapi_schema()
    return {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
    }


def test_every_route_has_an_entry() -> None:
    """A new page or API operation must say here who may use it."""
    assert _page_routes() == set(PAGES), "pages without an entry, or entries without a page"
    assert _api_operations() == set(OPERATIONS), "operations without an entry, or stale ones"


# --- the checks -------------------------------------------------------------------------------


PAGE_CASES = [(name, PAGES[name]) for name in sorted(PAGES)] + [
    (name, OUTSIDE_EUROPE[name]) for name in sorted(OUTSIDE_EUROPE)
]


@pytest.mark.parametrize(
    ("name", "page"),
    PAGE_CASES,
    ids=[f"{n}@P-US" if p in OUTSIDE_EUROPE.values() else n for n, p in PAGE_CASES],
)
def test_page(scene: Scene, name: str, page: Page) -> None:
    url = reverse(name, args=page.args(scene))
    if page.query(scene):
        url += "?" + urlencode(page.query(scene))
    wrong: list[str] = []
    clients = {role: _client(scene, role) for role in ROLES}  # signing in writes last_login
    baseline = _database_fingerprint()
    for role, client in clients.items():
        if page.get is not None:
            status, ok = _attempt(client, "GET", url, page.get[role], baseline)
            if ok is not True:
                wrong.append(f"{role} GET → {status}, expected {page.get[role]}")
        if page.post is not None:
            expected, form = page.post[role], page.form(scene)
        else:
            # A page that only shows: POST is refused (after sign-in, where it asks one).
            expected = LOGIN if page.get is not None and page.get[role] == LOGIN else 405
            form = {}
        status, ok = _attempt(client, "POST", url, expected, baseline, data=form)
        if ok is not True:
            wrong.append(f"{role} POST → {status}, expected {expected}{ok}")
        # Pages are forms and links: PUT, PATCH and DELETE are refused before any view,
        # so one look at the tables after the three is enough.
        for method in ("PUT", "PATCH", "DELETE"):
            status = _request(client, method, url).status_code
            if status != 405:
                wrong.append(f"{role} {method} → {status}, expected 405")
        assert _database_fingerprint() == baseline, f"{role}: PUT/PATCH/DELETE wrote rows"
    assert not wrong, f"{name}: " + "; ".join(wrong)


API_CASES = [(key, OPERATIONS[key], "") for key in sorted(OPERATIONS)] + [
    (key, API_OUTSIDE_EUROPE[key], "@P-US") for key in sorted(API_OUTSIDE_EUROPE)
]


@pytest.mark.parametrize(
    ("key", "operation", "variant"),
    API_CASES,
    ids=[f"{k[0]} {k[1]}{v}" for k, _o, v in API_CASES],
)
def test_api_operation(
    scene: Scene, key: tuple[str, str], operation: Operation, variant: str
) -> None:
    method, template = key
    url = template.format(**operation.path(scene))
    wrong: list[str] = []
    clients = {role: _client(scene, role, api=True) for role in ROLES}
    baseline = _database_fingerprint()
    for role, client in clients.items():
        expected = operation.status[role]
        kwargs: dict[str, Any] = {}
        if operation.body is not None:
            body = operation.body(scene)
            kwargs = (
                {"data": body}
                if operation.multipart
                else {"data": body, "content_type": "application/json"}
            )
        status, ok = _attempt(client, method, url, expected, baseline, **kwargs)
        if ok is not True:
            wrong.append(f"{role} → {status}, expected {expected}{ok}")
    assert not wrong, f"{method} {template}: " + "; ".join(wrong)


def test_api_refuses_methods_it_does_not_declare(scene: Scene) -> None:
    declared: dict[str, set[str]] = {}
    for method, template in OPERATIONS:
        declared.setdefault(template, set()).add(method)
    for template, methods in declared.items():
        url = template.format(**next(OPERATIONS[(m, template)].path(scene) for m in methods))
        client = _client(scene, "director", api=True)
        baseline = _database_fingerprint()
        for method in {"GET", *WRITES} - methods:
            status, ok = _attempt(client, method, url, 405, baseline)
            assert ok is True, (method, template, status, ok)


def _admin_urls() -> list[str]:
    """Every named admin page, with 1 for each object id it takes."""
    from django.urls import NoReverseMatch

    def names(patterns: list[Any]) -> Iterator[str]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from names(pattern.url_patterns)
            elif pattern.name:
                yield pattern.name

    admin_site = next(
        p
        for p in get_resolver().url_patterns
        if isinstance(p, URLResolver) and p.namespace == "admin"
    )
    urls = []
    for name in sorted(set(names(admin_site.url_patterns))):
        for arity in range(3):
            try:
                urls.append(reverse(f"admin:{name}", args=["1"] * arity))
                break
            except NoReverseMatch:
                continue
    return urls


def test_the_admin_site_is_for_administrators_only(scene: Scene) -> None:
    """Every admin page × every method: only the superuser gets in; the others are sent to
    the admin's sign-in (or refused the method) and change nothing."""
    from django.contrib import admin

    urls = _admin_urls()
    assert len(urls) > 50  # every registered model's pages
    for role in ROLES:
        if role == "admin":
            continue
        client = _client(scene, role)
        before = _fingerprint()
        for url in urls:
            if url in (reverse("admin:login"), reverse("admin:logout")):
                continue  # the admin's own doors: anyone may knock
            for method in ("GET", "POST"):
                response = _request(client, method, url)
                assert response.status_code == 302, (url, role, method)
                assert "/admin/login/" in response["Location"], (url, role, method)
            for method in ("PUT", "PATCH", "DELETE"):
                assert _request(client, method, url).status_code == 405, (url, role, method)
        assert _fingerprint() == before, role
    client = _client(scene, "admin")
    for model in admin.site._registry:
        meta = model._meta
        for page in ("changelist", "add"):
            response = client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_{page}"))
            assert response.status_code in (200, 403), (meta.label, page)


# --- Chinese all the way through: no stray English on a Chinese page ------------------------

# Words that stay Latin in Chinese text: file formats, standards, units, product names.
LATIN_ALLOWED = {
    "API", "CSV", "XLSX", "XLS", "PDF", "TOML", "JSON", "KPI", "ERP", "MDF", "ROI", "SKU",
    "ID", "Excel", "Parquet", "DuckDB", "Spark", "Qudao", "OpenAPI", "URL", "HTTP", "SMTP",
    "UTF", "GB", "MB", "KB", "TB", "PostgreSQL", "SQLite", "Swagger", "iCalendar", "ISO",
    "SHA", "AM", "PM", "Token", "Bearer", "TOP", "vs", "EN", "English", "GBK", "Big5",
    "SCOR", "xlsx", "csv", "xls", "BIKES", "Big", "Unicode", "ics",
    "DR", "FB",  # numbers of a deal registration (DR-000042), of feedback (FB-00042)
}  # fmt: skip
_LATIN_WORD = r"[A-Za-z][A-Za-z'’]+"


def _data_words() -> set[str]:
    """Latin words the data itself holds (codes, names, user names): shown as they are."""
    import re

    words: set[str] = set()
    for model in apps.get_models():
        if model.__module__.startswith(("django.", "django_tasks")):
            continue
        text_fields = [
            f.attname
            for f in model._meta.concrete_fields
            if f.get_internal_type() in ("CharField", "TextField", "SlugField")
        ]
        if not text_fields:
            continue
        for row in model._default_manager.values_list(*text_fields)[:2000]:
            for value in row:
                words.update(re.findall(_LATIN_WORD, str(value or "")))
    return words


def _visible_text(html: str) -> str:
    import re

    html = re.sub(r"(?is)<(script|style|code|pre|textarea)\b.*?</\1>", " ", html)
    # text recorded in another language says so (a row error written for an English uploader)
    html = re.sub(r'(?is)<(\w+)[^>]*\blang="en[^"]*"[^>]*>.*?</\1>', " ", html)
    return re.sub(r"(?s)<[^>]+>", " ", html)


CHINESE_PAGES = sorted(
    name for name, page in PAGES.items() if page.get is not None and page.get["director"] == 200
)


@pytest.mark.parametrize("name", CHINESE_PAGES)
def test_a_chinese_page_has_no_stray_english(scene: Scene, name: str) -> None:
    import html as html_lib
    import re

    page = PAGES[name]
    url = reverse(name, args=page.args(scene))
    if page.query(scene):
        url += "?" + urlencode(page.query(scene))
    user = scene.users["director"]
    user.language = "zh-hans"
    user.save(update_fields=["language"])
    client = Client()
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    if "text/html" not in response.get("Content-Type", ""):
        return
    text = html_lib.unescape(_visible_text(response.content.decode()))
    allowed = LATIN_ALLOWED | _data_words()
    stray = sorted({w for w in re.findall(_LATIN_WORD, text) if w not in allowed})
    assert not stray, f"{name}: English left on the Chinese page: {stray}"
