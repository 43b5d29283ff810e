"""Applicants over the API: list, detail with the current score's breakdown, add, change,
move through the funnel and sign — the same selectors and services as the pages."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from qudao.core.api import Pagination, filtered, patch_values, resolve_code
from qudao.core.permissions import is_partner_user
from qudao.partners.models import ChannelModel, Partner
from qudao.recruitment import selectors
from qudao.recruitment.choices import CreditCheck, Stage
from qudao.recruitment.filtersets import ApplicantFilterSet
from qudao.recruitment.models import Applicant
from qudao.recruitment.services import (
    applicant_create,
    applicant_move,
    applicant_sign,
    applicant_update,
    may_propose,
)
from qudao.territories.models import Region

router = Router(tags=["recruitment"])


class CriterionOut(Schema):
    measure: str
    value: Decimal | None
    points: int
    weight: Decimal
    contribution: Decimal
    knock_out: bool


class ScoreOut(Schema):
    score: Decimal
    passed: bool
    knock_outs: list[str]
    entry_model_version: int
    scored_at: datetime
    criteria: list[CriterionOut]


class ApplicantOut(Schema):
    id: int
    company: str
    contact_name: str
    contact_email: str
    channel_model: str
    home_region: str
    regions: list[str]
    stage: Stage
    stage_since: datetime
    registered_capital: Decimal | None
    team_size: int | None
    warehouse_area: Decimal | None
    founded_year: int | None
    sales_last_year: Decimal | None
    competing_exclusive: bool
    sponsor: str | None
    partner: str | None = Field(None, description="the partner's code, once signed")
    rejection_reason: str
    created_at: datetime
    # the brand's own judgement: empty for partners' staff
    score: Decimal | None = None
    passed: bool | None = None

    @staticmethod
    def resolve_channel_model(a: Applicant) -> str:
        return a.channel_model.code

    @staticmethod
    def resolve_home_region(a: Applicant) -> str:
        return a.home_region.code

    @staticmethod
    def resolve_regions(a: Applicant) -> list[str]:
        return [r.code for r in selectors.applicant_regions(a)]

    @staticmethod
    def resolve_sponsor(a: Applicant) -> str | None:
        return a.sponsor.code if a.sponsor else None

    @staticmethod
    def resolve_partner(a: Applicant) -> str | None:
        return a.partner.code if a.partner else None

    @staticmethod
    def resolve_score(a: Applicant) -> Decimal | None:
        # a subquery's decimal comes back from SQLite without its places
        value = getattr(a, "score", None)
        return None if value is None else Decimal(value).quantize(Decimal("0.01"))


class ApplicantDetailOut(ApplicantOut):
    """With the brand's own assessment and the current score's breakdown — both empty for
    partners' staff (``_detail`` says which the reader may see)."""

    brand_fit: int | None = None
    credit_check: str | None = None
    current_score: ScoreOut | None = None

    @staticmethod
    def resolve_brand_fit(a: Applicant) -> int | None:
        return a.brand_fit if getattr(a, "internal_view", False) else None

    @staticmethod
    def resolve_credit_check(a: Applicant) -> str | None:
        return a.credit_check if getattr(a, "internal_view", False) else None

    @staticmethod
    def resolve_current_score(a: Applicant) -> dict[str, Any] | None:
        current = getattr(a, "current_score", None)
        if current is None:
            return None
        return {
            "score": current.score,
            "passed": current.passed,
            "knock_outs": current.knock_outs,
            "entry_model_version": current.entry_model.version,
            "scored_at": current.scored_at,
            "criteria": current.breakdown,
        }


class ApplicantIn(Schema):
    company: str
    contact_name: str
    contact_title: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    other_contacts: str = ""
    channel_model: str
    home_region: str
    regions: list[str] = []
    registered_capital: Decimal | None = None
    team_size: int | None = None
    warehouse_area: Decimal | None = None
    founded_year: int | None = None
    current_brands: str = ""
    competing_exclusive: bool = False
    sales_last_year: Decimal | None = None
    message: str = ""
    sponsor: str | None = Field(None, description="the proposing partner's code")
    brand_fit: int | None = Field(None, description="1–5; the brand's staff only")
    credit_check: CreditCheck | None = Field(None, description="the brand's staff only")


class ApplicantPatch(Schema):
    company: str | None = None
    contact_name: str | None = None
    contact_title: str | None = None
    contact_phone: str | None = None
    contact_email: str | None = None
    other_contacts: str | None = None
    channel_model: str | None = None
    home_region: str | None = None
    regions: list[str] | None = None
    registered_capital: Decimal | None = None
    team_size: int | None = None
    warehouse_area: Decimal | None = None
    founded_year: int | None = None
    current_brands: str | None = None
    competing_exclusive: bool | None = None
    sales_last_year: Decimal | None = None
    message: str | None = None
    brand_fit: int | None = None
    credit_check: CreditCheck | None = None


class StageIn(Schema):
    stage: Stage
    note: str = ""


class SignIn(Schema):
    code: str
    name_en: str
    name_zh: str = ""
    exclusive: bool = False
    note: str = ""


class SignedOut(Schema):
    applicant: int
    partner: str


class ApplicantFilters(Schema):
    q: str | None = None
    stage: Stage | None = None
    channel_model: str | None = Field(None, description="a channel model's code")
    region: str | None = Field(None, description="a region's code: applicants wanting it or below")
    passed: bool | None = None


def _resolve(data: dict[str, Any], user: Any) -> dict[str, Any]:
    refs = {"channel_model": ChannelModel, "home_region": Region, "sponsor": Partner}
    for name, model in refs.items():
        if name in data:
            data[name] = resolve_code(model, data[name], user=user, field=name)
    if "regions" in data:
        data["regions"] = [
            resolve_code(Region, code, user=user, field="regions") for code in data["regions"] or []
        ]
    return {
        k: v
        for k, v in data.items()
        if not (k in ("brand_fit", "credit_check", "sponsor") and v is None)
    }


def _detail(applicant_id: int, user: Any) -> Applicant:
    """The applicant as ``user`` may read it: the brand's staff with its assessment and
    current score; partners' staff without."""
    applicant = get_object_or_404(selectors.applicant_list(user=user), pk=applicant_id)
    if not is_partner_user(user):
        applicant.internal_view = True  # type: ignore[attr-defined]
        applicant.current_score = (  # type: ignore[attr-defined]
            selectors.applicant_scores(user=user, applicant=applicant).filter(current=True).first()
        )
    return applicant


@router.get("", response=list[ApplicantOut])
@paginate(Pagination)
def list_applicants(request: HttpRequest, filters: Query[ApplicantFilters]) -> Any:
    return filtered(
        ApplicantFilterSet,
        filters.dict(),
        selectors.applicant_list(user=request.user).prefetch_related("regions"),
        codes={"channel_model": ChannelModel, "region": Region},
    )


@router.get("/{int:applicant_id}", response=ApplicantDetailOut)
def get_applicant(request: HttpRequest, applicant_id: int) -> Any:
    return _detail(applicant_id, request.user)


@router.post("", response={201: ApplicantDetailOut})
def create_applicant(request: HttpRequest, payload: ApplicantIn) -> Any:
    if not may_propose(request.user):  # before the codes are looked up through the user's eyes
        raise HttpError(403, "You may not add applicants.")
    data = _resolve(payload.dict(), request.user)
    applicant = applicant_create(actor=request.user, **data)
    return Status(201, _detail(applicant.pk, request.user))


@router.patch("/{int:applicant_id}", response=ApplicantDetailOut)
def update_applicant(request: HttpRequest, applicant_id: int, payload: ApplicantPatch) -> Any:
    applicant = get_object_or_404(selectors.applicant_list(user=request.user), pk=applicant_id)
    data = _resolve(patch_values(payload, Applicant), request.user)
    applicant_update(applicant=applicant, actor=request.user, **data)
    return _detail(applicant.pk, request.user)


@router.post("/{int:applicant_id}/stage", response=ApplicantDetailOut)
def move_applicant(request: HttpRequest, applicant_id: int, payload: StageIn) -> Any:
    applicant = get_object_or_404(selectors.applicant_list(user=request.user), pk=applicant_id)
    applicant_move(applicant=applicant, stage=payload.stage, note=payload.note, actor=request.user)
    return _detail(applicant.pk, request.user)


@router.post("/{int:applicant_id}/sign", response={201: SignedOut})
def sign_applicant(request: HttpRequest, applicant_id: int, payload: SignIn) -> Any:
    applicant = get_object_or_404(selectors.applicant_list(user=request.user), pk=applicant_id)
    partner = applicant_sign(applicant=applicant, actor=request.user, **payload.dict())
    return Status(201, {"applicant": applicant.pk, "partner": partner.code})
