"""The channel review: KPIs computed by hand on a tiny channel, "no data" never 0, runs
recorded and superseded, the export contract."""

from __future__ import annotations

import csv
import io
import os
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, TestCase
from django.urls import reverse

from qudao.analytics.models import ReviewRun, RunStatus, Scorecard
from qudao.analytics.selectors import EXPORT_LEADING, scorecard_list
from qudao.analytics.services import review_run
from qudao.facts.services import fact_import
from qudao.partners.models import Target
from tests.conftest import World
from tests.factories import ProductFactory


def _load(tmp_path: Path, fact: str, header: str, *lines: str) -> None:
    path = tmp_path / f"{fact}.csv"
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    result = fact_import(fact=fact, path=path)
    assert result.committed, result.errors


@pytest.fixture
def channel(world: World, tmp_path: Path) -> World:
    """P-DE buys in 2019Q4 and 2020Q1 and reports sell-through, stock, spend and debts;
    P-US buys in 2020Q1 only and reports nothing else; P-DE-SUB never buys."""
    _load(
        tmp_path,
        "sell_in",
        "order_date,order_id,line_no,partner,product,quantity,amount,cost",
        "2019-11-10,O1,1,P-DE,BIKE-1,10,1000,600",
        "2020-01-15,O2,1,P-DE,BIKE-1,12,1500,900",
        "2020-02-20,O3,1,P-DE,BIKE-1,4,500,",  # no cost: 4 × the standard cost 10
        "2020-03-01,O4,1,P-US,BIKE-1,30,3000,2000",
        "2019-01-20,O0,1,P-DE,BIKE-1,8,800,500",
    )
    _load(
        tmp_path,
        "sell_through",
        "date,partner,customer,product,quantity,amount,document_id",
        "2019-12-01,P-DE,C1,BIKE-1,2,300,D1",
        "2019-12-02,P-DE,C2,BIKE-1,1,150,D2",
        # C4 buys last quarter only: 3 customers before, 2 now — so a churn rate over the
        # active customers (the near miss) differs from the one over the previous ones
        "2019-12-05,P-DE,C4,BIKE-1,1,150,D6",
        "2020-01-10,P-DE,C1,BIKE-1,3,450,D3",
        "2020-02-10,P-DE,C3,BIKE-1,5,750,D4",
        "2020-03-10,P-DE,C3,BIKE-1,1,150,D5",
    )
    _load(
        tmp_path,
        "inventory",
        "snapshot_date,partner,product,quantity_on_hand",
        "2019-12-31,P-DE,BIKE-1,6",
        "2020-01-31,P-DE,BIKE-1,10",
        "2020-03-31,P-DE,BIKE-1,8",
    )
    _load(
        tmp_path,
        "marketing_spend",
        "date,partner,campaign,amount",
        "2020-02-01,P-DE,Spring,200",
    )
    _load(
        tmp_path,
        "receivable",
        "as_of,partner,amount,days_overdue",
        "2020-02-29,P-DE,1000,0",
        "2020-03-31,P-DE,600,0",
        "2020-03-31,P-DE,400,45",
    )
    return world


def test_kpis_of_a_quarter_match_the_hand_computation(channel: World) -> None:
    assert_hand_computed_kpis(channel)


def assert_hand_computed_kpis(channel: World) -> None:
    """Every KPI of P-DE in 2020Q1, computed by hand; tests/analytics/test_mutants.py checks
    that a near-miss formula for each family makes this fail."""
    run = review_run(period="2020Q1")
    de = Scorecard.objects.get(run=run, partner=channel.p_de)
    # sell-in: 1500 + 500; margin (1500 − 900) + (500 − 4 × 10, the standard cost)
    assert de.revenue == Decimal("2000.00") and de.quantity == Decimal("16")
    assert de.gross_margin == Decimal("1060.00") and de.gross_margin_rate == Decimal("0.53")
    assert run.row_counts["lines_at_standard_cost"] == 1
    assert run.row_counts["lines_without_cost"] == 0
    assert de.revenue_growth_qoq == Decimal("1")  # 2000 vs 1000 in 2019Q4
    assert de.revenue_growth_yoy == Decimal("1.5")  # 2000 vs 800 in 2019Q1
    assert de.target_attainment == Decimal("0.02")  # 2000 / 100,000 (the 2020Q1 target)
    assert de.channel_share == Decimal("0.4")  # 2000 / (2000 + 3000)
    # sell-through: 450 + 750 + 150; 9 units of 16 bought
    assert de.sell_through_revenue == Decimal("1350.00") and de.sell_through_quantity == 9
    assert de.sell_through_rate == Decimal("0.5625")
    # customers: C1 and C3 now; C1 bought in the 12 months before, C3 did not → 1 new;
    # C1, C2 and C4 bought last quarter; C2 and C4 not now → 2 churned of 3
    assert (de.active_customers, de.new_customers, de.churned_customers) == (2, 1, 2)
    assert de.churn_rate == Decimal("0.666667")
    assert de.marketing_spend == Decimal("200.00")
    assert de.customer_acquisition_cost == Decimal("200.00")  # 200 / 1 new customer
    # stock: closing 8 (31 Mar); average of the quarter's snapshots (10 + 8) / 2 = 9
    assert de.inventory_on_hand == Decimal("8") and de.inventory_turnover == Decimal("1.00")
    assert de.days_of_supply == Decimal("80.9")  # 8 / (9 units / 91 days)
    assert de.overdue_ratio == Decimal("0.4")  # 400 of 1000 at 31 Mar
    assert de.rank_in_channel_model == 2  # P-US bought more, in the same channel model


def test_lines_without_a_cost_take_the_standard_cost_or_stay_out(
    channel: World, tmp_path: Path
) -> None:
    """The near misses: a missing cost is neither zero nor dropped while the product has
    a standard cost; with none, the line leaves the margin and the rate's denominator."""
    other = ProductFactory(code="BIKE-2", standard_cost=None)
    _load(
        tmp_path,
        "sell_in",
        "order_date,order_id,line_no,partner,product,quantity,amount,cost",
        "2020-03-05,O5,1,P-US,BIKE-2,2,700,",  # no cost, no standard cost: left out
        "2020-03-06,O6,1,P-US,BIKE-1,-1,-100,",  # a return without cost: −1 × 10 back
    )
    run = review_run(period="2020Q1")
    us = Scorecard.objects.get(run=run, partner=channel.p_us)
    # revenue counts every line: 3000 + 700 − 100
    assert us.revenue == Decimal("3600.00")
    # margin: (3000 − 2000) + (−100 − (−1 × 10)); over revenue 3000 − 100
    assert us.gross_margin == Decimal("910.00")
    assert us.costed_revenue == Decimal("2900.00")
    assert us.gross_margin_rate == Decimal("0.313793")  # 910 / 2900, not 910 / 3600
    assert run.row_counts["lines_at_standard_cost"] == 2  # O3 (P-DE) and O6
    assert run.row_counts["lines_without_cost"] == 1  # O5
    # a standard cost set later applies at the next review, with no re-import
    other.standard_cost = Decimal("300")
    other.save()
    again = Scorecard.objects.get(run=review_run(period="2020Q1"), partner=channel.p_us)
    assert again.gross_margin == Decimal("1010.00")  # + 700 − 2 × 300
    client = Client()
    client.force_login(channel.users["director"])
    page = client.get(reverse("analytics:run_detail", args=[run.pk])).content.decode()
    assert "2 costed at the product" in page and "1 left out of the margin" in page


def test_absent_data_is_no_data_never_zero(channel: World) -> None:
    run = review_run(period="2020Q1")
    us = Scorecard.objects.get(run=run, partner=channel.p_us)
    sub = Scorecard.objects.get(run=run, partner=channel.p_de_sub)
    # P-US reported no sell-through, stock or debts: those KPIs are no data, not 0
    assert us.revenue == Decimal("3000.00") and us.revenue_growth_qoq is None
    for name in ("sell_through_revenue", "active_customers", "churn_rate", "inventory_on_hand"):
        assert getattr(us, name) is None, name
    assert us.marketing_spend == Decimal("0.00")  # spend data exists: none went to P-US
    assert us.customer_acquisition_cost is None
    # an active partner that bought nothing has revenue 0 (sell-in is our own ledger)
    assert sub.revenue == Decimal("0.00") and sub.target_attainment is None
    # a period with no sell-in at all: revenue is no data for everyone
    empty = review_run(period="2018Q1")
    assert set(Scorecard.objects.filter(run=empty).values_list("revenue", flat=True)) == {None}


def test_rerun_supersedes_and_keeps_history(channel: World) -> None:
    first = review_run(period="2020Q1", actor=channel.users["director"])
    Target.objects.filter(partner=channel.p_de).update(amount=Decimal("4000"))
    second = review_run(period="2020-Q1")
    first.refresh_from_db()
    assert (first.status, second.status) == (RunStatus.SUPERSEDED, RunStatus.CURRENT)
    assert Scorecard.objects.filter(run=first).count() == 3  # history kept
    current = scorecard_list(user=channel.users["director"], period="2020Q1")
    assert {c.run_id for c in current} == {second.pk}
    assert current.get(partner=channel.p_de).target_attainment == Decimal("0.5")
    # the run records what it read and how
    assert second.kpi_version and second.engine == "duckdb"
    assert second.input_batches["sell_in"] and second.row_counts["sell_in_rows"] == 5
    assert second.row_counts["scorecards"] == 3 and second.timings["total"] > 0
    assert second.parameters["sell_through_rate"] == "of_sell_in"


def test_reviews_read_rollups_that_follow_every_import_and_revert(
    channel: World, tmp_path: Path
) -> None:
    from qudao.analytics.rollups import rollup_key, rollup_root
    from qudao.facts.models import Batch
    from qudao.facts.services import batch_revert
    from tests.conftest import run_queued_tasks

    abandoned = rollup_root() / "_staging" / "sell_in-killed"  # a build killed long ago
    abandoned.mkdir(parents=True)
    os.utime(abandoned, (time.time() - 7200, time.time() - 7200))
    assert review_run(period="2020Q1").row_counts["sell_in_rows"] == 5
    assert not abandoned.exists()
    key, _ids = rollup_key("sell_in")
    assert (rollup_root() / "sell_in" / key).is_dir()  # the review built what was missing
    late = tmp_path / "late"
    late.mkdir()
    with TestCase.captureOnCommitCallbacks(execute=True):
        _load(late, "sell_in", "order_date,order_id,line_no,partner,product,quantity,amount,cost",
              "2020-03-30,O9,1,P-DE,BIKE-1,1,100,50")  # fmt: skip
    new_key, _ids = rollup_key("sell_in")
    assert new_key != key and not (rollup_root() / "sell_in" / new_key).exists()
    run_queued_tasks()  # the commit queued a refresh: the roll-up is ready before any review
    assert (rollup_root() / "sell_in" / new_key).is_dir()
    de = Scorecard.objects.filter(partner=channel.p_de, is_current=True)
    assert review_run(period="2020Q1") and de.get().revenue == Decimal("2100.00")
    assert rollup_key("sell_in")[0] != key  # a new key: the old roll-up is never read
    batch_revert(batch=Batch.objects.get(fact="sell_in", rows_accepted=1))
    review_run(period="2020Q1")
    assert de.get().revenue == Decimal("2000.00") and rollup_key("sell_in")[0] == key


def test_sell_through_rate_definition_is_a_setting(channel: World, settings: object) -> None:
    settings.QUDAO = {**settings.QUDAO, "SELL_THROUGH_RATE": "of_available"}  # type: ignore[attr-defined]
    run = review_run(period="2020Q1")
    de = Scorecard.objects.get(run=run, partner=channel.p_de)
    # 9 sold of (6 in stock at 31 Dec + 16 bought)
    assert de.sell_through_rate == Decimal("0.409091")
    assert run.parameters["sell_through_rate"] == "of_available"


def test_partner_users_see_their_own_scorecards_only(channel: World) -> None:
    review_run(period="2020Q1")
    partner_user = channel.users["partner_admin"]
    seen = {c.partner.code for c in scorecard_list(user=partner_user, period="2020Q1")}
    assert seen == {"P-DE", "P-DE-SUB"}


def test_cli_review_and_scorecard_export_contract(channel: World) -> None:
    out = io.StringIO()
    call_command("review", "2020Q1", stdout=out, stderr=io.StringIO())
    assert out.getvalue().startswith("review 2020Q1 (run ")
    exported = io.BytesIO()
    import sys
    from unittest import mock

    with mock.patch.object(sys, "stdout", mock.Mock(buffer=exported)):
        call_command("export", "scorecards", "--period", "2020Q1", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(exported.getvalue().decode("utf-8-sig"))))
    assert list(rows[0])[: len(EXPORT_LEADING)] == EXPORT_LEADING
    de = next(r for r in rows if r["partner_code"] == "P-DE")
    assert (de["revenue"], de["gross_margin_rate"], de["revenue_growth_qoq"]) == (
        "2000.00",
        "0.5300",
        "1.0000",
    )
    us = next(r for r in rows if r["partner_code"] == "P-US")
    assert us["revenue_growth_qoq"] == "" and us["sell_through_revenue"] == ""
    with pytest.raises(CommandError, match="no review of 2019Q3"):
        call_command("export", "scorecards", "--period", "2019Q3")
    with pytest.raises(CommandError, match="not a valid period"):
        call_command("review", "2020Q9")
    assert ReviewRun.objects.count() == 1


def test_compiled_sql_is_reused_only_for_the_same_code_parameters_and_inputs(
    channel: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qudao.analytics import engine, metrics
    from qudao.analytics.models import GradingModel
    from qudao.analytics.services import grading_model_update

    builds: list[int] = []
    original = metrics.partner_kpis
    monkeypatch.setattr(engine, "partner_kpis", lambda **kw: builds.append(1) or original(**kw))
    engine._COMPILED.clear()  # what earlier tests compiled in this process
    first = review_run(period="2020Q1")
    engine._COMPILED.clear()  # a new process: the SQL comes from $QUDAO_HOME/cache/sql
    second = review_run(period="2020Q1")
    assert len(builds) == 1
    cards = Scorecard.objects.filter(partner=channel.p_de)
    assert cards.get(run=first).score == cards.get(run=second).score is not None
    model = GradingModel.objects.get(is_active=True)
    grading_model_update(model=model, weights={"revenue": 1.0}, actor=None)
    third = review_run(period="2020Q1")
    assert len(builds) == 2  # other weights, other SQL
    assert cards.get(run=third).score != cards.get(run=second).score


def test_sell_through_report_delay_and_the_late_reports_rule(channel: World) -> None:
    from datetime import datetime, timedelta, timezone

    from qudao.facts.models import Batch
    from qudao.governance.models import RiskFlag, RiskRuleSetting

    # The sell-through file (Dec 2019 – Mar 2020) came in on 20 April 2020.
    arrived = datetime(2020, 4, 20, 10, 0, tzinfo=timezone(timedelta(hours=8)))
    Batch.objects.filter(fact="sell_through").update(committed_at=arrived)
    run = review_run(period="2020Q1")
    de = Scorecard.objects.get(run=run, partner=channel.p_de)
    us = Scorecard.objects.get(run=run, partner=channel.p_us)
    # January's rows came 80 days after 31 Jan (Feb: 51, Mar: 20): the latest month counts
    assert de.sell_through_report_delay == Decimal("80")
    assert us.sell_through_report_delay is None  # reported nothing: no data, not 0
    assert not RiskFlag.objects.filter(rule="late_sell_through").exists()  # off by default
    RiskRuleSetting.objects.create(rule="late_sell_through", parameters={"days": 30})
    review_run(period="2020Q1")
    flag = RiskFlag.objects.get(rule="late_sell_through", status="open")
    assert flag.partner == channel.p_de
    assert flag.evidence == [{"period": "2020Q1", "value": 80.0, "reference": 30.0}]


def test_scorecards_in_excel_are_numbers_percentages_and_counts(
    channel: World, tmp_path: Path
) -> None:
    """The same export as Excel: money a number with the currency in its format (never
    text), rates as percentages keeping 4 places, counts as integers."""
    import openpyxl

    review_run(period="2020Q1")
    target = tmp_path / "cards.xlsx"
    call_command(
        "export", "scorecards", "--period", "2020Q1", "--format", "xlsx", "-o", str(target),
        stderr=io.StringIO(),
    )  # fmt: skip
    sheet = openpyxl.load_workbook(target).active
    header = [c.value for c in sheet[1]]
    de = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "P-DE")
    revenue = de[header.index("revenue")]
    margin = de[header.index("gross_margin_rate")]
    customers = de[header.index("active_customers")]
    assert (revenue.data_type, revenue.value) == ("n", 2000)
    assert revenue.number_format == '#,##0.00 "CNY"'
    assert (margin.data_type, margin.value, margin.number_format) == ("n", 0.53, "0.00%")
    assert customers.data_type == "n" and isinstance(customers.value, int)
    assert customers.number_format == "#,##0"
