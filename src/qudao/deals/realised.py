"""The sale that realised a won deal, read from the fact store: a sell-in order or a
sell-through document of the partner or one of its sub-partners."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from qudao.deals.models import RealisedFact
from qudao.facts.store import fact_table
from qudao.partners.models import Partner

# the column naming the document, and the one dating it, in each fact
_COLUMNS = {
    RealisedFact.SELL_IN: ("order_id", "order_date"),
    RealisedFact.SELL_THROUGH: ("document_id", "date"),
}


@dataclass(frozen=True)
class Sale:
    amount: Decimal
    first_day: date
    lines: int


def realised_sale(*, fact: str, document: str, partner: Any) -> Sale | None:
    """The document's lines that count (a later file may have replaced them), summed; None
    when no such document of the partner's tree is on record."""
    id_column, date_column = _COLUMNS[RealisedFact(fact)]
    codes = list(
        Partner.objects.filter(path__startswith=partner.path).values_list("code", flat=True)
    )
    rows = fact_table(fact)
    mine = rows.filter((rows[id_column] == document) & rows.partner.isin(codes))
    found = mine.aggregate(
        amount=mine.amount.sum(), first_day=mine[date_column].min(), lines=mine.count()
    ).to_pyarrow()
    lines = found["lines"][0].as_py() or 0
    if not lines:
        return None
    return Sale(
        amount=Decimal(str(found["amount"][0].as_py())).quantize(Decimal("0.01")),
        first_day=found["first_day"][0].as_py(),
        lines=lines,
    )
