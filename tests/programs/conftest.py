"""Helpers for rebate tests: sell-in lines loaded through the real import, programs through
the real TOML loader."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from qudao.facts.services import fact_import
from qudao.programs.models import ProgramVersion
from qudao.programs.services import program_load

SELL_IN = "order_date,order_id,line_no,partner,product,quantity,unit_price,amount,original_order_id"

TIERS = """
[[tiers]]
from = 0
rate = 0.02
[[tiers]]
from = 100000
rate = 0.03
[[tiers]]
from = 250000
rate = 0.04
"""


def program_toml(
    code: str,
    kind: str,
    body: str = "",
    *,
    settlement: str = "quarter",
    extra: str = "",
    enrol: str = 'partners = ["P-DE"]',
) -> str:
    """A program file; the body's plain keys go above its first table, the tables below."""
    lines = body.strip().splitlines()
    first_table = next((i for i, line in enumerate(lines) if line.startswith("[")), len(lines))
    extra = "\n".join([extra, *lines[:first_table]])
    body = "\n".join(lines[first_table:])
    return f"""
code = "{code}"
name_en = "{code} program"
name_zh = "{code} 返利"
kind = "{kind}"
base = "sell_in"
settlement = "{settlement}"
valid_from = 2020-01-01
valid_to = 2020-12-31
{extra}
[enrol]
{enrol}
{body}
"""


@pytest.fixture
def load_lines(tmp_path: Path) -> Callable[..., None]:
    counter = {"n": 0}

    def load(*rows: tuple[Any, ...], fact: str = "sell_in", header: str = SELL_IN) -> None:
        counter["n"] += 1
        path = tmp_path / f"{fact}-{counter['n']}.csv"
        lines = [header, *(",".join(str(v) for v in row) for row in rows)]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        result = fact_import(fact=fact, path=path)
        assert result.committed, result.errors

    return load


@pytest.fixture
def load_program() -> Callable[..., ProgramVersion]:
    def load(text: str, **kwargs: Any) -> ProgramVersion:
        return program_load(text=text, **kwargs)

    return load


def sale(
    day: str,
    order: str,
    amount: Any,
    *,
    partner: str = "P-DE",
    quantity: Any = 1,
    original: str = "",
    product: str = "BIKE-1",
    line: int = 1,
) -> tuple[Any, ...]:
    return (day, order, line, partner, product, quantity, "", amount, original)
