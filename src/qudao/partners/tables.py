from __future__ import annotations

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from qudao.core.tables import NUMERIC, EditColumn, MoneyColumn, NameColumn, StatusColumn
from qudao.core.templatetags.qudao import period_label
from qudao.partners.models import Partner, Target


class PartnerTable(tables.Table):
    code = tables.Column(linkify=True)
    name = NameColumn(verbose_name=_("Name"))
    channel_model = tables.Column(
        accessor="channel_model__name",
        order_by="channel_model__code",
        verbose_name=_("Channel model"),
    )
    grade = tables.Column(accessor="grade__name", order_by="grade__rank", verbose_name=_("Grade"))
    status = StatusColumn()
    home_region = tables.Column(
        accessor="home_region__name", order_by="home_region__name_en", verbose_name=_("Home region")
    )
    depth = tables.Column(verbose_name=_("Level"), attrs=NUMERIC)
    owner = tables.Column()
    credit_limit = MoneyColumn()

    class Meta:
        model = Partner
        fields = (
            "code",
            "name",
            "channel_model",
            "grade",
            "status",
            "home_region",
            "depth",
            "owner",
            "credit_limit",
        )
        order_by = "code"


class TargetTable(tables.Table):
    partner = tables.Column(
        accessor="partner__code",
        verbose_name=_("Partner code"),
        linkify=lambda record: record.partner.get_absolute_url(),
    )
    partner_name = tables.Column(
        accessor="partner__name", order_by="partner__name_en", verbose_name=_("Partner")
    )
    period = tables.Column(order_by=("period_start", "period"))
    category = tables.Column(
        accessor="category__name",
        order_by="category__code",
        verbose_name=_("Product category"),
        default=_("All categories"),
    )
    amount = MoneyColumn()
    quantity = tables.Column(attrs=NUMERIC)
    edit = EditColumn("partners:target_edit")

    class Meta:
        model = Target
        fields = ("partner", "partner_name", "period", "category", "amount", "quantity", "basis")
        order_by = ("partner", "period")

    def render_period(self, value: str) -> str:
        return period_label(value)

    def value_period(self, value: str) -> str:
        return value
