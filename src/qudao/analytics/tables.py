from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from qudao.analytics.kpis import KPI_BY_ID, KPIS, typed_value
from qudao.analytics.models import GradeProposal, ReviewRun, Scorecard
from qudao.analytics.templatetags.review import kpi_value
from qudao.core.numbers import rounded
from qudao.core.tables import NUMERIC, StatusColumn


class KpiColumn(tables.Column):
    """One KPI: its dictionary name as header, its definition on hover, "—" for no data.

    Rates show as percentages on screen; exports keep the exact stored value.
    """

    def __init__(self, kpi_id: str, **kwargs: Any) -> None:
        # Built per table, so the name and definition are in the request's language.
        self.kpi = KPI_BY_ID[kpi_id]
        th = {"class": "num", "data-kpi": kpi_id, "title": self.kpi.definition}
        kwargs.setdefault("attrs", {**NUMERIC, "th": th})
        super().__init__(accessor=kpi_id, verbose_name=self.kpi.name, **kwargs)

    def render(self, value: Any) -> str:
        return kpi_value(value, self.kpi)

    def value(self, value: Any) -> Any:
        return typed_value(self.kpi.id, value)


class ScoreColumn(tables.Column):
    """A grading score (0–1) to three places."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("verbose_name", _("Score"))
        super().__init__(attrs=NUMERIC, **kwargs)

    def render(self, value: Any) -> str:
        return number_format(rounded(value, 3), 3)

    def value(self, value: Any) -> Any:
        return value


# The scorecard table's KPI columns: the headline KPIs, then their parts, each in the
# dictionary's order.
SCORECARD_KPIS = tuple(k.id for k in KPIS if k.headline) + tuple(
    k.id for k in KPIS if not k.headline
)


# The scorecard's KPI columns in groups a person can show or hide together (the choice is
# remembered on their account). Every KPI is in exactly one group.
COLUMN_GROUPS: dict[str, tuple[Any, tuple[str, ...]]] = {
    "sell_in": (
        _("Sell-in and margin"),
        ("revenue", "quantity", "gross_margin", "gross_margin_rate", "channel_share"),
    ),
    "growth": (
        _("Growth and targets"),
        ("revenue_growth_qoq", "revenue_growth_yoy", "target_attainment"),
    ),
    "sell_through": (
        _("Sell-through and customers"),
        (
            "sell_through_revenue",
            "sell_through_quantity",
            "sell_through_rate",
            "active_customers",
            "new_customers",
            "churned_customers",
            "churn_rate",
            "marketing_spend",
            "customer_acquisition_cost",
            "sell_through_report_delay",
        ),
    ),
    "inventory": (
        _("Inventory and credit"),
        ("inventory_on_hand", "days_of_supply", "inventory_turnover", "overdue_ratio"),
    ),
}


class ScorecardTable(tables.Table):
    partner = tables.Column(
        verbose_name=_("Partner"),
        accessor="partner__code",
        linkify=("analytics:partner_scorecard", [tables.A("partner_id")]),
    )
    partner_name = tables.Column(
        verbose_name=_("Name"), accessor="partner__name", order_by=("partner__name_en",)
    )
    period = tables.Column(verbose_name=_("Period"))
    channel_model = tables.Column(verbose_name=_("Channel model"))
    # the region's name in the reader's language, as on every other page
    region = tables.Column(
        verbose_name=_("Region"), accessor="region__name", order_by=("region__code",)
    )
    rank_in_channel_model = tables.Column(verbose_name=_("Rank"), attrs=NUMERIC)
    grade = tables.Column(verbose_name=_("Grade"), accessor="partner__grade__code", default="—")
    computed_grade = tables.Column(
        verbose_name=_("Computed grade"), accessor="computed_grade__code", default="—"
    )
    score = ScoreColumn()

    class Meta:
        model = Scorecard
        fields = (
            "partner",
            "partner_name",
            "period",
            "channel_model",
            "region",
            "rank_in_channel_model",
            "grade",
            "computed_grade",
            "score",
        )
        order_by = ("-revenue",)

    def __init__(self, *args: Any, groups: list[str] | None = None, **kwargs: Any) -> None:
        """``groups``: the column groups to show (all when None), in the table's order."""
        shown = {
            kpi
            for name, (_label, kpis) in COLUMN_GROUPS.items()
            if groups is None or name in groups
            for kpi in kpis
        }
        kpis = [(kpi_id, KpiColumn(kpi_id)) for kpi_id in SCORECARD_KPIS if kpi_id in shown]
        super().__init__(*args, extra_columns=kpis, **kwargs)


class ReviewRunTable(tables.Table):
    id = tables.Column(verbose_name=_("Run"), linkify=True)
    period = tables.Column()
    status = StatusColumn()
    engine = tables.Column()
    kpi_version = tables.Column()
    started_by = tables.Column()
    created_at = tables.DateTimeColumn(verbose_name=_("Started"))
    finished_at = tables.DateTimeColumn()

    class Meta:
        model = ReviewRun
        fields = (
            "id",
            "period",
            "status",
            "engine",
            "kpi_version",
            "started_by",
            "created_at",
            "finished_at",
        )
        order_by = "-id"


class GradeProposalTable(tables.Table):
    partner = tables.Column(
        verbose_name=_("Partner"),
        accessor="partner__code",
        linkify=("partners:partner_detail", [tables.A("partner_id")]),
    )
    partner_name = tables.Column(
        verbose_name=_("Name"), accessor="partner__name", order_by=("partner__name_en",)
    )
    period = tables.Column()
    from_grade = tables.Column(default="—")
    to_grade = tables.Column()
    score = ScoreColumn()
    status = StatusColumn()
    decided_by = tables.Column(default="")
    decide = tables.TemplateColumn(
        template_name="analytics/_proposal_decide.html",
        verbose_name="",
        orderable=False,
        exclude_from_export=True,
    )

    class Meta:
        model = GradeProposal
        fields = (
            "partner",
            "partner_name",
            "period",
            "from_grade",
            "to_grade",
            "score",
            "status",
            "decided_by",
        )
        order_by = ("-period", "partner")
