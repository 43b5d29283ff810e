"""Which price-list entry is in force for a line: the most specific wins — more scope parts
(channel model, grade, region) first, then the deeper region, then the later start — and
only entries valid on the line's day count. Each line below is told apart from its
near-misses by one rule."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import ibis
import pandas as pd
import pytest

from qudao.governance.detectors import floor_in_force

D = date(2020, 7, 1)


def _table(rows: list[dict[str, object]], types: dict[str, str]) -> ibis.Table:
    return ibis.memtable(pd.DataFrame(rows, columns=list(types)), schema=types)


PRICE_TYPES = {
    "product": "string",
    "channel_model": "string",
    "grade": "string",
    "region": "string",
    "floor_price": "decimal(24, 6)",
    "list_price": "decimal(24, 6)",
    "valid_from": "date",
    "valid_to": "date",
}


def _price(product: str, floor: int, *, model=None, grade=None, region=None,  # type: ignore[no-untyped-def]
           start=date(2020, 1, 1), end=None) -> dict[str, object]:  # fmt: skip
    return {
        "product": product, "channel_model": model, "grade": grade, "region": region,
        "floor_price": Decimal(floor), "list_price": Decimal(floor * 2),
        "valid_from": start, "valid_to": end,
    }  # fmt: skip


@pytest.fixture
def floors() -> dict[int, object]:
    closure = _table(
        [
            {"region": r, "ancestor": a, "depth": d}
            for r, a, d in [
                ("EU", "EU", 1),
                ("DE", "DE", 2),
                ("DE", "EU", 1),
                ("BER", "BER", 3),
                ("BER", "DE", 2),
                ("BER", "EU", 1),
            ]
        ],  # fmt: skip
        {"region": "string", "ancestor": "string", "depth": "int64"},
    )
    partners = _table(
        [
            {"partner": "P1", "channel_model": "dist", "grade": "A", "home_region": "BER"},
            {"partner": "P2", "channel_model": "dist", "grade": None, "home_region": "BER"},
            {"partner": "P3", "channel_model": "retail", "grade": None, "home_region": "DE"},
        ],
        {
            "partner": "string",
            "channel_model": "string",
            "grade": "string",
            "home_region": "string",
        },  # fmt: skip
    )
    prices = _table(
        [
            _price("X", 100),
            _price("X", 90, model="dist"),
            _price("X", 80, region="DE"),
            _price("X", 75, region="BER"),
            _price("X", 60, model="dist", grade="A"),
            _price("X", 10, model="dist", grade="A", region="BER", end=date(2020, 6, 30)),
            _price("Y", 50),
            _price("Y", 55, start=date(2020, 6, 1)),
        ],
        PRICE_TYPES,
    )
    lines = _table(
        [
            {"_batch": 1, "_row": row, "partner": p, "product": prod, "day": day}
            for row, p, prod, day in [
                (1, "P1", "X", D),  # model + grade (2 parts) beat one; the 3-part one expired
                (2, "P2", "X", D),  # one part each: the region's depth decides, BER
                (3, "P3", "X", D),  # retail: only any-scope and DE apply
                (4, "P3", "Y", D),  # the later start
                (5, "P3", "Y", date(2020, 3, 1)),  # before it: the earlier entry
                (6, "P3", "Z", D),  # no entry: never guessed
                (7, "P1", "X", date(2020, 6, 30)),  # the 3-part entry's last day
            ]
        ],
        {
            "_batch": "int64",
            "_row": "int64",
            "partner": "string",
            "product": "string",
            "day": "date",
        },  # fmt: skip
    )
    result = ibis.duckdb.connect().execute(floor_in_force(lines, partners, prices, closure))
    return {
        int(r["_row"]): (None if pd.isna(r["floor_price"]) else Decimal(r["floor_price"]))
        for _i, r in result.iterrows()
    }


def test_the_most_specific_entry_in_force_wins(floors: dict[int, object]) -> None:
    assert floors == {
        1: Decimal(60),
        2: Decimal(75),
        3: Decimal(80),
        4: Decimal(55),
        5: Decimal(50),
        6: None,
        7: Decimal(10),
    }
