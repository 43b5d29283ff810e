from __future__ import annotations

from decimal import Decimal

import django_tables2 as tables
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from qudao.core.tables import NUMERIC, MoneyColumn, StatusColumn
from qudao.governance.models import FlagStatus, ImprovementPlan, RiskFlag, Violation
from qudao.governance.selectors import evidence_text


class RiskFlagTable(tables.Table):
    partner = tables.Column(
        verbose_name=_("Partner"),
        accessor="partner__code",
        linkify=("partners:partner_detail", [tables.A("partner_id")]),
    )
    partner_name = tables.Column(
        verbose_name=_("Name"), accessor="partner__name", order_by=("partner__name_en",)
    )
    period = tables.Column()
    rule = tables.Column()
    evidence = tables.Column(verbose_name=_("Evidence (value / reference)"), orderable=False)
    status = StatusColumn()
    plan = tables.Column(
        verbose_name=_("Improvement plan"),
        empty_values=(),  # rendered for every row: a link to the plan, or a way to start one
        orderable=False,
        exclude_from_export=True,
    )

    class Meta:
        model = RiskFlag
        fields = ("partner", "partner_name", "period", "rule", "evidence", "status")
        order_by = ("-period", "partner")

    def render_rule(self, record: RiskFlag) -> str:
        rule = record.rule_definition
        return rule.name if rule else record.rule

    def value_rule(self, record: RiskFlag) -> str:
        return self.render_rule(record)

    def render_evidence(self, record: RiskFlag) -> str:
        return evidence_text(record)

    def value_evidence(self, record: RiskFlag) -> str:
        return evidence_text(record)

    def render_plan(self, record: RiskFlag) -> str:
        if record.plan is not None:
            return format_html('<a href="{}">{}</a>', record.plan.get_absolute_url(), _("Plan"))
        if record.status == FlagStatus.OPEN:
            url = reverse("governance:plan_add") + f"?partner={record.partner_id}"
            return format_html('<a class="btn small" href="{}">{}</a>', url, _("Start a plan"))
        return ""


class ImprovementPlanTable(tables.Table):
    id = tables.Column(verbose_name=_("Plan"), linkify=True)
    partner = tables.Column(verbose_name=_("Partner"), accessor="partner__code")
    owner = tables.Column()
    due_date = tables.DateColumn()
    follow_up_date = tables.DateColumn()
    status = StatusColumn()
    created_at = tables.DateTimeColumn(verbose_name=_("Started"))

    class Meta:
        model = ImprovementPlan
        fields = ("id", "partner", "owner", "due_date", "follow_up_date", "status", "created_at")
        order_by = "-id"


class ViolationTable(tables.Table):
    id = tables.Column(verbose_name=_("Violation"), linkify=True)
    type = tables.Column()
    partner = tables.Column(verbose_name=_("Partner"), accessor="partner__code")
    partner_name = tables.Column(
        verbose_name=_("Name"), accessor="partner__name", order_by=("partner__name_en",)
    )
    injured_partner = tables.Column(
        verbose_name=_("Injured partner"), accessor="injured_partner__code", default=""
    )
    period = tables.Column()
    quantity = tables.Column(attrs=NUMERIC)
    value = MoneyColumn(verbose_name=_("Value"))
    evidence_count = tables.Column(verbose_name=_("Evidence"), attrs=NUMERIC)
    severity = StatusColumn()
    status = StatusColumn()
    assignee = tables.Column(default="")

    class Meta:
        model = Violation
        fields = (
            "id",
            "type",
            "partner",
            "partner_name",
            "injured_partner",
            "period",
            "quantity",
            "value",
            "evidence_count",
            "severity",
            "status",
            "assignee",
        )
        order_by = ("-period", "type", "partner")

    def render_quantity(self, value: Decimal) -> str:
        return number_format(value.normalize(), force_grouping=True)

    def value_quantity(self, value: Decimal) -> Decimal:
        return value.normalize()
