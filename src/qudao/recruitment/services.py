"""Writes for recruitment: applications (public form, staff, partners proposing their own
sub-partners), moves through the funnel, signing (the applicant becomes a partner with its
territories and contact), scoring against the entry thresholds and new threshold versions.

Who may do what is decided here, for the pages, the API and the console alike: the
channel director and managers (within their regions) run the funnel; a partner's admin
proposes and edits the applicants its company sponsors; nobody else writes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from qudao.core.choices import Role
from qudao.core.mail import mail_in_language
from qudao.core.periods import Period
from qudao.core.permissions import can_change, ensure_may_change, is_partner_user, restrict
from qudao.core.services import ensure_storable_text, model_create, model_update
from qudao.partners.choices import SELLING_STATUSES, PartnerStatus
from qudao.partners.models import ChannelModel, Partner
from qudao.partners.services import contact_create, partner_create, partner_territory_create
from qudao.recruitment import scoring
from qudao.recruitment.choices import NEXT_STAGES, OPEN_STAGES, CreditCheck, Source, Stage
from qudao.recruitment.models import (
    Applicant,
    ApplicantDocument,
    ApplicantScore,
    EntryModel,
    Pilot,
    PilotDecision,
    PilotGoal,
    PilotGroup,
    PilotMember,
    PilotStatus,
    StageChange,
)
from qudao.recruitment.pilots import pilot_kpis, typed_target
from qudao.recruitment.selectors import applicant_regions, entry_model_current, region_fit

# What the applicant tells (the public form, a partner proposing one); the brand's own
# assessment and the workflow's fields are set by its staff only.
APPLICATION_FIELDS_IN_ORDER = (
    "company",
    "contact_name",
    "contact_title",
    "contact_phone",
    "contact_email",
    "other_contacts",
    "channel_model",
    "home_region",
    "regions",
    "registered_capital",
    "team_size",
    "warehouse_area",
    "founded_year",
    "sales_last_year",
    "current_brands",
    "competing_exclusive",
    "message",
)
APPLICATION_FIELDS = frozenset(APPLICATION_FIELDS_IN_ORDER)
STAFF_FIELDS = APPLICATION_FIELDS | {"brand_fit", "credit_check", "owner", "sponsor"}
# Changing any of these changes the score.
SCORED_FIELDS = frozenset(
    {
        "channel_model",
        "home_region",
        "regions",
        "registered_capital",
        "team_size",
        "warehouse_area",
        "founded_year",
        "competing_exclusive",
        "sales_last_year",
        "brand_fit",
        "credit_check",
    }
)
DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
DOCUMENTS_MAX = 5
DOCUMENT_SUFFIXES = (".pdf", ".jpg", ".jpeg", ".png", ".xlsx", ".xls", ".docx", ".doc", ".zip")


# --- who may ------------------------------------------------------------------------------------


def may_propose(user: Any) -> bool:
    """Whether ``user`` may add applicants at all: the funnel's staff, or a partner's admin."""
    if is_partner_user(user):
        return bool(user.has_role(Role.PARTNER_ADMIN))
    return bool(user.is_authenticated) and can_change(user, Applicant)


def _ensure_staff_editor(actor: Any | None, applicant: Applicant | None = None) -> None:
    """The funnel's own moves (stages, scores, signing): director and managers, and a
    manager only for the applicants in their scope."""
    if actor is None:
        return
    ensure_may_change(Applicant, actor)
    if applicant is not None and not _changeable(applicant, actor):
        raise PermissionDenied(_("You may not change %(object)s.") % {"object": applicant})


def _changeable(applicant: Applicant, actor: Any) -> bool:
    rows = Applicant.objects.filter(pk=applicant.pk)
    if is_partner_user(actor):
        return actor.has_role(Role.PARTNER_ADMIN) and restrict(rows, actor).exists()
    return restrict(rows, actor, "change").exists()


def _ensure_may_edit(actor: Any | None, data: dict[str, Any]) -> None:
    """Before an applicant is added or edited: staff editors may set everything; a
    partner's admin only what an applicant tells, for an applicant its company sponsors."""
    if actor is None:
        return
    if not is_partner_user(actor):
        ensure_may_change(Applicant, actor)
        return
    if not actor.has_role(Role.PARTNER_ADMIN):
        raise PermissionDenied(_("Only a partner's admin proposes a new partner."))
    internal = set(data) - APPLICATION_FIELDS - {"sponsor"}
    if internal:
        raise PermissionDenied(
            _("These are the brand's to set: %(fields)s.") % {"fields": ", ".join(sorted(internal))}
        )
    sponsor = data.get("sponsor")
    if sponsor is not None and not restrict(Partner.objects.filter(pk=sponsor.pk), actor).exists():
        raise PermissionDenied(_("You may not act for this partner."))


def _ensure_kept_in_scope(applicant: Applicant, actor: Any | None) -> None:
    """After a write, inside its transaction: the applicant must still be the actor's (a
    manager may not file one in another's region; a partner must remain its sponsor)."""
    if actor is None:
        return
    outside = not _changeable(applicant, actor)
    if not outside and _is_manager_only(actor):
        # the region decides, not the owner: a manager who files an applicant owns it
        paths = actor.managed_regions.values_list("path", flat=True)
        outside = not any(applicant.home_region.path.startswith(p) for p in paths)
    if outside:
        raise PermissionDenied(
            _("The result would be outside what you may change: %(object)s.")
            % {"object": applicant}
        )


def _is_manager_only(actor: Any) -> bool:
    return (
        not actor.is_superuser
        and actor.has_role(Role.CHANNEL_MANAGER)
        and not actor.has_role(Role.CHANNEL_DIRECTOR)
    )


# --- applications ---------------------------------------------------------------------------------


def application_rate_exceeded(address: str | None) -> bool:
    """Whether ``address`` sent as many applications in the last hour as one may."""
    if not address:
        return False
    limit = int(str(settings.QUDAO.get("APPLICATIONS_PER_HOUR_PER_ADDRESS", 3)))
    since = timezone.now() - timedelta(hours=1)
    sent = Applicant.objects.filter(submitted_from=address, created_at__gte=since).count()
    return sent >= limit


def _check_documents(documents: Sequence[UploadedFile]) -> None:
    if len(documents) > DOCUMENTS_MAX:
        raise ValidationError(
            {"documents": _("At most %(count)d files.") % {"count": DOCUMENTS_MAX}}
        )
    for document in documents:
        name = (document.name or "")[:200]
        if not name.lower().endswith(DOCUMENT_SUFFIXES):
            raise ValidationError(
                {
                    "documents": _("“%(name)s”: only %(kinds)s files are taken.")
                    % {"name": name, "kinds": ", ".join(s.lstrip(".") for s in DOCUMENT_SUFFIXES)}
                }
            )
        if (document.size or 0) > DOCUMENT_MAX_BYTES:
            raise ValidationError(
                {
                    "documents": _("“%(name)s” is larger than %(mb)d MB.")
                    % {"name": name, "mb": DOCUMENT_MAX_BYTES // (1024 * 1024)}
                }
            )


def _save_documents(applicant: Applicant, documents: list[UploadedFile], actor: Any) -> None:
    for document in documents:
        name = (document.name or "file")[-200:]
        ApplicantDocument.objects.create(
            applicant=applicant,
            file=document,
            name=name,
            size=document.size or 0,
            uploaded_by=actor,
        )


def _build(applicant: Applicant, data: dict[str, Any]) -> dict[str, Any]:
    """Set plain fields on ``applicant``; return the many-to-many ones to set after saving."""
    m2m = {}
    for name, value in data.items():
        if name == "regions":
            m2m[name] = value
        else:
            setattr(applicant, name, value)
    return m2m


@transaction.atomic
def application_submit(
    *,
    data: dict[str, Any],
    documents: Sequence[UploadedFile] = (),
    address: str | None,
    language: str,
) -> tuple[Applicant, bool]:
    """An application from the public form: the applicant at "applied", scored, with a
    confirmation mailed in the language it was written in (where mail is set up).
    Returns the applicant and whether the mail went out."""
    unknown = set(data) - APPLICATION_FIELDS
    if unknown:
        raise ValidationError(_("Unknown fields: %(f)s.") % {"f": ", ".join(sorted(unknown))})
    documents = list(documents)
    _check_documents(documents)
    applicant = Applicant(source=Source.WEB_FORM, language=language, submitted_from=address)
    m2m = _build(applicant, data)
    ensure_storable_text(applicant)
    applicant.full_clean()
    applicant.save()
    for name, value in m2m.items():
        getattr(applicant, name).set(value)
    StageChange.objects.create(applicant=applicant, to_stage=Stage.APPLIED, at=applicant.created_at)
    _save_documents(applicant, documents, None)
    applicant_rescore(applicant=applicant, reason=_("applied"))
    mailed = mail_in_language(
        to=applicant.contact_email,
        language=language,
        subject_template="recruitment/mail/applied_subject.txt",
        body_template="recruitment/mail/applied_body.txt",
        context={"applicant": applicant},
    )
    return applicant, mailed


@transaction.atomic
def applicant_create(
    *,
    actor: Any | None = None,
    documents: Sequence[UploadedFile] = (),
    **data: Any,
) -> Applicant:
    """An applicant entered by channel staff, or proposed by a partner's admin as a
    sub-partner of its own (the partner is then its sponsor)."""
    partner_side = actor is not None and is_partner_user(actor)
    if partner_side and data.get("sponsor") is None:
        data["sponsor"] = actor.partner  # type: ignore[union-attr]
    _ensure_may_edit(actor, data)
    unknown = set(data) - STAFF_FIELDS
    if unknown:
        raise ValidationError(_("Unknown fields: %(f)s.") % {"f": ", ".join(sorted(unknown))})
    documents = list(documents)
    _check_documents(documents)
    applicant = Applicant(
        source=Source.PARTNER if partner_side else Source.STAFF,
        language=getattr(actor, "language", "") or settings.LANGUAGE_CODE,
    )
    if actor is not None and not partner_side and "owner" not in data:
        data["owner"] = actor
    m2m = _build(applicant, data)
    ensure_storable_text(applicant)
    applicant.full_clean()
    if actor is not None:
        applicant._history_user = actor  # type: ignore[attr-defined]
    applicant.save()
    for name, value in m2m.items():
        getattr(applicant, name).set(value)
    StageChange.objects.create(
        applicant=applicant, to_stage=Stage.APPLIED, at=applicant.created_at, by=actor
    )
    _save_documents(applicant, documents, actor)
    _ensure_kept_in_scope(applicant, actor)
    applicant_rescore(applicant=applicant, reason=_("applied"))
    return applicant


@transaction.atomic
def applicant_update(*, applicant: Applicant, actor: Any | None = None, **data: Any) -> Applicant:
    """Change what is known of an applicant; a change to anything scored re-scores it."""
    data.pop("documents", None)
    _ensure_may_edit(actor, data)
    if actor is not None and not _changeable(applicant, actor):
        raise PermissionDenied(_("You may not change %(object)s.") % {"object": applicant})
    unknown = set(data) - STAFF_FIELDS
    if unknown:
        raise ValidationError(_("Unknown fields: %(f)s.") % {"f": ", ".join(sorted(unknown))})
    changed = set()
    for name, value in data.items():
        if name == "regions":
            if {r.pk for r in applicant.regions.all()} != {r.pk for r in value}:
                changed.add(name)
        elif getattr(applicant, name) != value:
            changed.add(name)
    if not changed:
        return applicant
    m2m = _build(applicant, {k: data[k] for k in changed})
    ensure_storable_text(applicant)
    applicant.full_clean()
    if actor is not None:
        applicant._history_user = actor  # type: ignore[attr-defined]
    applicant.save()
    for name, value in m2m.items():
        getattr(applicant, name).set(value)
    _ensure_kept_in_scope(applicant, actor)
    if changed & SCORED_FIELDS and applicant.stage in OPEN_STAGES:
        applicant_rescore(applicant=applicant, reason=_("application changed"))
    return applicant


@transaction.atomic
def applicant_document_add(
    *, applicant: Applicant, documents: Sequence[UploadedFile], actor: Any | None = None
) -> None:
    if actor is not None and not _changeable(applicant, actor):
        raise PermissionDenied(_("You may not change %(object)s.") % {"object": applicant})
    documents = list(documents)
    if applicant.documents.count() + len(documents) > DOCUMENTS_MAX * 2:
        raise ValidationError({"documents": _("This applicant has as many files as it may.")})
    _check_documents(documents)
    _save_documents(applicant, documents, actor)


# --- the funnel -----------------------------------------------------------------------------------


def _record_stage(
    applicant: Applicant, stage: str, actor: Any | None, note: str, at: Any = None
) -> None:
    at = at or timezone.now()
    StageChange.objects.create(
        applicant=applicant, from_stage=applicant.stage, to_stage=stage, at=at, by=actor, note=note
    )
    applicant.stage = stage
    applicant.stage_since = at
    if actor is not None:
        applicant._history_user = actor  # type: ignore[attr-defined]


@transaction.atomic
def applicant_move(
    *, applicant: Applicant, stage: str, actor: Any | None = None, note: str = "", at: Any = None
) -> Applicant:
    """Move an applicant to the next stage, reject it (a reason is required) or take a
    rejected one up again. Signing is ``applicant_sign``: it makes the partner."""
    _ensure_staff_editor(actor, applicant)
    applicant = Applicant.objects.select_for_update().get(pk=applicant.pk)
    note = (note or "").strip()
    allowed = NEXT_STAGES.get(applicant.stage, ())
    if stage == Stage.SIGNED and stage in allowed:
        raise ValidationError({"stage": _("Signing makes the partner: use “Sign”.")})
    if stage not in allowed:
        raise ValidationError(
            {
                "stage": _("An applicant cannot go from “%(from)s” to “%(to)s”.")
                % {
                    "from": Stage(applicant.stage).label,
                    "to": Stage(stage).label if stage in Stage.values else stage,
                }
            }
        )
    if stage == Stage.REJECTED and not note:
        raise ValidationError({"note": _("Say why the applicant is rejected.")})
    _record_stage(applicant, stage, actor, note, at)
    fields = ["stage", "stage_since", "updated_at"]
    if stage == Stage.REJECTED:
        applicant.rejection_reason = note
        fields.append("rejection_reason")
    applicant.save(update_fields=fields)
    return applicant


@transaction.atomic
def applicant_sign(
    *,
    applicant: Applicant,
    code: str,
    name_en: str,
    name_zh: str = "",
    exclusive: bool = False,
    actor: Any | None = None,
    on: date | None = None,
    note: str = "",
    at: Any = None,
) -> Partner:
    """Sign an applicant: it becomes an active partner (its sponsor above it, if any), with
    an authorised territory for every region it wanted — refused, with nothing written,
    where one would clash with another partner's protected territory — and its contact."""
    _ensure_staff_editor(actor, applicant)
    applicant = Applicant.objects.select_for_update().get(pk=applicant.pk)
    if Stage.SIGNED not in NEXT_STAGES.get(applicant.stage, ()):
        raise ValidationError(
            _("Only an applicant past due diligence is signed; this one is at “%(stage)s”.")
            % {"stage": Stage(applicant.stage).label}
        )
    today = on or timezone.localdate()
    partner = partner_create(
        actor=actor,
        code=code.strip(),
        name_en=name_en.strip(),
        name_zh=name_zh.strip(),
        channel_model=applicant.channel_model,
        home_region=applicant.home_region,
        parent=applicant.sponsor,
        owner=applicant.owner or actor,
        status=PartnerStatus.ACTIVE,
        joined_on=today,
        notes=_("Signed from application %(id)d.") % {"id": applicant.pk},
    )
    for region in applicant_regions(applicant):
        partner_territory_create(
            actor=actor, partner=partner, region=region, exclusive=exclusive, valid_from=today
        )
    contact_create(
        actor=actor,
        partner=partner,
        name=applicant.contact_name,
        title=applicant.contact_title,
        phone=applicant.contact_phone,
        email=applicant.contact_email,
        is_primary=True,
    )
    _record_stage(applicant, Stage.SIGNED, actor, note, at)
    applicant.partner = partner
    applicant.save(update_fields=["stage", "stage_since", "partner", "updated_at"])
    return partner


# --- scores -----------------------------------------------------------------------------------


def applicant_rescore(
    *,
    applicant: Applicant,
    reason: str,
    model: EntryModel | None = None,
    on: date | None = None,
    actor: Any | None = None,
    books: dict[str, Any] | None = None,
) -> ApplicantScore | None:
    """Score the applicant against the current entry thresholds of its channel model (none
    yet: no score). The new score becomes the current one; the earlier stay on record."""
    if actor is not None:
        _ensure_staff_editor(actor, applicant)
    model = model or entry_model_current(applicant.channel_model_id)
    if model is None:
        return None
    today = on or timezone.localdate()
    applicant.region_fit = region_fit(applicant_regions(applicant), on=today, books=books)  # type: ignore[attr-defined]
    result = scoring.score(
        values=scoring.measured_values(applicant, today),
        criteria=model.criteria,
        pass_score=model.pass_score,
        competing_exclusive=applicant.competing_exclusive,
        knock_out_competing_exclusive=model.knock_out_competing_exclusive,
        failed_credit=applicant.credit_check == CreditCheck.FAILED,
        knock_out_failed_credit=model.knock_out_failed_credit,
    )
    with transaction.atomic():
        ApplicantScore.objects.filter(applicant=applicant, current=True).update(current=False)
        return ApplicantScore.objects.create(
            applicant=applicant,
            entry_model=model,
            score=result.score,
            passed=result.passed,
            knocked_out=bool(result.knock_outs),
            knock_outs=result.knock_outs,
            breakdown=[c.as_record() for c in result.criteria],
            reason=reason[:200],
        )


def _criteria_problems(criteria: list[dict[str, Any]]) -> dict[str, str]:
    problems: dict[str, str] = {}
    seen = set()
    for criterion in criteria:
        key = criterion.get("measure")
        if key not in scoring.MEASURE_BY_KEY or key in seen:
            problems["criteria"] = _("Unknown or repeated measure: %(key)s.") % {"key": key}
            continue
        seen.add(key)
        weight = Decimal(str(criterion.get("weight", "0")))
        if not Decimal(0) <= weight <= Decimal(1000):
            problems[f"{key}_weight"] = _("A weight from 0 to 1000.")
        if weight > 0 and not criterion.get("bands"):
            problems[f"{key}_bands"] = _("A weighted criterion needs at least one band.")
    if not any(Decimal(str(c.get("weight", "0"))) > 0 for c in criteria):
        problems["criteria"] = _("Give at least one criterion a weight.")
    return problems


@transaction.atomic
def entry_model_save(
    *,
    channel_model: ChannelModel,
    pass_score: Decimal,
    criteria: list[dict[str, Any]],
    knock_out_competing_exclusive: bool = True,
    knock_out_failed_credit: bool = True,
    note: str = "",
    actor: Any | None = None,
) -> tuple[EntryModel, int]:
    """Save the entry thresholds of a channel model as its next version and re-score every
    open applicant of that model against it (their earlier scores stay on record).
    Returns the new version and how many applicants were re-scored."""
    ensure_may_change(EntryModel, actor)
    problems = _criteria_problems(criteria)
    if not Decimal(0) <= pass_score <= Decimal(100):
        problems["pass_score"] = _("A pass score from 0 to 100.")
    if problems:
        raise ValidationError(problems)
    current = entry_model_current(channel_model)
    model = EntryModel.objects.create(
        channel_model=channel_model,
        version=(current.version + 1) if current else 1,
        pass_score=pass_score,
        criteria=criteria,
        knock_out_competing_exclusive=knock_out_competing_exclusive,
        knock_out_failed_credit=knock_out_failed_credit,
        note=(note or "").strip(),
        created_by=actor,
    )
    reason = _("entry thresholds v%(version)d") % {"version": model.version}
    books: dict[str, Any] = {}  # the coverage read once for all of them
    rescored = 0
    for applicant in Applicant.objects.filter(
        channel_model=channel_model, stage__in=OPEN_STAGES
    ).select_related("home_region"):
        applicant_rescore(applicant=applicant, reason=reason, model=model, books=books)
        rescored += 1
    return model, rescored


def entry_model_defaults(
    *, channel_model: ChannelModel, actor: Any | None = None
) -> tuple[EntryModel, int]:
    """The starting thresholds (``scoring.DEFAULT_CRITERIA``), for a channel model with none."""
    return entry_model_save(
        channel_model=channel_model,
        pass_score=scoring.DEFAULT_PASS_SCORE,
        criteria=[dict(c) for c in scoring.DEFAULT_CRITERIA],
        note=_("Qudao's starting thresholds"),
        actor=actor,
    )


# --- pilots -------------------------------------------------------------------------------------


def _pilot_partners_in_scope(partners: Iterable[Partner], actor: Any | None) -> None:
    if actor is None:
        return
    chosen = [p.pk for p in partners]
    mine = restrict(Partner.objects.filter(pk__in=chosen), actor, "change").count()
    if mine != len(set(chosen)):
        raise PermissionDenied(_("Some of these partners are not yours to put in a pilot."))


@transaction.atomic
def pilot_create(
    *, actor: Any | None = None, partners: Iterable[Partner] = (), **data: Any
) -> Pilot:
    """A pilot with its partners (the pilot group); the control group comes after."""
    partners = list(partners)
    _pilot_partners_in_scope(partners, actor)
    pilot = model_create(model=Pilot, data=data, actor=actor)
    PilotMember.objects.bulk_create(
        PilotMember(pilot=pilot, partner=p, group=PilotGroup.PILOT) for p in partners
    )
    return pilot


@transaction.atomic
def pilot_update(
    *,
    pilot: Pilot,
    actor: Any | None = None,
    partners: Iterable[Partner] | None = None,
    **data: Any,
) -> Pilot:
    pilot = model_update(instance=pilot, data=data, actor=actor)[0]
    if partners is not None:
        partners = list(partners)
        _pilot_partners_in_scope(partners, actor)
        # the pilot group as given; a control partner moved into it leaves the control
        pilot.members.filter(Q(group=PilotGroup.PILOT) | Q(partner__in=partners)).delete()
        PilotMember.objects.bulk_create(
            PilotMember(pilot=pilot, partner=p, group=PilotGroup.PILOT) for p in partners
        )
    return pilot


@transaction.atomic
def pilot_control_set(
    *, pilot: Pilot, partners: Iterable[Partner], actor: Any | None = None
) -> int:
    """The control group: partners not in the pilot. Returns its size."""
    ensure_may_change(Pilot, actor)
    partners = [p for p in partners]
    in_pilot = set(
        pilot.members.filter(group=PilotGroup.PILOT).values_list("partner_id", flat=True)
    )
    clash = [p.code for p in partners if p.pk in in_pilot]
    if clash:
        raise ValidationError(
            _("In the pilot already, so not a control: %(codes)s.") % {"codes": ", ".join(clash)}
        )
    pilot.members.filter(group=PilotGroup.CONTROL).delete()
    PilotMember.objects.bulk_create(
        PilotMember(pilot=pilot, partner=p, group=PilotGroup.CONTROL) for p in partners
    )
    return len(partners)


def pilot_control_suggest(*, pilot: Pilot) -> list[Partner]:
    """Comparable partners for the control group: for each pilot partner, the selling
    partner of the same channel model, in the pilot's regions (anywhere, if it names none),
    not in the pilot, whose sell-in over the year before the pilot is the closest to its."""
    from qudao.analytics.models import Scorecard  # deferred: analytics sits above recruitment

    pilot_ids = set(
        pilot.members.filter(group=PilotGroup.PILOT).values_list("partner_id", flat=True)
    )
    members = list(Partner.objects.filter(pk__in=pilot_ids))
    candidates = Partner.objects.filter(status__in=SELLING_STATUSES).exclude(pk__in=pilot_ids)
    paths = list(pilot.regions.values_list("path", flat=True))
    if paths:
        within = Q()
        for path in paths:
            within |= Q(home_region__path__startswith=path)
        candidates = candidates.filter(within)
    year_before = Period.parse(str(pilot.starts_on.year - 1))
    revenue = {
        row["partner_id"]: Decimal(row["total"] or 0)
        for row in Scorecard.objects.filter(
            is_current=True,
            period__in=[q.key for q in year_before.quarters],
        )
        .values("partner_id")
        .annotate(total=Sum("revenue"))
    }
    chosen: list[Partner] = []
    pool = list(candidates)
    for member in sorted(members, key=lambda m: m.code):
        same = [
            c for c in pool if c.channel_model_id == member.channel_model_id and c not in chosen
        ]
        if not same:
            continue
        mine = revenue.get(member.pk, Decimal(0))
        best = min(same, key=lambda c: (abs(revenue.get(c.pk, Decimal(0)) - mine), c.code))
        chosen.append(best)
    return chosen


@transaction.atomic
def pilot_goal_set(
    *, pilot: Pilot, kpi: str, target: Decimal, actor: Any | None = None
) -> PilotGoal:
    """A goal for the pilot partners (their mean per period); the target as typed (a rate
    as a percentage)."""
    ensure_may_change(Pilot, actor)
    if kpi not in {k.id for k in pilot_kpis()}:
        raise ValidationError({"kpi": _("Not a KPI of the dictionary: %(kpi)s.") % {"kpi": kpi}})
    goal, _created = PilotGoal.objects.update_or_create(
        pilot=pilot, kpi=kpi, defaults={"target": typed_target(kpi, target)}
    )
    return goal


@transaction.atomic
def pilot_decide(*, pilot: Pilot, decision: str, note: str, actor: Any | None = None) -> Pilot:
    """Record go / extend / stop, with the reason. A decided pilot is not decided again,
    except one extended."""
    ensure_may_change(Pilot, actor)
    if decision not in PilotDecision.values:
        raise ValidationError({"decision": _("Go, extend or stop.")})
    if pilot.status == PilotStatus.DECIDED and pilot.decision != PilotDecision.EXTEND:
        raise ValidationError(_("This pilot was decided already."))
    if not (note or "").strip():
        raise ValidationError({"note": _("Say why.")})
    return model_update(
        instance=pilot,
        data={
            "decision": decision,
            "decision_note": note.strip(),
            "status": PilotStatus.DECIDED,
            "decided_by": actor,
            "decided_at": timezone.now(),
        },
        actor=actor,
    )[0]
