"""Reads for partners, always through the access gate."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from qudao.core.models import User
from qudao.partners.models import Agreement, Contact, Partner, PartnerTerritory, Target


def partner_list(*, user: Any) -> QuerySet[Partner]:
    return Partner.objects.restrict(user).select_related(
        "channel_model", "grade", "home_region", "owner", "parent"
    )


def partner_get(*, user: Any, pk: int) -> Partner:
    """The partner, if ``user`` may see it; ``Partner.DoesNotExist`` otherwise (→ 404)."""
    return partner_list(user=user).get(pk=pk)


def partner_ancestors(*, partner: Partner, user: Any) -> list[Partner]:
    """The partners above ``partner`` that ``user`` may see (a sub-partner's staff do not
    see who supplies their supplier, nor its name)."""
    ids = [int(pk) for pk in partner.path.strip("/").split("/")[:-1] if pk]
    by_id = {p.pk: p for p in partner_list(user=user).filter(pk__in=ids)}
    return [by_id[i] for i in ids if i in by_id]


def partner_parent_visible(*, partner: Partner, user: Any) -> Partner | None:
    """The partner's parent if ``user`` may see it, else None."""
    if partner.parent_id is None:
        return None
    return partner_list(user=user).filter(pk=partner.parent_id).first()


def partner_children(*, user: Any, partner: Partner) -> QuerySet[Partner]:
    return partner_list(user=user).filter(parent=partner)


def partner_territories(*, user: Any, partner: Partner) -> QuerySet[PartnerTerritory]:
    return PartnerTerritory.objects.restrict(user).filter(partner=partner).select_related("region")


def partner_contacts(*, user: Any, partner: Partner) -> QuerySet[Contact]:
    return Contact.objects.restrict(user).filter(partner=partner)


def partner_people(*, user: Any, partner: Partner) -> Any:
    """The partner's people with a sign-in — for those who see the partner (through the
    gate), its own company's people included."""
    if not Partner.objects.restrict(user).filter(pk=partner.pk).exists():  # type: ignore[attr-defined]
        return User.objects.none()
    return User.objects.filter(partner=partner).prefetch_related("groups").order_by("username")


def target_list(*, user: Any) -> QuerySet[Target]:
    return Target.objects.restrict(user).select_related("partner", "category")


def agreement_list(*, user: Any) -> QuerySet[Agreement]:
    return Agreement.objects.restrict(user).select_related("partner", "renewal")


def agreement_versions(*, agreement: Agreement, user: Any) -> list[Agreement]:
    """Every version of the agreement the user may see, newest first."""
    return list(
        agreement_list(user=user)
        .filter(partner=agreement.partner, number=agreement.number)
        .order_by("-version")
    )
