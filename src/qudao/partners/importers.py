"""Import and export definitions for partners, their authorised territories and targets."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from qudao.catalog.models import Category
from qudao.core.importing.fields import as_bool, as_choice, as_decimal, as_text, choices_of
from qudao.core.importing.master import Field, MasterTarget
from qudao.core.importing.upsert import upsert_by
from qudao.core.periods import Period
from qudao.partners.choices import PartnerStatus
from qudao.partners.models import ChannelModel, Grade, Partner, PartnerTerritory, Target
from qudao.partners.services import (
    partner_create,
    partner_territory_create,
    partner_territory_update,
    partner_update,
    target_create,
    target_update,
)
from qudao.territories.models import Region


def _period(value: Any) -> str:
    return Period.parse(str(value)).key


PARTNERS = MasterTarget(
    name="partners",
    label=_("Partners"),
    model=Partner,
    key=("code",),
    fields=[
        Field("code", as_text(50), required=True),
        Field("name_en", as_text(), required=True),
        Field("name_zh", as_text()),
        Field("channel_model", reference=ChannelModel, required=True),
        Field("parent", reference=Partner),
        Field("grade", reference=Grade),
        Field("status", as_choice(choices_of(PartnerStatus))),
        Field("home_region", reference=Region, required=True),
        Field("credit_limit", as_decimal(places=2, minimum=Decimal(0))),
        Field("joined_on"),
        Field("terminated_on"),
        Field("notes", as_text(2000)),
        Field("reports_sell_through", as_bool),
    ],
    upsert=upsert_by(
        model=Partner,
        key=("code",),
        create=partner_create,
        update=partner_update,
        instance_kw="partner",
    ),
    export_queryset=lambda: Partner.objects.select_related(
        "channel_model", "parent", "grade", "home_region"
    ),
    export_row=lambda p: {
        "code": p.code,
        "name_en": p.name_en,
        "name_zh": p.name_zh,
        "channel_model": p.channel_model.code,
        "parent": p.parent.code if p.parent else "",
        "grade": p.grade.code if p.grade else "",
        "status": p.status,
        "home_region": p.home_region.code,
        "credit_limit": p.credit_limit,
        "joined_on": p.joined_on,
        "terminated_on": p.terminated_on,
        "notes": p.notes,
        "reports_sell_through": ""
        if p.reports_sell_through is None
        else ("yes" if p.reports_sell_through else "no"),
    },
)


TARGETS = MasterTarget(
    name="targets",
    label=_("Targets"),
    model=Target,
    key=("partner", "period", "category"),
    fields=[
        Field("partner", reference=Partner, required=True),
        Field("period", _period, required=True),
        Field("category", reference=Category),
        Field("amount", as_decimal(places=2, minimum=Decimal(0))),
        Field("quantity", as_decimal(places=3, minimum=Decimal(0))),
    ],
    # a target is replaced whole: a blank category means all categories
    upsert=upsert_by(
        model=Target,
        key=("partner", "period", "category"),
        create=target_create,
        update=target_update,
        instance_kw="target",
        blanks={"category_id": None},
    ),
    export_queryset=lambda: Target.objects.select_related("partner", "category"),
    export_row=lambda t: {
        "partner": t.partner.code,
        "period": t.period,
        "category": t.category.code if t.category else "",
        "amount": t.amount,
        "quantity": t.quantity,
    },
)


TERRITORIES = MasterTarget(
    name="territories",
    label=_("Authorised territories"),
    model=PartnerTerritory,
    key=("partner", "region", "valid_from"),
    fields=[
        Field("partner", reference=Partner, required=True),
        Field("region", reference=Region, required=True),
        Field("exclusive", as_bool),
        Field("valid_from", required=True),
        Field("valid_to"),
    ],
    # blank: an authorisation without an end runs on, and is not exclusive
    upsert=upsert_by(
        model=PartnerTerritory,
        key=("partner", "region", "valid_from"),
        create=partner_territory_create,
        update=partner_territory_update,
        instance_kw="territory",
        blanks={"valid_to": None, "exclusive": False},
    ),
    export_queryset=lambda: PartnerTerritory.objects.select_related("partner", "region"),
    export_row=lambda t: {
        "partner": t.partner.code,
        "region": t.region.code,
        "exclusive": "yes" if t.exclusive else "no",
        "valid_from": t.valid_from,
        "valid_to": t.valid_to,
    },
)
