"""Writes for deal registration. A partner's admin (or the channel team on its behalf)
registers; Qudao looks for the same customer among the direct accounts and the other
partners' open registrations; the channel team approves — the customer is the partner's
for a protection window — rejects, or routes it to the direct-sales owner. An approved
registration is extended, expires, or closes won (with the sale that realised it) or lost.

Every refusal is made here, so the web, the API and the CLI share one rule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from difflib import SequenceMatcher
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qudao.core.choices import Role
from qudao.core.permissions import ensure_may_change_row
from qudao.core.services import ensure_storable_text, model_create, model_update
from qudao.deals.matching import (
    MATCH_THRESHOLD,
    name_key,
    name_similarity,
    tax_id_key,
    uscc_problem,
)
from qudao.deals.models import (
    OPEN_STATUSES,
    ConflictKind,
    DealConflict,
    DealRegistration,
    DealStatus,
    DirectAccount,
    MatchBasis,
    RealisedFact,
)
from qudao.notifications.models import Event
from qudao.notifications.services import Message, channel_team_for, notify, partner_people
from qudao.partners.models import DIRECTOR_AND_MANAGER

EXACT = Decimal(100)
CENT = Decimal("0.01")


def protection_days() -> int:
    """How long an approved registration keeps its customer (``QUDAO_DEAL_PROTECTION_DAYS``)."""
    return int(str(settings.QUDAO.get("DEAL_PROTECTION_DAYS", 90)))


def max_extensions() -> int:
    return int(str(settings.QUDAO.get("DEAL_MAX_EXTENSIONS", 2)))


def expiry_notice_days() -> int:
    """How many days before the protection ends the partner is told."""
    return int(str(settings.QUDAO.get("DEAL_EXPIRY_NOTICE_DAYS", 14)))


def _clean_tax_id(tax_id: str, field: str) -> str:
    key = tax_id_key(tax_id)
    problem = uscc_problem(key)
    if problem == "characters":
        raise ValidationError(
            {
                field: _(
                    "A unified social credit code uses digits and capitals but not I, O, S, V, Z."
                )
            }
        )
    if problem == "check":
        raise ValidationError(
            {field: _("%(id)s: the last character does not match the code.") % {"id": key}}
        )
    return key


# --- direct accounts --------------------------------------------------------------------------


def _account_data(data: dict[str, Any]) -> dict[str, Any]:
    data = dict(data)
    if "customer_name" in data:
        data["name_key"] = name_key(data["customer_name"])
    if "tax_id" in data:
        data["tax_id"] = _clean_tax_id(data["tax_id"] or "", "tax_id")
    owner = data.get("owner")
    if owner is not None and not owner.has_role(Role.SALES, Role.CHANNEL_DIRECTOR):
        raise ValidationError({"owner": _("The owner of a direct account is one of sales.")})
    return data


@transaction.atomic
def direct_account_create(*, actor: Any | None = None, **data: Any) -> DirectAccount:
    account = model_create(model=DirectAccount, data=_account_data(data), actor=actor)
    _account_conflicts_refresh(account)
    return account


@transaction.atomic
def direct_account_update(
    *, account: DirectAccount, actor: Any | None = None, **data: Any
) -> DirectAccount:
    account, changed = model_update(instance=account, data=_account_data(data), actor=actor)
    if changed:
        _account_conflicts_refresh(account)
    return account


def _account_conflicts_refresh(account: DirectAccount) -> None:
    """A direct account added or renamed: the open registrations learn whether they
    collide with it."""
    DealConflict.objects.filter(account=account, deal__status__in=OPEN_STATUSES).delete()
    open_deals = DealRegistration.objects.filter(status__in=OPEN_STATUSES)
    found = _similar(account.name_key, list(open_deals.values_list("pk", "name_key")))
    if account.tax_id:
        for pk in open_deals.filter(customer_tax_id=account.tax_id).values_list("pk", flat=True):
            _best(found, pk, Candidate(MatchBasis.TAX_ID, EXACT))
    DealConflict.objects.bulk_create(
        DealConflict(
            deal_id=pk,
            kind=ConflictKind.DIRECT_ACCOUNT,
            account=account,
            basis=c.basis,
            score=c.score,
        )
        for pk, c in found.items()
    )


# --- registering --------------------------------------------------------------------------------


def _registration_data(data: dict[str, Any], *, new: bool) -> dict[str, Any]:
    data = dict(data)
    if "customer_name" in data:
        data["name_key"] = name_key(data["customer_name"])
        if not data["name_key"]:
            raise ValidationError({"customer_name": _("Give the customer's company name.")})
    if "customer_tax_id" in data:
        data["customer_tax_id"] = _clean_tax_id(data["customer_tax_id"] or "", "customer_tax_id")
    expected = data.get("expected_close")
    if new and expected is not None and expected < timezone.localdate():
        raise ValidationError(
            {"expected_close": _("A deal already past its close cannot be registered.")}
        )
    return data


@transaction.atomic
def deal_registration_create(*, actor: Any | None = None, **data: Any) -> DealRegistration:
    """Register an opportunity (submitted) and look for the customer elsewhere at once."""
    data = _registration_data(data, new=True)
    data["status"] = DealStatus.SUBMITTED
    if actor is not None:
        data["registered_by"] = actor
    deal = model_create(model=DealRegistration, data=data, actor=actor)
    found = deal_conflicts_check(deal=deal)
    if found:
        _tell_of_conflicts(deal, found)
    return deal


def _tell_of_conflicts(deal: DealRegistration, found: list[DealConflict]) -> None:
    """The channel team that decides on it learns the registration collides, and so do the
    sales owners of the direct accounts it matched."""
    best = max(c.score for c in found)
    owners = [c.account.owner for c in found if c.account is not None and c.account.owner]
    notify(
        event=Event.DEAL_CONFLICT,
        recipients=[*channel_team_for(deal.partner), *owners],
        title=Message(
            gettext_lazy("%(number)s %(customer)s: %(n)s possible conflict(s)"),
            {"number": deal.number, "customer": deal.customer_name, "n": len(found)},
        ),
        body=Message(
            gettext_lazy(
                "%(partner)s registered %(customer)s; it matches a direct account or another "
                "partner's registration (best score %(score)s). Decide on it."
            ),
            {"partner": deal.partner, "customer": deal.customer_name, "score": best},
        ),
        url=deal.get_absolute_url(),
        partner=deal.partner,
        data=_deal_data(deal, conflicts=len(found)),
    )


def _deal_data(deal: DealRegistration, **extra: Any) -> dict[str, Any]:
    return {
        "deal": deal.number,
        "deal_id": deal.pk,
        "customer_name": deal.customer_name,
        "status": deal.status,
        "value": Decimal(deal.value).quantize(CENT),
        "protected_until": deal.protected_until,
        **extra,
    }


def _tell_partner(deal: DealRegistration, event: Event, title: Message, body: Message) -> None:
    notify(
        event=event,
        recipients=[*partner_people(deal.partner), deal.registered_by],
        title=title,
        body=body,
        url=deal.get_absolute_url(),
        partner=deal.partner,
        data=_deal_data(deal),
    )


def _tell_decision(deal: DealRegistration) -> None:
    title = Message(
        gettext_lazy("%(number)s %(customer)s: %(status)s"),
        {
            "number": deal.number,
            "customer": deal.customer_name,
            "status": DealStatus(deal.status).label,
        },
    )
    if deal.status == DealStatus.APPROVED:
        body = Message(
            gettext_lazy("The customer is yours until %(day)s."), {"day": deal.protected_until}
        )
    else:
        body = Message(gettext_lazy("Note: %(note)s"), {"note": deal.decision_note or "—"})
    _tell_partner(deal, Event.DEAL_APPROVED, title, body)


@transaction.atomic
def deal_registration_update(
    *, deal: DealRegistration, actor: Any | None = None, **data: Any
) -> DealRegistration:
    """Correct a registration still waiting for a decision; the check runs again."""
    if deal.status != DealStatus.SUBMITTED:
        raise ValidationError(_("Only a registration waiting for a decision can be changed."))
    deal = model_update(instance=deal, data=_registration_data(data, new=False), actor=actor)[0]
    deal_conflicts_check(deal=deal)
    return deal


@dataclass(frozen=True)
class Candidate:
    basis: str
    score: Decimal


def _best(found: dict[int, Candidate], pk: int, candidate: Candidate) -> None:
    if pk not in found or candidate.score > found[pk].score:
        found[pk] = candidate


def _similar(key: str, rows: list[tuple[int, str]]) -> dict[int, Candidate]:
    """The rows whose name key is at least ``MATCH_THRESHOLD`` alike, scored 0–100."""
    matcher = SequenceMatcher(autojunk=False)
    flat = key.replace(" ", "")
    matcher.set_seq2(flat)
    found: dict[int, Candidate] = {}
    for pk, other in rows:
        if not other:
            continue
        matcher.set_seq1(other.replace(" ", ""))
        # the quick upper bounds of the whole first: most names share too little to be worth
        # the full comparison (the score is never above the whole's ratio)
        if matcher.real_quick_ratio() < MATCH_THRESHOLD or matcher.quick_ratio() < MATCH_THRESHOLD:
            continue
        similarity = name_similarity(key, other)
        if similarity >= MATCH_THRESHOLD:
            score = (Decimal(similarity) * 100).quantize(Decimal("0.1"))
            found[pk] = Candidate(MatchBasis.NAME, score)
    return found


def _account_candidates(deal: DealRegistration) -> dict[int, Candidate]:
    accounts = DirectAccount.objects.all()
    found = _similar(deal.name_key, list(accounts.values_list("pk", "name_key")))
    if deal.customer_tax_id:
        for pk in accounts.filter(tax_id=deal.customer_tax_id).values_list("pk", flat=True):
            _best(found, pk, Candidate(MatchBasis.TAX_ID, EXACT))
    return found


def _open_elsewhere(deal: DealRegistration) -> Any:
    """Other partners' registrations that still claim their customer."""
    today = timezone.localdate()
    return (
        DealRegistration.objects.filter(status__in=OPEN_STATUSES)
        .filter(Q(protected_until__isnull=True) | Q(protected_until__gte=today))
        .exclude(partner=deal.partner)
        .exclude(pk=deal.pk)
    )


def _registration_candidates(deal: DealRegistration) -> dict[int, Candidate]:
    others = _open_elsewhere(deal)
    found = _similar(deal.name_key, list(others.values_list("pk", "name_key")))
    if deal.customer_tax_id:
        for pk in others.filter(customer_tax_id=deal.customer_tax_id).values_list("pk", flat=True):
            _best(found, pk, Candidate(MatchBasis.TAX_ID, EXACT))
    return found


@transaction.atomic
def deal_conflicts_check(*, deal: DealRegistration) -> list[DealConflict]:
    """Find the customer among the direct accounts and the other partners' open
    registrations: the same tax id (always found, score 100) or a name at least
    ``MATCH_THRESHOLD`` alike once place, legal form, brackets and width are set aside.
    Replaces what an earlier check found; a registration it collides with learns of this
    one too. Once decided or closed, a registration claims nothing more: the others forget
    it, and what was found for it stays on record."""
    DealConflict.objects.filter(other_deal=deal).delete()
    if not deal.is_open:
        return list(DealConflict.objects.filter(deal=deal))
    DealConflict.objects.filter(deal=deal).delete()
    rows = [
        DealConflict(
            deal=deal, kind=ConflictKind.DIRECT_ACCOUNT, account_id=pk, basis=c.basis, score=c.score
        )
        for pk, c in _account_candidates(deal).items()
    ]
    for pk, c in _registration_candidates(deal).items():
        rows.append(
            DealConflict(
                deal=deal,
                kind=ConflictKind.REGISTRATION,
                other_deal_id=pk,
                basis=c.basis,
                score=c.score,
            )
        )
        rows.append(
            DealConflict(
                deal_id=pk,
                kind=ConflictKind.REGISTRATION,
                other_deal=deal,
                basis=c.basis,
                score=c.score,
            )
        )
    DealConflict.objects.bulk_create(rows)
    return [r for r in rows if r.deal_id == deal.pk]


# --- deciding ------------------------------------------------------------------------------------


def _ensure_channel_team(deal: DealRegistration, actor: Any | None) -> None:
    """Decisions are the channel team's (the director, the partner's managers) — never the
    partner's, though its admin changes its own registrations."""
    if actor is not None and not actor.is_superuser and not actor.has_role(*DIRECTOR_AND_MANAGER):
        raise PermissionDenied(_("Only the channel team decides on deal registrations."))
    ensure_may_change_row(deal, actor)


def _ensure_status(deal: DealRegistration, *allowed: str) -> None:
    if deal.status not in allowed:
        raise ValidationError(
            _("%(deal)s is %(status)s: this cannot be done now.")
            % {"deal": deal.number, "status": deal.get_status_display()}
        )


def _save(deal: DealRegistration, actor: Any | None, fields: list[str]) -> DealRegistration:
    ensure_storable_text(deal)  # a note with a NUL: refused, not a database error
    if actor is not None:
        deal._history_user = actor  # type: ignore[attr-defined]
    deal.save(update_fields=[*fields, "updated_at"])
    return deal


def _decided(deal: DealRegistration, actor: Any | None, status: str, note: str) -> list[str]:
    deal.status = status
    deal.decided_by = actor
    deal.decided_at = timezone.now()
    deal.decision_note = note
    return ["status", "decided_by", "decided_at", "decision_note"]


@transaction.atomic
def deal_approve(
    *,
    deal: DealRegistration,
    actor: Any | None = None,
    note: str = "",
    days: int | None = None,
    today: date | None = None,
) -> DealRegistration:
    """The customer is the partner's until the protection window ends."""
    _ensure_channel_team(deal, actor)
    _ensure_status(deal, DealStatus.SUBMITTED)
    days = protection_days() if days is None else days
    if not 1 <= days <= 730:
        raise ValidationError({"days": _("Between 1 and 730 days.")})
    fields = _decided(deal, actor, DealStatus.APPROVED, note)
    deal.protected_until = (today or timezone.localdate()) + timedelta(days=days)
    _save(deal, actor, [*fields, "protected_until"])
    deal_conflicts_check(deal=deal)
    _tell_decision(deal)
    return deal


@transaction.atomic
def deal_reject(*, deal: DealRegistration, actor: Any | None = None, note: str) -> DealRegistration:
    _ensure_channel_team(deal, actor)
    _ensure_status(deal, DealStatus.SUBMITTED)
    if not (note or "").strip():
        raise ValidationError({"note": _("Say why it is rejected: the partner reads it.")})
    _save(deal, actor, _decided(deal, actor, DealStatus.REJECTED, note.strip()))
    deal_conflicts_check(deal=deal)  # it no longer claims the customer
    _tell_decision(deal)
    return deal


def _sales_owner_suggested(deal: DealRegistration) -> Any | None:
    """The owner of the direct account it matched best."""
    conflict = (
        DealConflict.objects.filter(deal=deal, account__owner__isnull=False)
        .select_related("account__owner")
        .order_by("-score", "pk")
        .first()
    )
    return conflict.account.owner if conflict and conflict.account else None


@transaction.atomic
def deal_route(
    *, deal: DealRegistration, actor: Any | None = None, owner: Any | None = None, note: str = ""
) -> DealRegistration:
    """Hand the customer to direct sales: ``owner`` (one of sales), else the owner of the
    direct account it matched best."""
    _ensure_channel_team(deal, actor)
    _ensure_status(deal, DealStatus.SUBMITTED)
    owner = owner or _sales_owner_suggested(deal)
    if owner is None:
        raise ValidationError(
            {"owner": _("No direct account with an owner matched: name the sales owner.")}
        )
    if not owner.is_active or not owner.has_role(Role.SALES):
        raise ValidationError({"owner": _("%(user)s is not in sales.") % {"user": owner}})
    fields = _decided(deal, actor, DealStatus.ROUTED, note)
    deal.routed_to = owner
    _save(deal, actor, [*fields, "routed_to"])
    deal_conflicts_check(deal=deal)
    _tell_decision(deal)
    return deal


@transaction.atomic
def deal_extend(
    *, deal: DealRegistration, actor: Any | None = None, days: int | None = None, note: str = ""
) -> DealRegistration:
    """Protect the customer longer (from today, or from the current end if that is later),
    at most ``DEAL_MAX_EXTENSIONS`` times."""
    _ensure_channel_team(deal, actor)
    _ensure_status(deal, DealStatus.APPROVED, DealStatus.EXPIRED)
    if deal.extensions >= max_extensions():
        raise ValidationError(
            _("Extended %(n)d times already: the most allowed.") % {"n": deal.extensions}
        )
    days = protection_days() if days is None else days
    if not 1 <= days <= 730:
        raise ValidationError({"days": _("Between 1 and 730 days.")})
    start = max(deal.protected_until or timezone.localdate(), timezone.localdate())
    deal.protected_until = start + timedelta(days=days)
    deal.extensions += 1
    deal.status = DealStatus.APPROVED
    deal.expiry_notified_on = None
    if note:
        deal.decision_note = f"{deal.decision_note}\n{note}".strip()
    _save(
        deal,
        actor,
        ["protected_until", "extensions", "status", "expiry_notified_on", "decision_note"],
    )
    deal_conflicts_check(deal=deal)
    return deal


@transaction.atomic
def deal_close(
    *,
    deal: DealRegistration,
    actor: Any | None = None,
    won: bool,
    fact: str = "",
    document: str = "",
    note: str = "",
    closed_on: date | None = None,
) -> DealRegistration:
    """Won — named by the sell-in order or sell-through document of the partner (or its
    sub-partners) that realised it, its amount read from the fact store — or lost, with why.
    The partner's admin closes its own; the channel team any in its scope."""
    ensure_may_change_row(deal, actor)
    _ensure_status(deal, DealStatus.APPROVED, DealStatus.EXPIRED)
    fields = ["status", "closed_on", "close_note"]
    if won:
        if fact not in RealisedFact.values:
            raise ValidationError({"fact": _("Say whether a sell-in order or a sell-through.")})
        document = (document or "").strip()
        if not document:
            raise ValidationError({"document": _("Name the order or document that realised it.")})
        # deferred: reading the fact store loads the engine, which Django's start must not
        from qudao.deals.realised import realised_sale

        sale = realised_sale(fact=fact, document=document, partner=deal.partner)
        if sale is None:
            raise ValidationError(
                {
                    "document": _("No %(fact)s “%(document)s” of %(partner)s is on record.")
                    % {
                        "fact": RealisedFact(fact).label,
                        "document": document,
                        "partner": deal.partner.code,
                    }
                }
            )
        if sale.first_day < deal.created_at.date():
            raise ValidationError(
                {"document": _("That sale was booked before the deal was registered.")}
            )
        deal.realised_fact, deal.realised_document = fact, document
        deal.realised_amount = sale.amount
        deal.closed_on = closed_on or sale.first_day
        fields += ["realised_fact", "realised_document", "realised_amount"]
    else:
        if not (note or "").strip():
            raise ValidationError({"note": _("Say why it was lost.")})
        deal.closed_on = closed_on or timezone.localdate()
    deal.status = DealStatus.WON if won else DealStatus.LOST
    deal.close_note = (note or "").strip()
    _save(deal, actor, fields)
    deal_conflicts_check(deal=deal)
    return deal


@dataclass(frozen=True)
class ExpiryRun:
    expired: list[DealRegistration]
    expiring: list[DealRegistration]

    def summary(self) -> str:
        return f"{len(self.expired)} expired, {len(self.expiring)} told their protection ends soon"


@transaction.atomic
def deals_expire(*, as_of: date | None = None) -> ExpiryRun:
    """Run daily: approved registrations past their window expire (the customer is free
    again); those ending within ``DEAL_EXPIRY_NOTICE_DAYS`` are marked as told, once."""
    today = as_of or timezone.localdate()
    approved = DealRegistration.objects.filter(status=DealStatus.APPROVED)
    expired = list(approved.filter(protected_until__lt=today).select_related("partner"))
    for deal in expired:
        deal.status = DealStatus.EXPIRED
        _save(deal, None, ["status"])
        deal_conflicts_check(deal=deal)
    soon = today + timedelta(days=expiry_notice_days())
    expiring = list(
        approved.filter(
            protected_until__gte=today,
            protected_until__lte=soon,
            expiry_notified_on__isnull=True,
        ).select_related("partner")
    )
    for deal in expiring:
        deal.expiry_notified_on = today
        _save(deal, None, ["expiry_notified_on"])
        _tell_partner(
            deal,
            Event.DEAL_EXPIRING,
            Message(
                gettext_lazy("%(number)s %(customer)s: protection ends %(day)s"),
                {
                    "number": deal.number,
                    "customer": deal.customer_name,
                    "day": deal.protected_until,
                },
            ),
            Message(
                gettext_lazy(
                    "Close it won or lost before then, or ask your channel manager to extend it."
                )
            ),
        )
    return ExpiryRun(expired=expired, expiring=expiring)
