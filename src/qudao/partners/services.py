"""Writes for partners, their territories, contacts and targets."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from qudao.core.auth import user_sessions_end
from qudao.core.choices import Role
from qudao.core.mail import mail_in_language
from qudao.core.models import User
from qudao.core.periods import Period
from qudao.core.permissions import ensure_may_change_row, is_partner_user, restrict
from qudao.core.services import model_create, model_update
from qudao.core.trees import tree_check_parent, tree_parent_in, tree_refresh_paths
from qudao.partners.choices import ALLOWED_TRANSITIONS, PartnerErrorCode, PartnerStatus
from qudao.partners.models import (
    Agreement,
    AgreementFile,
    ChannelModel,
    Contact,
    Grade,
    Partner,
    PartnerTerritory,
    Target,
)


@transaction.atomic
def partner_create(*, actor: Any | None = None, **data: Any) -> Partner:
    """Create a partner. A new partner starts as a prospect unless a status is given."""
    partner = model_create(model=Partner, data=data, actor=actor)
    tree_refresh_paths(node=partner)
    return partner


@transaction.atomic
def partner_update(*, partner: Partner, actor: Any | None = None, **data: Any) -> Partner:
    """Update a partner's profile. Status changes go through ``partner_change_status``."""
    status = data.pop("status", partner.status)
    sets_parent, parent = tree_parent_in(data, type(partner))
    if sets_parent:
        tree_check_parent(node=partner, parent=parent)
    partner, _changed = model_update(instance=partner, data=data, actor=actor)
    tree_refresh_paths(node=partner)
    if status != partner.status:
        partner_change_status(partner=partner, status=status, actor=actor)
    return partner


@transaction.atomic
def partner_change_status(
    *, partner: Partner, status: str, actor: Any | None = None, on: date | None = None
) -> Partner:
    """Move a partner along its lifecycle; only the allowed transitions are accepted."""
    if status == partner.status:
        return partner
    if status not in ALLOWED_TRANSITIONS.get(partner.status, frozenset()):
        raise ValidationError(
            {
                "status": _("A partner cannot go from “%(from)s” to “%(to)s”.")
                % {
                    "from": PartnerStatus(partner.status).label,
                    "to": PartnerStatus(status).label if status in PartnerStatus.values else status,
                }
            },
            code=PartnerErrorCode.INVALID_TRANSITION,
        )
    today = on or timezone.localdate()
    data: dict[str, Any] = {"status": status}
    if status == PartnerStatus.ACTIVE and partner.joined_on is None:
        data["joined_on"] = today
    if status == PartnerStatus.TERMINATED:
        data["terminated_on"] = today
    return model_update(instance=partner, data=data, actor=actor)[0]


def partner_territory_check(territory: PartnerTerritory) -> None:
    """Territory protection: an exclusive authorisation admits no other partner in the same
    region — or a region above or below it — at an overlapping time."""
    region_path = territory.region.path
    ancestors = [int(pk) for pk in region_path.strip("/").split("/") if pk]
    overlapping = (
        PartnerTerritory.objects.select_related("partner", "region")
        .exclude(partner_id=territory.partner_id)
        .filter(Q(region_id__in=ancestors) | Q(region__path__startswith=region_path))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=territory.valid_from))
    )
    if territory.valid_to is not None:
        overlapping = overlapping.filter(valid_from__lte=territory.valid_to)
    if not territory.exclusive:
        overlapping = overlapping.filter(exclusive=True)
    clash = overlapping.first()
    if clash is not None:
        raise ValidationError(
            {
                "region": _(
                    "%(partner)s holds %(region)s from %(from)s (exclusive: %(exclusive)s); "
                    "the two authorisations would overlap."
                )
                % {
                    "partner": clash.partner,
                    "region": clash.region.name,
                    "from": clash.valid_from.isoformat(),
                    "exclusive": _("yes") if clash.exclusive else _("no"),
                }
            }
        )


@transaction.atomic
def partner_territory_create(*, actor: Any | None = None, **data: Any) -> PartnerTerritory:
    return model_create(
        model=PartnerTerritory, data=data, actor=actor, check=partner_territory_check
    )


@transaction.atomic
def partner_territory_update(
    *, territory: PartnerTerritory, actor: Any | None = None, **data: Any
) -> PartnerTerritory:
    return model_update(instance=territory, data=data, actor=actor, check=partner_territory_check)[
        0
    ]


@transaction.atomic
def contact_create(*, actor: Any | None = None, **data: Any) -> Contact:
    return model_create(model=Contact, data=data, actor=actor)


@transaction.atomic
def contact_update(*, contact: Contact, actor: Any | None = None, **data: Any) -> Contact:
    return model_update(instance=contact, data=data, actor=actor)[0]


def _target_period_fields(period: str) -> dict[str, Any]:
    try:
        parsed = Period.parse(period)
    except ValueError as exc:
        raise ValidationError({"period": str(exc)}, code=PartnerErrorCode.INVALID_PERIOD) from exc
    return {"period": parsed.key, "period_start": parsed.start, "period_end": parsed.end}


@transaction.atomic
def target_create(*, actor: Any | None = None, period: str, **data: Any) -> Target:
    return model_create(model=Target, data={**data, **_target_period_fields(period)}, actor=actor)


@transaction.atomic
def target_update(*, target: Target, actor: Any | None = None, **data: Any) -> Target:
    if "period" in data:
        data.update(_target_period_fields(data.pop("period")))
    return model_update(instance=target, data=data, actor=actor)[0]


@transaction.atomic
def channel_model_create(*, actor: Any | None = None, **data: Any) -> ChannelModel:
    return model_create(model=ChannelModel, data=data, actor=actor)


@transaction.atomic
def grade_create(*, actor: Any | None = None, **data: Any) -> Grade:
    return model_create(model=Grade, data=data, actor=actor)


# --- agreements ---------------------------------------------------------------------------------

# What other apps do after a partner's agreements changed (governance re-judges the
# partner's risk and alerts: an agreement expiring or expired), inside the transaction.
_AGREEMENT_CHANGED: list[Callable[[Partner], None]] = []


def register_agreement_changed(callback: Callable[[Partner], None]) -> None:
    if callback not in _AGREEMENT_CHANGED:
        _AGREEMENT_CHANGED.append(callback)


def _agreement_changed(partner: Partner) -> None:
    for callback in _AGREEMENT_CHANGED:
        callback(partner)


def agreement_check(agreement: Agreement) -> None:
    """The rebate programs named must exist (by code)."""
    codes = [c.strip() for c in agreement.rebate_programs.split(",") if c.strip()]
    if not codes:
        return
    program = apps.get_model("programs", "Program")  # a reference, not a dependency
    known = set(program.objects.filter(code__in=codes).values_list("code", flat=True))
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ValidationError(
            {
                "rebate_programs": _("No rebate program with code: %(codes)s.")
                % {"codes": ", ".join(unknown)}
            }
        )


@transaction.atomic
def agreement_create(
    *, actor: Any | None = None, signed_copies: Sequence[Any] = (), **data: Any
) -> Agreement:
    agreement = model_create(model=Agreement, data=data, actor=actor, check=agreement_check)
    agreement_files_add(agreement=agreement, signed_copies=signed_copies, actor=actor)
    _agreement_changed(agreement.partner)
    return agreement


@transaction.atomic
def agreement_update(
    *,
    agreement: Agreement,
    actor: Any | None = None,
    signed_copies: Sequence[Any] = (),
    **data: Any,
) -> Agreement:
    agreement = model_update(instance=agreement, data=data, actor=actor, check=agreement_check)[0]
    agreement_files_add(agreement=agreement, signed_copies=signed_copies, actor=actor)
    _agreement_changed(agreement.partner)
    return agreement


@transaction.atomic
def agreement_renew(
    *,
    agreement: Agreement,
    starts_on: date,
    ends_on: date,
    actor: Any | None = None,
    signed_copies: Sequence[Any] = (),
    **changes: Any,
) -> Agreement:
    """The next version of ``agreement``: its terms carried over (or changed), a new term
    of validity; the old version stays as it was, marked renewed. Only the newest version
    is renewed."""
    ensure_may_change_row(agreement, actor)
    if Agreement.objects.filter(previous=agreement).exists():
        raise ValidationError(_("This version was renewed already: renew the newest one."))
    data: dict[str, Any] = {
        "partner": agreement.partner,
        "number": agreement.number,
        "kind": agreement.kind,
        "yearly_target": agreement.yearly_target,
        "rebate_programs": agreement.rebate_programs,
        "payment_terms": agreement.payment_terms,
        "other_terms": agreement.other_terms,
        "remind_days": agreement.remind_days,
        "territories": list(agreement.territories.all()),
        **changes,
        "starts_on": starts_on,
        "ends_on": ends_on,
        "version": agreement.version + 1,
        "previous": agreement,
    }
    renewed = model_create(model=Agreement, data=data, actor=actor, check=agreement_check)
    agreement_files_add(agreement=renewed, signed_copies=signed_copies, actor=actor)
    _agreement_changed(agreement.partner)
    return renewed


AGREEMENT_FILE_MAX_BYTES = 20 * 1024 * 1024


def agreement_files_add(
    *, agreement: Agreement, signed_copies: Sequence[Any], actor: Any | None = None
) -> None:
    """Keep signed copies (PDF or images, 20 MB each) with the agreement."""
    if not signed_copies:
        return
    ensure_may_change_row(agreement, actor)
    for upload in signed_copies:
        name = (upload.name or "file")[-200:]
        if not name.lower().endswith((".pdf", ".jpg", ".jpeg", ".png", ".tif", ".tiff")):
            raise ValidationError(
                {
                    "signed_copies": _("“%(name)s”: a signed copy is a PDF or an image.")
                    % {"name": name}
                }
            )
        if (upload.size or 0) > AGREEMENT_FILE_MAX_BYTES:
            raise ValidationError(
                {"signed_copies": _("“%(name)s” is larger than 20 MB.") % {"name": name}}
            )
        AgreementFile.objects.create(
            agreement=agreement, file=upload, name=name, size=upload.size or 0, uploaded_by=actor
        )


# --- a partner's own people with a sign-in ------------------------------------------------------

PARTNER_ROLES_INVITED = (Role.PARTNER_USER, Role.PARTNER_ADMIN)


def may_invite_for(actor: Any | None, partner: Partner) -> bool:
    """A partner's admin invites people of its own company and sub-partners; the channel
    team those of the partners it may change."""
    if actor is None or actor.is_superuser:
        return True
    if is_partner_user(actor):
        return actor.has_role(Role.PARTNER_ADMIN) and partner.path.startswith(actor.partner.path)
    return restrict(Partner.objects.filter(pk=partner.pk), actor, "change").exists()


@dataclass(frozen=True)
class Invitation:
    user: Any
    link: str  # where the invitee sets a password: once, within PASSWORD_RESET_TIMEOUT
    mailed: bool


@transaction.atomic
def partner_user_invite(
    *,
    partner: Partner,
    username: str,
    email: str,
    role: str,
    first_name: str = "",
    last_name: str = "",
    language: str = "",
    actor: Any | None = None,
) -> Invitation:
    """A sign-in for one of the partner's people, with no password yet: the invitation's
    link sets it. Mailed in the invitee's language where this installation sends mail;
    else the link is for the inviter to pass on."""
    if not may_invite_for(actor, partner):
        raise PermissionDenied(
            _("You may not invite people for %(partner)s.") % {"partner": partner}
        )
    if role not in PARTNER_ROLES_INVITED:
        raise ValidationError({"role": _("A partner's people are its admins or its users.")})
    username = (username or "").strip()
    if not username or User.objects.filter(username__iexact=username).exists():
        raise ValidationError(
            {"username": _("“%(name)s” is taken: choose another.") % {"name": username}}
        )
    user = User(
        username=username,
        email=(email or "").strip(),
        first_name=first_name,
        last_name=last_name,
        language=language,
        partner=partner,
    )
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    user.groups.add(Group.objects.get(name=role))
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    path = reverse("password_reset_confirm", args=[uid, default_token_generator.make_token(user)])
    link = f"{str(settings.QUDAO.get('SITE_URL', '')).rstrip('/')}{path}"
    mailed = bool(user.email) and mail_in_language(
        to=user.email,
        language=language,
        subject_template="partners/mail/invitation_subject.txt",
        body_template="partners/mail/invitation_body.txt",
        context={"user": user, "partner": partner, "link": link, "inviter": actor},
    )
    return Invitation(user=user, link=link, mailed=mailed)


@transaction.atomic
def partner_user_deactivate(*, user: Any, actor: Any | None = None) -> Any:
    """Take a partner person's sign-in away (its history stays); its sessions end."""
    if user.partner_id is None or not may_invite_for(actor, user.partner):
        raise PermissionDenied(_("You may not change %(user)s.") % {"user": user})
    if actor is not None and actor.pk == user.pk:
        raise ValidationError(_("You cannot take your own sign-in away."))
    user.is_active = False
    user.save(update_fields=["is_active"])
    user_sessions_end(user=user)
    return user
