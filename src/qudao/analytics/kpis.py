"""The KPI dictionary: every figure the review computes, defined once, in both languages.

The dictionary is versioned: a change to any definition, formula or window raises
``KPI_VERSION``, and every review run records the version it used, so an old number can
be explained by the definitions that made it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from qudao.core.exporting import Money, Percent, Quantity
from qudao.core.i18n import bilingual
from qudao.core.numbers import rounded

if TYPE_CHECKING:  # the measures are Ibis; this module stays light (pages read the names)
    from qudao.analytics.metrics import Measures

KPI_VERSION = "2026.12-1"

# How many whole months before a period a customer must have been silent to count as new
# (months, not days: the review reads monthly roll-ups, and a year is 12 of them).
NEW_CUSTOMER_LOOKBACK_MONTHS = 12


class Unit(StrEnum):
    MONEY = "money"
    RATE = "rate"
    COUNT = "count"
    QUANTITY = "quantity"
    DAYS = "days"
    TURNS = "turns"


UNIT_LABELS: dict[Unit, Any] = {
    Unit.MONEY: _("money"),
    Unit.RATE: _("rate"),
    Unit.COUNT: _("count"),
    Unit.QUANTITY: _("quantity"),
    Unit.DAYS: _("days"),
    Unit.TURNS: _("turns"),
}


class Direction(StrEnum):
    HIGHER = "higher"
    LOWER = "lower"
    NEUTRAL = "neutral"


class SellThroughRate(StrEnum):
    """The industry uses both; QUDAO["SELL_THROUGH_RATE"] chooses (default: of sell-in)."""

    OF_SELL_IN = "of_sell_in"
    OF_AVAILABLE = "of_available"


@dataclass(frozen=True)
class Kpi:
    id: str
    name_en: str
    name_zh: str
    unit: Unit
    direction: Direction
    formula: str
    definition_en: str
    definition_zh: str
    facts: tuple[str, ...]  # the facts it needs; absent data shows as "no data", never 0
    grain: str = "partner × period"
    # The formula itself, over the review's joined measures and the other KPIs (by id):
    # ``metrics.Measures``. ``formula`` above is its text for people.
    compute: Callable[[Measures], Any] = field(kw_only=True, repr=False)
    # Headline KPIs lead the scorecard table; the rest (their parts) follow.
    headline: bool = field(default=True, kw_only=True)

    @property
    def name(self) -> str:
        return bilingual(self.name_en, self.name_zh)

    @property
    def definition(self) -> str:
        return bilingual(self.definition_en, self.definition_zh)

    @property
    def unit_label(self) -> Any:
        return UNIT_LABELS[self.unit]

    @property
    def fact_labels(self) -> list[Any]:
        """The facts it needs, as people call them."""
        from qudao.facts.schemas import FACTS  # deferred: the fact schemas load polars

        return [FACTS[name].label if name in FACTS else name for name in self.facts]


def sell_through_rate_definition() -> SellThroughRate:
    return SellThroughRate(
        getattr(settings, "QUDAO", {}).get("SELL_THROUGH_RATE", SellThroughRate.OF_SELL_IN)
    )


H, L, N = Direction.HIGHER, Direction.LOWER, Direction.NEUTRAL

KPIS: tuple[Kpi, ...] = (
    Kpi(
        "revenue",
        "Sell-in revenue",
        "进货额（销售收入）",
        Unit.MONEY,
        H,
        "Σ sell_in.amount",
        "What the partner bought from us in the period: the sum of its sell-in line amounts.",
        "本期伙伴向我方进货的金额：进货明细金额之和。",
        ("sell_in",),
        compute=lambda m: m.when(m.sold, m.t.revenue.coalesce(m.zero)),
    ),
    Kpi(
        "quantity",
        "Sell-in quantity",
        "进货数量",
        Unit.QUANTITY,
        H,
        "Σ sell_in.quantity",
        "Units the partner bought from us in the period.",
        "本期伙伴向我方进货的数量。",
        ("sell_in",),
        compute=lambda m: m.when(m.sold, m.t.quantity.coalesce(m.zero)),
        headline=False,
    ),
    Kpi(
        "gross_margin",
        "Gross margin",
        "毛利",
        Unit.MONEY,
        H,
        "Σ (sell_in.amount − cost), cost = sell_in.cost, or quantity × product standard "
        "cost where the line has none",
        "Our margin on what the partner bought. A line without a cost is costed at its "
        "quantity × the product's standard cost (the run page counts those lines); a line "
        "whose product has no standard cost either is left out (never counted as zero "
        "cost).",
        "我方在该伙伴进货上的毛利。明细无成本时按数量 × 产品标准成本计算（复核运行页统计这些"
        "明细的行数）；产品也无标准成本的明细不计入（绝不当作零成本）。",
        ("sell_in",),
        compute=lambda m: m.when(
            m.costed,
            m.costed_revenue - m.t.cost.coalesce(m.zero) - m.t.fallback_cost.coalesce(m.zero),
        ),
        headline=False,
    ),
    Kpi(
        "gross_margin_rate",
        "Gross margin rate",
        "毛利率",
        Unit.RATE,
        H,
        "gross_margin ÷ Σ sell_in.amount over the same lines",
        "Gross margin as a share of the revenue of the same lines (those with a cost, or "
        "costed at the standard cost).",
        "毛利占同口径（有成本或按标准成本计算的明细）进货额的比例。",
        ("sell_in",),
        compute=lambda m: m.ratio(m.kpi("gross_margin"), m.costed_revenue),
    ),
    Kpi(
        "revenue_growth_qoq",
        "Growth vs previous period",
        "环比增长",
        Unit.RATE,
        H,
        "revenue ÷ revenue(previous period) − 1",
        "Change of sell-in revenue against the period just before, of the same length "
        "(the previous quarter for a quarter). No data when the previous period had none.",
        "进货额相对上一个同长度期间（季度即上季度）的变化。上期为零或无数据时显示无数据。",
        ("sell_in",),
        compute=lambda m: m.ratio(m.kpi("revenue"), m.t.prev_revenue) - 1,
    ),
    Kpi(
        "revenue_growth_yoy",
        "Growth vs a year ago",
        "同比增长",
        Unit.RATE,
        H,
        "revenue ÷ revenue(same period a year earlier) − 1",
        "Change of sell-in revenue against the same period one year earlier.",
        "进货额相对去年同期的变化。",
        ("sell_in",),
        compute=lambda m: m.ratio(m.kpi("revenue"), m.t.ya_revenue) - 1,
    ),
    Kpi(
        "target_attainment",
        "Target attainment",
        "目标达成率",
        Unit.RATE,
        H,
        "revenue ÷ target amount",
        "Sell-in revenue over the partner's target for the period (the period's own target, "
        "else the sum of its quarters' or months' targets). No data without a target.",
        "进货额除以本期目标（优先取本期目标，否则取所含季度或月度目标之和）。无目标时为无数据。",
        ("sell_in",),
        compute=lambda m: m.ratio(m.kpi("revenue"), m.t.target),
    ),
    Kpi(
        "channel_share",
        "Share of channel revenue",
        "渠道收入占比",
        Unit.RATE,
        N,
        "revenue ÷ Σ revenue of all partners",
        "The partner's part of all partners' sell-in revenue in the period.",
        "该伙伴进货额占全部伙伴进货额的比例。",
        ("sell_in",),
        compute=lambda m: m.ratio(
            m.kpi("revenue"), m.kpi("revenue").sum().over(group_by=m.t.period)
        ),
    ),
    Kpi(
        "sell_through_revenue",
        "Sell-through revenue",
        "流向销售额",
        Unit.MONEY,
        H,
        "Σ sell_through.amount",
        "What the partner sold on to its customers, as it reported (流向).",
        "伙伴上报的对下游客户的销售额（流向）。",
        ("sell_through",),
        compute=lambda m: m.t.st_revenue,
    ),
    Kpi(
        "sell_through_quantity",
        "Sell-through quantity",
        "流向数量",
        Unit.QUANTITY,
        H,
        "Σ sell_through.quantity",
        "Units the partner sold on to its customers.",
        "伙伴对下游客户销售的数量。",
        ("sell_through",),
        compute=lambda m: m.t.st_quantity,
        headline=False,
    ),
    Kpi(
        "sell_through_rate",
        "Sell-through rate",
        "动销率",
        Unit.RATE,
        H,
        "of_sell_in: Σ sold ÷ Σ bought · of_available: Σ sold ÷ (opening stock + Σ bought)",
        "Units sold on as a share of units bought in the period (setting "
        "SELL_THROUGH_RATE = of_sell_in, the default), or of units available: opening stock "
        "plus units bought (of_available).",
        "本期售出数量占进货数量的比例（默认口径：占进货）；或占可售数量（期初库存＋本期进货）"
        "的比例（口径：占可售；在设置中切换）。",
        ("sell_in", "sell_through"),
        compute=lambda m: m.when(m.reported, m.ratio(m.t.st_quantity, m.sell_through_base)),
    ),
    Kpi(
        "active_customers",
        "Active customers",
        "活跃客户数",
        Unit.COUNT,
        H,
        "count distinct sell_through.customer in the period",
        "Distinct customers the partner sold to in the period.",
        "本期有购买的不同客户数。",
        ("sell_through",),
        compute=lambda m: m.when(m.reported, m.t.active_customers.coalesce(m.zero)),
    ),
    Kpi(
        "new_customers",
        "New customers",
        "新客户数",
        Unit.COUNT,
        H,
        f"active customers with no purchase in the {NEW_CUSTOMER_LOOKBACK_MONTHS} months before",
        f"Active customers who bought nothing from the partner in the "
        f"{NEW_CUSTOMER_LOOKBACK_MONTHS} calendar months before the period began.",
        f"本期活跃、且期初前 {NEW_CUSTOMER_LOOKBACK_MONTHS} 个自然月内未从该伙伴购买的客户数。",
        ("sell_through",),
        compute=lambda m: m.when(m.reported, m.t.new_customers.coalesce(m.zero)),
    ),
    Kpi(
        "churned_customers",
        "Churned customers",
        "流失客户数",
        Unit.COUNT,
        L,
        "customers active in the previous period, not in this one",
        "Customers who bought in the previous period of the same length and not in this one.",
        "上一同长度期间有购买、本期没有购买的客户数。",
        ("sell_through",),
        compute=lambda m: m.when(
            m.reported | m.t.previous_customers.notnull(), m.t.churned_customers.coalesce(m.zero)
        ),
        headline=False,
    ),
    Kpi(
        "churn_rate",
        "Churn rate",
        "客户流失率",
        Unit.RATE,
        L,
        "churned_customers ÷ active customers of the previous period",
        "The share of the previous period's customers who did not come back this period.",
        "上期客户中本期未再购买的比例。",
        ("sell_through",),
        compute=lambda m: m.ratio(m.kpi("churned_customers"), m.t.previous_customers),
    ),
    Kpi(
        "marketing_spend",
        "Marketing spend",
        "市场费用",
        Unit.MONEY,
        L,
        "Σ marketing_spend.amount",
        "Marketing money spent with or for the partner in the period.",
        "本期投入该伙伴的市场费用。",
        ("marketing_spend",),
        compute=lambda m: m.when(m.t.spend_covered.notnull(), m.t.spend.coalesce(m.zero)),
        headline=False,
    ),
    Kpi(
        "customer_acquisition_cost",
        "Customer acquisition cost",
        "获客成本",
        Unit.MONEY,
        L,
        "marketing_spend ÷ new_customers",
        "Marketing spend per new customer. No data without spend or without new customers.",
        "每个新客户的市场费用。无费用或无新客户时为无数据。",
        ("marketing_spend", "sell_through"),
        compute=lambda m: m.ratio(m.kpi("marketing_spend"), m.kpi("new_customers")),
    ),
    Kpi(
        "inventory_on_hand",
        "Inventory on hand",
        "期末库存",
        Unit.QUANTITY,
        N,
        "Σ inventory.quantity_on_hand at the last snapshot in the period",
        "Units in the partner's stock at its last inventory snapshot in the period.",
        "本期最后一次盘点时伙伴的库存数量。",
        ("inventory",),
        compute=lambda m: m.t.inventory_on_hand,
    ),
    Kpi(
        "days_of_supply",
        "Days of supply",
        "库存可售天数",
        Unit.DAYS,
        L,
        "inventory_on_hand ÷ (sell_through_quantity ÷ days in period)",
        "How many days the closing stock lasts at the period's average daily sell-through "
        "(the SCOR days-of-supply definition, in units).",
        "按本期日均流向数量，期末库存可售的天数（SCOR 库存天数口径，按数量）。",
        ("inventory", "sell_through"),
        compute=lambda m: m.ratio(m.t.inventory_on_hand, m.ratio(m.t.st_quantity, m.t.days)),
    ),
    Kpi(
        "inventory_turnover",
        "Inventory turnover",
        "库存周转次数",
        Unit.TURNS,
        H,
        "sell_through_quantity ÷ average of the period's snapshot totals",
        "Cost of goods sold over average inventory, both in units (partners' costs are not "
        "known): units sold on in the period over the average stock of its snapshots. "
        "Not annualised.",
        "销售成本除以平均库存，均按数量计（伙伴成本未知）：本期流向数量除以本期各次盘点库存的平均值。"
        "未年化。",
        ("inventory", "sell_through"),
        compute=lambda m: m.ratio(m.t.st_quantity, m.t.average_stock),
    ),
    Kpi(
        "overdue_ratio",
        "Overdue receivables ratio",
        "逾期应收占比",
        Unit.RATE,
        L,
        "Σ amount with days_overdue > 0 ÷ Σ amount, at the last as-of date in the period",
        "The share of the partner's open receivables that are past due, at the last "
        "receivables snapshot in the period.",
        "本期最后一次应收快照中，逾期金额占应收总额的比例。",
        ("receivable",),
        compute=lambda m: m.ratio(m.t.overdue, m.t.owed),
    ),
    Kpi(
        "sell_through_report_delay",
        "Sell-through report delay",
        "流向上报延迟",
        Unit.DAYS,
        L,
        "max over the period's months of (commit date of the batch that first brought the "
        "month's sell-through − the month's last day)",
        "How late the partner's sell-through (流向) came in: for each month of the period "
        "it reported, the days from the month's end to the import that first brought it; "
        "the period shows the latest month. Negative: reported before the month ended.",
        "流向数据上报得有多晚：对本期内已上报的每个月，从月末到首次导入该月流向的天数；"
        "本期取最晚的那个月。负数表示月末前已上报。",
        ("sell_through",),
        compute=lambda m: m.t.report_delay,
        headline=False,
    ),
)

KPI_BY_ID = {k.id: k for k in KPIS}


_UNIT_OF = {k.id: k.unit for k in KPIS}


def typed_value(kpi_id: str, value: Any) -> Any:
    """A KPI's value for the export writers: money to 2 decimals, rates to 4 (a percentage
    in Excel), counts as integers, other measures as they are; "" for no data. CSV writes
    each as the decimal it is."""
    unit = _UNIT_OF.get(kpi_id)
    if value is None:
        return ""
    if unit is None or isinstance(value, bool) or not isinstance(value, Decimal | int | float):
        return value
    number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    if unit is Unit.MONEY:
        return Money(rounded(number, 2))
    if unit is Unit.RATE:
        return Percent(rounded(number, 4))
    if unit is Unit.COUNT and number == int(number):
        return int(number)
    return Quantity(number.normalize() if unit is Unit.QUANTITY else number)
