"""Settling rebates: the issue's worked cases, netting of interim payouts, approval."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command

from qudao.programs.models import Settlement, SettlementStatus, Statement, StatementLine
from qudao.programs.services import rebates_settle, statement_approve
from tests.conftest import World
from tests.programs.conftest import TIERS, program_toml, sale

pytestmark = pytest.mark.django_db


def _payable(settlement: Settlement, partner: str = "P-DE") -> Decimal:
    return Statement.objects.get(settlement=settlement, partner__code=partner).payable


def _export(period: str, tmp_path: Path) -> list[dict[str, str]]:
    out = tmp_path / f"rebates-{period}.csv"
    call_command(
        "export",
        "rebates",
        "--period",
        period,
        "--format",
        "csv",
        "-o",
        str(out),
        stderr=io.StringIO(),
    )
    return list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))


def test_retroactive_monthly_interims_net_what_was_paid(
    world: World, load_lines, load_program, tmp_path: Path
) -> None:
    load_lines(
        sale("2020-01-15", "SO1", 60000),
        sale("2020-02-15", "SO2", 70000),
        sale("2020-03-15", "SO3", 140000),
    )
    load_program(program_toml("VOL", "retroactive", TIERS))
    payouts = [
        _payable(rebates_settle(period=p, approve=True)) for p in ("2020-01", "2020-02", "2020-03")
    ]
    assert payouts == [Decimal("1200.00"), Decimal("2700.00"), Decimal("6900.00")]
    assert sum(payouts) == Decimal("10800.00")  # each month's own entitlement would pay 15,900
    row = next(r for r in _export("2020-03", tmp_path) if r["partner_code"] == "P-DE")
    assert row["period"] == "2020Q1" and row["tier"] == "3" and row["rate"] == "0.04"
    assert (row["base"], row["entitlement"], row["already_paid"], row["payable"]) == (
        "270000.00",
        "10800.00",
        "3900.00",
        "6900.00",
    )
    assert row["adjustment"] == "0.00"


def test_incremental_bands_each_at_their_rate(world: World, load_lines, load_program) -> None:
    load_lines(
        sale("2020-01-15", "SO1", 90000),
        sale("2020-02-15", "SO2", 100000),
        sale("2020-03-15", "SO3", 80000),
    )
    load_program(program_toml("INC", "incremental", TIERS))
    entitlements = []
    for period in ("2020-01", "2020-02", "2020-03"):
        settlement = rebates_settle(period=period, approve=True)
        entitlements.append(
            StatementLine.objects.get(statement__settlement=settlement, kind="current").entitlement
        )
    assert entitlements == [Decimal("1800.00"), Decimal("4700.00"), Decimal("7300.00")]


def test_unapproved_interim_is_superseded_not_paid_twice(
    world: World, load_lines, load_program
) -> None:
    load_lines(sale("2020-01-15", "SO1", 60000), sale("2020-02-15", "SO2", 70000))
    load_program(program_toml("VOL", "retroactive", TIERS))
    january = rebates_settle(period="2020-01")  # a draft: nothing counts as paid
    february = rebates_settle(period="2020-02")
    assert _payable(february) == Decimal("3900.00")
    january.refresh_from_db()
    assert january.status == SettlementStatus.SUPERSEDED
    with pytest.raises(Exception, match="draft"):
        statement_approve(statement=Statement.objects.get(settlement=january))
