from __future__ import annotations

from decimal import Decimal
from typing import Any

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from qudao.core.tables import NUMERIC, EditColumn, StatusColumn
from qudao.supply.models import SupplyAlert, SupplyCheck, SupplyPosition, SupplyThreshold


class QuantityColumn(tables.Column):
    """A quantity: right-aligned, without trailing zeros on screen, exact in exports."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("attrs", NUMERIC)
        super().__init__(*args, **kwargs)

    def render(self, value: Any) -> str:
        return f"{Decimal(value).normalize():,f}"


class DaysColumn(QuantityColumn):
    def render(self, value: Any) -> str:
        return f"{value:,.1f}"


class SupplyAlertTable(tables.Table):
    raised_at = tables.DateColumn(verbose_name=_("Raised"), linkify=True)
    partner = tables.Column(accessor="partner__code", verbose_name=_("Partner"))
    partner_name = tables.Column(accessor="partner__name", verbose_name=_("Name"), orderable=False)
    category = tables.Column(accessor="category__name", verbose_name=_("Product family"))
    kind = StatusColumn()
    days_of_supply = DaysColumn(default="∞")
    threshold_days = QuantityColumn(verbose_name=_("Threshold (days)"))
    on_hand = QuantityColumn()
    daily = QuantityColumn()
    forecast = QuantityColumn()
    suggested = QuantityColumn()
    snapshot_date = tables.DateColumn()
    cleared_at = tables.DateColumn(verbose_name=_("Cleared"), default="—")
    acknowledged_by = tables.Column(default="—")

    class Meta:
        model = SupplyAlert
        fields = (
            "raised_at",
            "partner",
            "partner_name",
            "category",
            "kind",
            "days_of_supply",
            "threshold_days",
            "on_hand",
            "daily",
            "forecast",
            "suggested",
            "snapshot_date",
            "cleared_at",
            "acknowledged_by",
        )
        order_by = ("-raised_at",)


class SupplyPositionTable(tables.Table):
    partner = tables.Column(accessor="partner__code", verbose_name=_("Partner"))
    partner_name = tables.Column(accessor="partner__name", verbose_name=_("Name"), orderable=False)
    category = tables.Column(accessor="category__name", verbose_name=_("Product family"))
    status = StatusColumn()
    days_of_supply = DaysColumn(default="∞")
    on_hand = QuantityColumn()
    sold = QuantityColumn()
    daily = QuantityColumn()
    forecast = QuantityColumn()
    suggested = QuantityColumn()
    snapshot_date = tables.DateColumn()

    class Meta:
        model = SupplyPosition
        fields = (
            "partner",
            "partner_name",
            "category",
            "status",
            "days_of_supply",
            "on_hand",
            "sold",
            "daily",
            "forecast",
            "suggested",
            "snapshot_date",
        )
        order_by = ("days_of_supply",)


class SupplyThresholdTable(tables.Table):
    category = tables.Column(accessor="category__name", verbose_name=_("Product family"))
    code = tables.Column(accessor="category__code", verbose_name=_("Code"))
    stock_out_days = QuantityColumn()
    overstock_days = QuantityColumn()
    cover_days = QuantityColumn()
    edit = EditColumn("supply:threshold_edit")

    class Meta:
        model = SupplyThreshold
        fields = ("category", "code", "stock_out_days", "overstock_days", "cover_days")
        order_by = ("code",)


class SupplyCheckTable(tables.Table):
    started_at = tables.DateTimeColumn(verbose_name=_("Started"), linkify=True)
    as_of = tables.DateColumn()
    trigger = tables.Column()
    triggered_by = tables.Column(default="—")
    positions = tables.Column(accessor="counts__positions", verbose_name=_("Positions"))
    stock_out = tables.Column(accessor="counts__stock_out", verbose_name=_("Stock-outs"))
    overstock = tables.Column(accessor="counts__overstock", verbose_name=_("Overstock"))
    raised = tables.Column(accessor="counts__raised", verbose_name=_("Alerts raised"))
    cleared = tables.Column(accessor="counts__cleared", verbose_name=_("Alerts cleared"))

    class Meta:
        model = SupplyCheck
        fields = ("started_at", "as_of", "trigger", "triggered_by")
        order_by = ("-started_at",)
