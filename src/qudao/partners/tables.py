from __future__ import annotations

import django_tables2 as tables
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from qudao.core.tables import NUMERIC, EditColumn, MoneyColumn, NameColumn, StatusColumn
from qudao.core.templatetags.qudao import period_label
from qudao.partners.choices import AgreementState
from qudao.partners.models import Agreement, Partner, Target


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


class AgreementTable(tables.Table):
    number = tables.Column(linkify=True, verbose_name=_("Agreement"))
    version = tables.Column(attrs=NUMERIC)
    partner = tables.Column(
        accessor="partner__code",
        linkify=("partners:partner_detail", [tables.A("partner_id")]),
        verbose_name=_("Partner"),
    )
    kind = tables.Column()
    starts_on = tables.DateColumn()
    ends_on = tables.DateColumn()
    state = tables.Column(verbose_name=_("State"), accessor="pk", orderable=False)
    yearly_target = MoneyColumn()
    payment_terms = tables.Column()
    edit = EditColumn("partners:agreement_edit")

    class Meta:
        model = Agreement
        fields = (
            "number",
            "version",
            "partner",
            "kind",
            "starts_on",
            "ends_on",
            "state",
            "yearly_target",
            "payment_terms",
        )
        order_by = ("ends_on",)

    def render_state(self, record: Agreement) -> str:
        state = AgreementState(record.state_on(timezone.localdate()))
        return format_html('<span class="badge {}">{}</span>', state.value, state.label)

    def value_state(self, record: Agreement) -> str:
        return str(AgreementState(record.state_on(timezone.localdate())).label)
