from __future__ import annotations

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from qudao.core.tables import MoneyColumn, StatusColumn
from qudao.programs.models import (
    ExpenseClaim,
    Fund,
    MdfRequest,
    Program,
    ProgramKind,
    Settlement,
    Statement,
    VersionStatus,
)


class ProgramTable(tables.Table):
    code = tables.Column(linkify=True)
    name = tables.Column(verbose_name=_("Name"), order_by=("name_en",))
    kind = tables.Column(verbose_name=_("Kind"), accessor="latest_kind", orderable=False)
    settlement = tables.Column(
        verbose_name=_("Settled by"), accessor="latest_settlement", orderable=False
    )
    valid_from = tables.DateColumn(
        verbose_name=_("Valid from"), accessor="latest_from", orderable=False
    )
    valid_to = tables.DateColumn(verbose_name=_("Valid to"), accessor="latest_to", orderable=False)
    versions = tables.Column(verbose_name=_("Versions"), accessor="version_count", orderable=False)
    status = tables.Column(
        verbose_name=_("Latest version"), accessor="latest_status", orderable=False
    )

    class Meta:
        model = Program
        fields = (
            "code",
            "name",
            "kind",
            "settlement",
            "valid_from",
            "valid_to",
            "versions",
            "status",
        )
        order_by = ("code",)

    def render_kind(self, value: str) -> str:
        return str(ProgramKind(value).label) if value in ProgramKind.values else value

    def render_status(self, value: str) -> str:
        return str(VersionStatus(value).label) if value in VersionStatus.values else value


class SettlementTable(tables.Table):
    id = tables.Column(verbose_name=_("Settlement"), linkify=True)
    period = tables.Column()
    status = StatusColumn()
    created_at = tables.DateTimeColumn(verbose_name=_("Made"), format="SHORT_DATETIME_FORMAT")
    created_by = tables.Column(verbose_name=_("By"))
    partners = tables.Column(
        verbose_name=_("Statements"), accessor="statement_count", orderable=False
    )
    total_payable = MoneyColumn(verbose_name=_("Payable"))

    class Meta:
        model = Settlement
        fields = ("id", "period", "status", "created_at", "created_by", "partners", "total_payable")
        order_by = ("-id",)


class StatementTable(tables.Table):
    partner = tables.Column(
        verbose_name=_("Partner"),
        accessor="partner__code",
        linkify=lambda record: record.get_absolute_url(),
    )
    partner_name = tables.Column(
        verbose_name=_("Name"), accessor="partner__name", order_by=("partner__name_en",)
    )
    period = tables.Column(verbose_name=_("Period"), accessor="settlement__period")
    settlement = tables.Column(verbose_name=_("Settlement"), accessor="settlement_id")
    status = StatusColumn()
    lines_payable = MoneyColumn(verbose_name=_("Rebates"))
    deductions = MoneyColumn(verbose_name=_("Deductions"))
    carried_in = MoneyColumn(verbose_name=_("Carried in"))
    payable = MoneyColumn(verbose_name=_("Payable"))
    document_no = tables.Column(verbose_name=_("Document"))

    class Meta:
        model = Statement
        fields = (
            "partner",
            "partner_name",
            "period",
            "settlement",
            "status",
            "lines_payable",
            "deductions",
            "carried_in",
            "payable",
            "document_no",
        )
        order_by = ("-settlement", "partner")


class FundTable(tables.Table):
    code = tables.Column(linkify=True)
    name = tables.Column(verbose_name=_("Name"), order_by=("name_en",))
    period = tables.Column()
    channel_model = tables.Column(verbose_name=_("Channel model"))
    grade = tables.Column(verbose_name=_("Grade"))
    amount = MoneyColumn(verbose_name=_("Amount"))
    committed = MoneyColumn(verbose_name=_("Committed"))
    paid = MoneyColumn(verbose_name=_("Paid"))
    remaining = MoneyColumn(verbose_name=_("Remaining"), orderable=False)

    class Meta:
        model = Fund
        fields = ("code", "name", "period", "channel_model", "grade", "amount", "committed", "paid")
        order_by = ("-period",)


class MdfRequestTable(tables.Table):
    id = tables.Column(verbose_name=_("Request"), linkify=True)
    partner = tables.Column(verbose_name=_("Partner"), accessor="partner__code")
    activity = tables.Column()
    fund = tables.Column(verbose_name=_("Fund"), accessor="fund__code")
    starts_on = tables.DateColumn(verbose_name=_("Starts on"))
    budget = MoneyColumn(verbose_name=_("Budget"))
    approved_amount = MoneyColumn(verbose_name=_("Approved"))
    status = StatusColumn()

    class Meta:
        model = MdfRequest
        fields = (
            "id",
            "partner",
            "activity",
            "fund",
            "starts_on",
            "budget",
            "approved_amount",
            "status",
        )
        order_by = ("-id",)


class ExpenseClaimTable(tables.Table):
    id = tables.Column(verbose_name=_("Claim"), linkify=True)
    claimant = tables.Column(verbose_name=_("Claimant"))
    category = tables.Column()
    spent_on = tables.DateColumn(verbose_name=_("Spent on"))
    partner = tables.Column(verbose_name=_("Partner"), accessor="partner__code")
    amount = MoneyColumn(verbose_name=_("Amount"))
    status = StatusColumn()

    class Meta:
        model = ExpenseClaim
        fields = ("id", "claimant", "category", "spent_on", "partner", "amount", "status")
        order_by = ("-id",)
