from __future__ import annotations

from decimal import Decimal

import django_tables2 as tables
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from qudao.core.tables import NUMERIC, EditColumn, MoneyColumn, StatusColumn
from qudao.governance.models import (
    Complaint,
    ComplianceItem,
    FlagStatus,
    ImprovementPlan,
    RiskFlag,
    RiskProfile,
    Violation,
)
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


class RiskProfileTable(tables.Table):
    partner = tables.Column(
        verbose_name=_("Partner"),
        accessor="partner__code",
        linkify=lambda record: (
            reverse("partners:partner_detail", args=[record.partner_id]) + "?tab=governance"
        ),
    )
    partner_name = tables.Column(
        verbose_name=_("Name"), accessor="partner__name", order_by=("partner__name_en",)
    )
    level = StatusColumn()
    score = tables.Column(attrs=NUMERIC)
    exposure = MoneyColumn()
    credit_limit = MoneyColumn()
    utilisation = tables.Column(
        verbose_name=_("Limit used"), attrs=NUMERIC, orderable=False, empty_values=()
    )
    overdue_61_90 = MoneyColumn()
    overdue_over_90 = MoneyColumn()
    complaints = tables.Column(attrs=NUMERIC)
    compliance_expired = tables.Column(verbose_name=_("Expired items"), attrs=NUMERIC)
    confirmed_violations = tables.Column(attrs=NUMERIC)
    receivables_as_of = tables.DateColumn()

    class Meta:
        model = RiskProfile
        fields = (
            "partner",
            "partner_name",
            "level",
            "score",
            "exposure",
            "credit_limit",
            "utilisation",
            "overdue_61_90",
            "overdue_over_90",
            "complaints",
            "compliance_expired",
            "confirmed_violations",
            "receivables_as_of",
        )
        order_by = ("-score", "partner")

    def render_utilisation(self, record: RiskProfile) -> str:
        used = record.utilisation
        return "—" if used is None else f"{number_format(used * 100, 1)} %"

    def value_utilisation(self, record: RiskProfile) -> Decimal | None:
        used = record.utilisation
        return None if used is None else round(used, 4)


class ComplaintTable(tables.Table):
    id = tables.Column(verbose_name=_("Complaint"))
    partner = tables.Column(
        verbose_name=_("Partner"),
        accessor="partner__code",
        linkify=("partners:partner_detail", [tables.A("partner_id")]),
    )
    received_on = tables.DateColumn()
    source = tables.Column()
    severity = StatusColumn()
    status = StatusColumn()
    text = tables.Column(orderable=False)
    edit = EditColumn("governance:complaint_edit")

    class Meta:
        model = Complaint
        fields = ("id", "partner", "received_on", "source", "severity", "status", "text")
        order_by = ("-received_on", "-id")


class ComplianceItemTable(tables.Table):
    name = tables.Column()
    partner = tables.Column(
        verbose_name=_("Partner"),
        accessor="partner__code",
        linkify=("partners:partner_detail", [tables.A("partner_id")]),
    )
    kind = tables.Column()
    reference = tables.Column()
    valid_from = tables.DateColumn()
    expires_on = tables.DateColumn()
    state = tables.Column(verbose_name=_("State"), orderable=False, empty_values=())
    edit = EditColumn("governance:compliance_edit")

    class Meta:
        model = ComplianceItem
        fields = ("name", "partner", "kind", "reference", "valid_from", "expires_on", "state")
        order_by = ("expires_on", "name")

    def render_state(self, record: ComplianceItem) -> str:
        state = record.state_on(timezone.localdate())
        return format_html('<span class="badge {}">{}</span>', state.value, state.label)

    def value_state(self, record: ComplianceItem) -> str:
        return str(record.state_on(timezone.localdate()).label)
