from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from qudao.facts.services import fact_import

INVENTORY = "snapshot_date,partner,product,quantity_on_hand"
SELL_THROUGH = (
    "date,partner,customer,customer_region,product,quantity,unit_price,amount,document_id"
)


@pytest.fixture
def load_facts(tmp_path: Path) -> Callable[..., None]:
    """Import rows of ``inventory`` or ``sell_through`` through the real import."""
    counter = {"n": 0}
    headers = {"inventory": INVENTORY, "sell_through": SELL_THROUGH}

    def load(fact: str, *rows: tuple[Any, ...]) -> None:
        counter["n"] += 1
        path = tmp_path / f"{fact}-{counter['n']}.csv"
        lines = [headers[fact], *(",".join(str(v) for v in row) for row in rows)]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        result = fact_import(fact=fact, path=path)
        assert result.committed, result.errors

    return load


def sold(day: str, product: str, quantity: int, *, partner: str = "P-DE", doc: str = "") -> tuple:
    """A sell-through line (documents numbered by day, product and partner by default)."""
    return (
        day,
        partner,
        "K1",
        "",
        product,
        quantity,
        "10.00",
        f"{quantity * 10}.00",
        doc or f"D-{day}-{product}-{partner}",
    )
