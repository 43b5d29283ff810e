from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from qudao.core.tables import NUMERIC, EditColumn, MoneyColumn, StatusColumn
from qudao.deals.models import DealConflict, DealRegistration, DirectAccount


class ScoreColumn(tables.Column):
    """A match score 0–100, one decimal."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("attrs", NUMERIC)
        super().__init__(*args, **kwargs)

    def render(self, value: Any) -> str:
        return f"{value:.1f}"


class DealTable(tables.Table):
    number = tables.Column(
        verbose_name=_("No."), accessor="pk", linkify=lambda record: record.get_absolute_url()
    )
    partner = tables.Column(
        accessor="partner__code",
        linkify=("partners:partner_detail", [tables.A("partner_id")]),
        verbose_name=_("Partner"),
    )
    customer_name = tables.Column(linkify=True)
    customer_region = tables.Column()
    value = MoneyColumn()
    expected_close = tables.DateColumn()
    status = StatusColumn()
    protected_until = tables.DateColumn()
    conflict_count = tables.Column(verbose_name=_("Conflicts"), attrs=NUMERIC, default=0)
    best_score = ScoreColumn(verbose_name=_("Best match"), default="")
    created_at = tables.DateColumn(verbose_name=_("Registered"))

    class Meta:
        model = DealRegistration
        fields = (
            "number",
            "partner",
            "customer_name",
            "customer_region",
            "value",
            "expected_close",
            "status",
            "protected_until",
            "conflict_count",
            "best_score",
            "created_at",
        )
        order_by = ("-created_at",)

    def render_number(self, record: DealRegistration) -> str:
        return record.number

    def value_number(self, record: DealRegistration) -> str:
        return record.number


class ConflictTable(tables.Table):
    deal = tables.Column(
        verbose_name=_("Registration"),
        accessor="deal__pk",
        linkify=lambda record: record.deal.get_absolute_url(),
    )
    partner = tables.Column(accessor="deal__partner__code", verbose_name=_("Partner"))
    customer = tables.Column(accessor="deal__customer_name", verbose_name=_("End customer"))
    kind = tables.Column()
    matched = tables.Column(
        verbose_name=_("Matches"), accessor="pk", orderable=False, empty_values=()
    )
    holder = tables.Column(
        verbose_name=_("Held by"), accessor="pk", orderable=False, empty_values=()
    )
    basis = tables.Column()
    score = ScoreColumn()
    deal_status = tables.Column(verbose_name=_("Status"), accessor="deal__status")

    class Meta:
        model = DealConflict
        fields = ("deal", "partner", "customer", "kind", "matched", "holder", "basis", "score")
        order_by = ("-score",)

    def render_deal(self, record: DealConflict) -> str:
        return record.deal.number

    def value_deal(self, record: DealConflict) -> str:
        return record.deal.number

    def render_deal_status(self, record: DealConflict) -> Any:
        deal = record.deal
        return format_html(
            '<span class="badge {}">{}</span>', deal.status, deal.get_status_display()
        )

    def value_deal_status(self, record: DealConflict) -> str:
        return str(record.deal.get_status_display())

    def render_matched(self, record: DealConflict) -> Any:
        if record.other_deal is not None:
            return format_html(
                '<a href="{}">{} {}</a>',
                record.other_deal.get_absolute_url(),
                record.other_deal.number,
                record.other_deal.customer_name,
            )
        return record.matched_name

    def value_matched(self, record: DealConflict) -> str:
        if record.other_deal is not None:
            return f"{record.other_deal.number} {record.other_deal.customer_name}"
        return record.matched_name

    def render_holder(self, record: DealConflict) -> str:
        return holder_of(record)

    def value_holder(self, record: DealConflict) -> str:
        return holder_of(record)


def holder_of(conflict: DealConflict) -> str:
    """Who holds the matched customer: the sales owner of the account, or the partner."""
    if conflict.account is not None:
        owner = conflict.account.owner
        return str(owner) if owner else ""
    return conflict.other_deal.partner.code if conflict.other_deal else ""


class DirectAccountTable(tables.Table):
    customer_name = tables.Column(linkify=True)
    tax_id = tables.Column()
    region = tables.Column()
    owner = tables.Column()
    edit = EditColumn("deals:account_edit")

    class Meta:
        model = DirectAccount
        fields = ("customer_name", "tax_id", "region", "owner")
        order_by = ("customer_name",)
