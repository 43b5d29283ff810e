"""At-risk and exit rules: named, parameterised, plain functions over Ibis tables.

Each rule reads the scorecard history (one row per partner and reviewed period, oldest
first, with ``step`` = 0 for the period under review, 1 for the one before, …) and returns
one row per partner and period of its window: the value it looked at, the reference it
compared with, and whether that period breached. A partner is flagged when every period of
the window breached — "missed target 2 quarters running" — and the rows are its evidence.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import ibis
import ibis.expr.types as ir
from django.utils.translation import gettext_lazy as _

from qudao.core.i18n import bilingual

Evaluate = Callable[[ir.Table, dict[str, Any]], ir.Table]


@dataclass(frozen=True)
class Parameter:
    """One parameter of a rule or detector as a form shows it and the service checks it:
    its name in both languages, its unit (a rate reads and is typed as a percentage), and
    the range that makes sense."""

    label_en: str
    label_zh: str
    unit: str  # periods | rate | days | hours | count | times | number
    minimum: float
    maximum: float

    @property
    def label(self) -> str:
        return bilingual(self.label_en, self.label_zh)

    @property
    def whole(self) -> bool:
        return self.unit in {"periods", "days", "hours", "count"}


PERIODS = Parameter("Periods running", "连续期数", "periods", 1, 12)


@dataclass(frozen=True)
class Rule:
    id: str
    name_en: str
    name_zh: str
    explain_en: str  # with {parameters}
    explain_zh: str
    defaults: dict[str, Any]
    evaluate: Evaluate
    suggested_actions_en: str
    suggested_actions_zh: str
    # How the evidence's value and reference read: the unit of the KPI the rule looks at
    # (a rate reads as a percentage, money with separators, days as whole days).
    unit: str = "number"
    enabled_by_default: bool = True
    # Judges a period's sell-in against a whole one (a target, last year): not applied to a
    # period the data covers only in part, where nearly everyone would "miss".
    whole_periods_only: bool = False
    # The scorecard columns ``evaluate`` reads from the history (KPI ids, or
    # ``revenue_year_ago``): the history holds exactly what the rules read.
    reads: tuple[str, ...] = ()
    # Flag only a partner with every period of the window on record ("missed 2 quarters
    # running" needs both); a count over the window does not.
    needs_full_window: bool = True
    # How each of ``defaults`` reads and what it may be (forms and the service's check).
    parameters: dict[str, Parameter] = field(default_factory=dict)

    def window(self, parameters: dict[str, Any]) -> int:
        return int(parameters.get("periods", 1))

    @property
    def name(self) -> str:
        return bilingual(self.name_en, self.name_zh)

    def explain(self, parameters: dict[str, Any]) -> str:
        text = bilingual(self.explain_en, self.explain_zh)
        return text.format(**{**self.defaults, **parameters})

    def suggested_actions(self) -> str:
        return bilingual(self.suggested_actions_en, self.suggested_actions_zh)


def _rows(
    history: ir.Table, periods: int, value: ir.Value, reference: ir.Value, breached: ir.Value
) -> ir.Table:
    recent = history.filter(history.step < periods)
    return recent.select(
        "partner",
        "period",
        "step",
        value=value.cast("float64"),
        reference=reference.cast("float64"),
        breached=breached.fill_null(False),
    )


def target_missed(history: ir.Table, p: dict[str, Any]) -> ir.Table:
    attainment = history.target_attainment
    return _rows(
        history,
        int(p["periods"]),
        attainment,
        ibis.literal(float(p["below"])),
        attainment < p["below"],
    )


def growth_below_channel(history: ir.Table, p: dict[str, Any]) -> ir.Table:
    """Growth over the rule's periods together (their sell-in against the same periods a
    year earlier) far below the median of the channel model.

    Together, not period by period: a small partner's single quarter swings widely, and
    two noisy quarters would each have to clear the bar. The median, not the mean: one
    partner growing 400-fold from a tiny base would lift a mean above everyone else. And
    far below it (by ``margin``): half of any channel model is below its median."""
    periods = int(p["periods"])
    recent = history.filter(history.step < periods)
    year_ago = recent.revenue_year_ago
    partner = ibis.window(group_by=recent.partner)
    before = year_ago.sum().over(partner)
    complete = year_ago.count().over(partner) == periods
    together = ibis.ifelse(
        complete & (before > 0), recent.revenue.sum().over(partner) / before - 1.0, None
    )
    with_growth = recent.mutate(window_growth=together)
    median = with_growth.window_growth.median().over(group_by=with_growth.channel_model)
    with_median = with_growth.mutate(channel_median=median)
    return _rows(
        with_median,
        periods,
        with_median.window_growth,
        with_median.channel_median,
        with_median.window_growth < with_median.channel_median - float(p["margin"]),
    )


def high_churn(history: ir.Table, p: dict[str, Any]) -> ir.Table:
    churn = history.churn_rate
    return _rows(
        history, int(p["periods"]), churn, ibis.literal(float(p["above"])), churn > p["above"]
    )


def low_turnover(history: ir.Table, p: dict[str, Any]) -> ir.Table:
    turns = history.inventory_turnover
    return _rows(
        history, int(p["periods"]), turns, ibis.literal(float(p["below"])), turns < p["below"]
    )


def missing_sell_through(history: ir.Table, p: dict[str, Any]) -> ir.Table:
    # Only partners that owe their sell-through (by channel model, or their own setting),
    # and only where it is collected at all: some partner reported it that period.
    collected = history.sell_through_revenue.count().over(group_by=history.period) > 0
    bought = history.revenue > 0
    silent = history.obliged & bought & history.sell_through_revenue.isnull() & collected
    return _rows(history, int(p["periods"]), history.revenue, ibis.literal(0.0), silent)


def late_sell_through(history: ir.Table, p: dict[str, Any]) -> ir.Table:
    delay = history.sell_through_report_delay
    return _rows(
        history, int(p["periods"]), delay, ibis.literal(float(p["days"])), delay > p["days"]
    )


def violations_confirmed(history: ir.Table, p: dict[str, Any]) -> ir.Table:
    # Counted over the window together: one confirmed 窜货 in four quarters is enough.
    periods = int(p["periods"])
    recent = history.filter(history.step < periods)
    total = recent.violations_confirmed.sum().over(ibis.window(group_by=recent.partner))
    counted = recent.mutate(window_total=total)
    return _rows(
        counted,
        periods,
        counted.window_total,
        ibis.literal(float(p["count"])),
        counted.window_total >= p["count"],
    )


RULES: tuple[Rule, ...] = (
    Rule(
        "target_missed",
        "Target missed",
        "未达成目标",
        "Target attainment below {below:.0%} for {periods} periods running.",
        "连续 {periods} 期目标达成率低于 {below:.0%}。",
        # 80 %: a missed target by a hair is the review's business, not an exit rule's
        {"periods": 2, "below": 0.8},
        target_missed,
        "Agree a recovery plan per month; review the target split by category; joint visits "
        "to the top accounts.",
        "按月制定追赶计划；复核分品类目标；对重点客户开展联合拜访。",
        unit="rate",
        whole_periods_only=True,
        reads=("target_attainment",),
        parameters={
            "periods": PERIODS,
            "below": Parameter("Attainment below", "达成率低于", "rate", 0, 2),
        },
    ),
    Rule(
        "growth_below_channel",
        "Growth well below the channel median",
        "增长明显低于渠道中位数",
        "Year-on-year growth over the last {periods} periods together more than {margin:.0%} "
        "below the median of its channel model.",
        "最近 {periods} 期合计的同比增长比所在渠道模式的中位数低 {margin:.0%} 以上。",
        # 50 points below the median, twice running: quarterly growth of a small partner
        # swings widely, so a smaller margin flags noise
        {"periods": 2, "margin": 0.5},
        growth_below_channel,
        "Compare its product mix and coverage with the channel's best; a growth plan with "
        "quarterly milestones.",
        "与同渠道标杆对比产品结构和覆盖；制定带季度里程碑的增长计划。",
        unit="rate",
        whole_periods_only=True,
        reads=("revenue", "revenue_year_ago"),
        parameters={
            "periods": PERIODS,
            "margin": Parameter("Below the median by", "低于中位数的幅度", "rate", 0, 10),
        },
    ),
    Rule(
        "high_churn",
        "High customer churn",
        "客户流失率高",
        "Customer churn above {above:.0%} for {periods} period(s) running.",
        "连续 {periods} 期客户流失率高于 {above:.0%}。",
        {"periods": 2, "above": 0.5},
        high_churn,
        "Call back the lost customers; check service levels and prices against competitors.",
        "回访流失客户；对比竞品检查服务水平与价格。",
        unit="rate",
        reads=("churn_rate",),
        parameters={
            "periods": PERIODS,
            "above": Parameter("Churn above", "流失率高于", "rate", 0, 1),
        },
    ),
    Rule(
        "low_turnover",
        "Low inventory turnover",
        "库存周转慢",
        "Inventory turnover below {below} per period for {periods} period(s) running.",
        "连续 {periods} 期库存周转次数低于 {below}。",
        {"periods": 1, "below": 1.0},
        low_turnover,
        "Stop pushing stock; agree a sell-out promotion; check for stuffing before rebates.",
        "暂停压货；商定动销促销；返利结算前核查是否压货。",
        reads=("inventory_turnover",),
        parameters={
            "periods": PERIODS,
            "below": Parameter("Turns per period below", "每期周转次数低于", "times", 0, 100),
        },
    ),
    Rule(
        "missing_sell_through",
        "Missing sell-through reports",
        "流向数据缺报",
        "Owes its sell-through (流向), bought from us, but sent none for {periods} period(s) "
        "running, while other partners did.",
        "应上报流向数据，本期有进货，但连续 {periods} 期未上报（其他伙伴已上报）。",
        {"periods": 1},
        missing_sell_through,
        "Remind the partner's admin; agree a monthly upload date; offer the Excel template.",
        "提醒伙伴数据专员；约定每月上报日期；提供 Excel 模板。",
        unit="money",
        reads=("revenue", "sell_through_revenue"),
        parameters={"periods": PERIODS},
    ),
    Rule(
        "late_sell_through",
        "Late sell-through reports",
        "流向数据迟报",
        "Sell-through (流向) came in more than {days} days after a month's end, in "
        "{periods} period(s) running.",
        "连续 {periods} 期有月份的流向数据在月末 {days} 天之后才上报。",
        {"periods": 1, "days": 15},
        late_sell_through,
        "Agree the monthly deadline in writing; a reminder a few days before it; check "
        "whether the partner's system can export automatically.",
        "书面约定每月上报截止日；截止前几天发送提醒；确认伙伴系统能否自动导出。",
        unit="days",
        # Off until switched on: history loaded in bulk would count as late everywhere.
        enabled_by_default=False,
        reads=("sell_through_report_delay",),
        parameters={
            "periods": PERIODS,
            "days": Parameter("Days after the month's end", "月末后天数", "days", 1, 365),
        },
    ),
    Rule(
        "violations_confirmed",
        "Confirmed violations",
        "已确认违规",
        "{count} or more confirmed violations (窜货, below the floor price, …) in the last "
        "{periods} periods together.",
        "最近 {periods} 期合计已确认违规（窜货、低于最低限价等）{count} 起及以上。",
        {"periods": 4, "count": 1},
        violations_confirmed,
        "Talk to the partner's owner about the evidence; written warning; check the "
        "rebate of the periods concerned; watch its territory and prices monthly.",
        "与伙伴负责人就证据面谈；书面警告；核查相关期间的返利；按月关注其区域和价格。",
        reads=("violations_confirmed",),
        needs_full_window=False,
        parameters={
            "periods": PERIODS,
            "count": Parameter(
                "Confirmed violations, at least", "已确认违规不少于", "count", 1, 1000
            ),
        },
    ),
)
RULE_BY_ID = {r.id: r for r in RULES}


def flagged_partners(
    rule: Rule, parameters: dict[str, Any], rows: list[dict[str, Any]]
) -> dict[int, list[dict[str, Any]]]:
    """From a rule's evaluated rows, the partners it flags — every period of the window
    breached (and, where the rule needs it, every one on record) — each with its evidence,
    oldest period first."""
    window = rule.window(parameters)
    by_partner: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        by_partner.setdefault(row["partner"], []).append(row)
    flagged = {}
    for partner_id, evidence in by_partner.items():
        short = rule.needs_full_window and len(evidence) < window
        if short or not all(r["breached"] for r in evidence):
            continue
        flagged[partner_id] = sorted(evidence, key=lambda r: -r["step"])
    return flagged


# Columns of the history governance counts itself (confirmed violations per partner and
# period), not read from the scorecards.
GOVERNANCE_COLUMNS = ("violations_confirmed",)
# The scorecard history the rules read: every column some rule names, in their order.
HISTORY_COLUMNS = tuple(
    dict.fromkeys(
        column for rule in RULES for column in rule.reads if column not in GOVERNANCE_COLUMNS
    )
)

# Asked for by the channel team, waiting for data Qudao does not hold yet.
RULES_WAITING_FOR_DATA = (_("training refused or missed (needs training records)"),)


@dataclass(frozen=True)
class DetectorSetting:
    """The settings of one violation detector, explained on the rules page. Detectors
    always run with the review; only their parameters change."""

    id: str
    name_en: str
    name_zh: str
    explain_en: str  # with {parameters}
    explain_zh: str
    defaults: dict[str, Any]
    parameters: dict[str, Parameter] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return bilingual(self.name_en, self.name_zh)

    def explain(self, parameters: dict[str, Any]) -> str:
        text = bilingual(self.explain_en, self.explain_zh)
        return text.format(**{**self.defaults, **parameters})


DETECTOR_SETTINGS: tuple[DetectorSetting, ...] = (
    DetectorSetting(
        "below_floor",
        "Below the floor price",
        "低于最低限价",
        "A line is below the floor when its unit price is under the floor price in force, "
        "less a tolerance of {tolerance:.0%} of the floor.",
        "单价低于当时有效最低限价（允许低于限价的 {tolerance:.0%}）即为低于限价。",
        {"tolerance": 0.0},
        {"tolerance": Parameter("Tolerance below the floor", "允许低于限价", "rate", 0, 1)},
    ),
    DetectorSetting(
        "cloned_code",
        "Cloned codes",
        "疑似仿冒码",
        "A code is cloned when it is scanned in two regions far apart within {hours} hours, "
        "or scanned more than {max_scans} times.",
        "同一码在 {hours} 小时内于相距甚远的两个区域被扫描，或被扫描超过 {max_scans} 次，"
        "即疑似仿冒。",
        {"hours": 24, "max_scans": 5},
        {
            "hours": Parameter("Within hours", "时间窗（小时）", "hours", 1, 720),
            "max_scans": Parameter("Scans, at most", "扫描次数上限", "count", 1, 1000),
        },
    ),
    DetectorSetting(
        "channel_stuffing",
        "Channel stuffing",
        "压货",
        "A partner stuffs its channel in a quarter when it buys at least {spike}× its usual "
        "quarter (the average of the {periods} quarters before) and at least {ratio}× what it "
        "sold through, while its inventory rose.",
        "某季度伙伴进货达到此前 {periods} 个季度平均值的 {spike} 倍以上、且达到同期流向的 "
        "{ratio} 倍以上，同时库存上升，即为压货。",
        {"periods": 4, "spike": 6.0, "ratio": 3.0},
        {
            "periods": Parameter("Quarters before", "此前季度数", "periods", 1, 12),
            "spike": Parameter("Times its usual quarter", "为平常季度的倍数", "times", 1, 100),
            "ratio": Parameter("Times its sell-through", "为流向的倍数", "times", 1, 100),
        },
    ),
)
DETECTOR_SETTING_BY_ID = {s.id: s for s in DETECTOR_SETTINGS}
