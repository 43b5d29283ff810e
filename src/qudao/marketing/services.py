"""Writes for joint marketing. The channel team runs campaigns with the partners in its
scope; a campaign's budget is committed against its market development fund at once (under
the fund's lock: never overspent), and on closing what it spent is paid and the rest
released — the fund's books as an MDF request keeps them."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from qudao.core.permissions import ensure_may_change, ensure_may_change_row, restrict
from qudao.core.services import model_create, model_update
from qudao.marketing.models import Campaign, CampaignPartner, CampaignStatus
from qudao.partners.models import Partner
from qudao.programs.models import Fund


def _check_partners(fund: Fund, partners: Iterable[Partner], actor: Any | None) -> list[Partner]:
    partners = list(partners)
    if not partners:
        raise ValidationError({"partners": _("Name the partners taking part.")})
    if actor is not None:
        allowed = set(
            restrict(
                Partner.objects.filter(pk__in=[p.pk for p in partners]), actor, "change"
            ).values_list("pk", flat=True)
        )
        outside = [p.code for p in partners if p.pk not in allowed]
        if outside:
            raise PermissionDenied(
                _("Outside the partners you may change: %(codes)s.") % {"codes": ", ".join(outside)}
            )
    strangers = [
        p.code
        for p in partners
        if (fund.channel_model_id and p.channel_model_id != fund.channel_model_id)
        or (fund.grade_id and p.grade_id != fund.grade_id)
    ]
    if strangers:
        raise ValidationError(
            {"partners": _("The fund %(fund)s is not for %(codes)s.")
             % {"fund": fund.code, "codes": ", ".join(strangers)}}
        )  # fmt: skip
    return partners


def _commit(fund_id: int, amount: Decimal) -> None:
    """Commit ``amount`` (negative: release) against the fund, under its lock."""
    fund = Fund.objects.select_for_update().get(pk=fund_id)
    if amount > fund.remaining:
        raise ValidationError(
            {"budget": _("The fund has %(left)s left: it is never overspent.")
             % {"left": fund.remaining}}
        )  # fmt: skip
    Fund.objects.filter(pk=fund.pk).update(committed=F("committed") + amount)


@transaction.atomic
def campaign_create(
    *, actor: Any | None = None, partners: Iterable[Partner] = (), **data: Any
) -> Campaign:
    ensure_may_change(Campaign, actor)
    partners = _check_partners(data["fund"], partners, actor)
    if actor is not None and data.get("owner") is None:
        data["owner"] = actor
    campaign = model_create(model=Campaign, data=data, actor=actor)
    _commit(campaign.fund_id, campaign.budget)
    CampaignPartner.objects.bulk_create(
        CampaignPartner(campaign=campaign, partner=p) for p in partners
    )
    return campaign


@transaction.atomic
def campaign_update(
    *,
    campaign: Campaign,
    actor: Any | None = None,
    partners: Iterable[Partner] | None = None,
    **data: Any,
) -> Campaign:
    """Change an open campaign; a new budget commits (or releases) the difference, another
    fund moves the whole commitment."""
    ensure_may_change_row(campaign, actor)
    stored = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if stored.status != CampaignStatus.OPEN:
        raise ValidationError(_("A closed campaign is kept as it was."))
    before_fund, before_budget = stored.fund_id, stored.budget
    campaign = model_update(instance=campaign, data=data, actor=actor)[0]
    if (campaign.fund_id, campaign.budget) != (before_fund, before_budget):
        _commit(before_fund, -before_budget)
        _commit(campaign.fund_id, campaign.budget)
    if partners is not None:
        chosen = _check_partners(campaign.fund, partners, actor)
        campaign.participants.exclude(partner__in=chosen).delete()
        have = set(campaign.participants.values_list("partner_id", flat=True))
        CampaignPartner.objects.bulk_create(
            CampaignPartner(campaign=campaign, partner=p) for p in chosen if p.pk not in have
        )
    return campaign


@transaction.atomic
def campaign_results_record(
    *, campaign: Campaign, leads: dict[int, int], results: str, actor: Any | None = None
) -> Campaign:
    """The leads each partner brought (partner id → count) and what came of it."""
    ensure_may_change_row(campaign, actor)
    for participant in campaign.participants.all():
        count = leads.get(participant.partner_id)
        if count is None or count == participant.leads:
            continue
        if count < 0:
            raise ValidationError({"leads": _("Leads are counted from 0.")})
        participant.leads = count
        participant.save(update_fields=["leads"])
    return model_update(instance=campaign, data={"results": results}, actor=actor)[0]


@transaction.atomic
def campaign_close(*, campaign: Campaign, spend: Decimal, actor: Any | None = None) -> Campaign:
    """What it cost is paid from the fund; the rest of the budget goes back to it."""
    ensure_may_change_row(campaign, actor)
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status != CampaignStatus.OPEN:
        raise ValidationError(_("This campaign is closed already."))
    if spend < 0 or spend > campaign.budget:
        raise ValidationError({"spend": _("From 0 up to the budget.")})
    Fund.objects.select_for_update().filter(pk=campaign.fund_id).update(
        committed=F("committed") - campaign.budget, paid=F("paid") + spend
    )
    return model_update(
        instance=campaign, data={"spend": spend, "status": CampaignStatus.CLOSED}, actor=actor
    )[0]
