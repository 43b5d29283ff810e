"""Generated stock and sell-through with planted stock-outs (``qudao supply generate``):
what the supply check's tests and benchmark run on. Same seed, same files.

Partners carry most product families; each partner × family sells a Poisson quantity a
month around a level that drifts (a random walk of its logarithm) with a mild season, for
24 months to ``LAST_DAY``. Every carried family is counted on ``LAST_DAY``: ordinary stock
covers 30 to 90 days of what the partner sold of it in the 90 days before (so it is within
the default thresholds of 14 and 120 days); planted ones are listed in ``planted.csv``
(kind, partner, family):

- ``stock_out``: stock for fewer than 10 days (none at all for a third of them);
- ``overstock``: stock for 150 to 300 days;
- ``stale``: the partner's last count is three months old and shows nothing on hand —
  a stock-out if it were judged, which it must not be.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

LAST_DAY = date(2024, 12, 31)
STALE_DAY = date(2024, 9, 30)
MONTHS = 24
PRODUCTS_PER_FAMILY = 3
DEMAND_DAYS = 90


@dataclass(frozen=True)
class GeneratedSupply:
    out: Path
    files: dict[str, Path]
    planted: dict[str, list[tuple[str, str]]]  # kind → (partner, family code)


def _month_starts() -> list[date]:
    """The 24 months that end with ``LAST_DAY``'s (a December)."""
    first_year = LAST_DAY.year - MONTHS // 12 + 1
    return [date(first_year + i // 12, i % 12 + 1, 1) for i in range(MONTHS)]


def generate_supply(
    *, partners: int, families: int, seed: int, out: Path, planted_share: float = 0.05
) -> GeneratedSupply:
    """Write the master data and the two facts (canonical headers) to ``out``."""
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}

    def write(name: str, frame: pl.DataFrame) -> None:
        files[name] = out / f"{name}.csv"
        frame.write_csv(files[name])

    write(
        "regions",
        pl.DataFrame(
            {
                "code": ["SUP", "SUP-1"],
                "name_en": ["Supply test", "Supply province"],
                "name_zh": ["供应测试", "供应省份"],
                "kind": ["group", "province"],
                "parent": ["", "SUP"],
            }
        ),
    )
    codes = [f"S{i:05d}" for i in range(partners)]
    write(
        "partners",
        pl.DataFrame(
            {
                "code": codes,
                "name_en": [f"Supply Partner {i}" for i in range(partners)],
                "name_zh": [f"供应伙伴{i}" for i in range(partners)],
                "channel_model": ["reseller"] * partners,
                "parent": [""] * partners,
                "status": ["active"] * partners,
                "home_region": ["SUP-1"] * partners,
                "credit_limit": ["100000.00"] * partners,
                "joined_on": ["2022-01-01"] * partners,
            }
        ),
    )
    family_codes = [f"FAM-{f:02d}" for f in range(families)]
    write(
        "categories",
        pl.DataFrame(
            {
                "code": family_codes,
                "name_en": [f"Family {f}" for f in range(families)],
                "name_zh": [f"产品族{f}" for f in range(families)],
                "parent": [""] * families,
            }
        ),
    )
    skus = [f"{c}-P{k}" for c in family_codes for k in range(PRODUCTS_PER_FAMILY)]
    write(
        "products",
        pl.DataFrame(
            {
                "code": skus,
                "name_en": [f"Product {s}" for s in skus],
                "name_zh": [f"产品{s}" for s in skus],
                "category": [s.rsplit("-", 1)[0] for s in skus],
                "unit": ["pcs"] * len(skus),
                "standard_cost": ["10.00"] * len(skus),
                "is_active": ["yes"] * len(skus),
            }
        ),
    )

    # --- monthly demand, then documents on days of each month ------------------------------
    carried = rng.random((partners, families)) < 0.7
    pairs = np.argwhere(carried)
    months = _month_starts()
    level = np.exp(rng.normal(np.log(30), 0.8, len(pairs)))
    drift = np.exp(np.cumsum(rng.normal(0, 0.08, (len(pairs), MONTHS)), axis=1))
    season = 1 + 0.1 * np.sin(2 * np.pi * np.arange(MONTHS) / 12)
    quantity = rng.poisson(level[:, None] * drift * season[None, :])

    doc_partner, doc_product, doc_day, doc_qty = [], [], [], []
    for (pair, month), q in np.ndenumerate(quantity):
        if q == 0:
            continue
        start = months[month]
        days = ((start.replace(day=28) + timedelta(days=4)).replace(day=1) - start).days
        pieces = min(int(q), 3)
        split = rng.multinomial(q - pieces, [1 / pieces] * pieces) + 1
        p, f = pairs[pair]
        for piece in split:
            doc_partner.append(p)
            doc_product.append(f * PRODUCTS_PER_FAMILY + rng.integers(PRODUCTS_PER_FAMILY))
            doc_day.append(start + timedelta(days=int(rng.integers(days))))
            doc_qty.append(int(piece))
    sales = pl.DataFrame(
        {
            "date": doc_day,
            "partner": np.array(codes)[doc_partner],
            "customer": [f"C{i % 997}" for i in range(len(doc_day))],
            "customer_region": ["SUP-1"] * len(doc_day),
            "product": np.array(skus)[doc_product],
            "quantity": doc_qty,
            "unit_price": ["20.00"] * len(doc_day),
            "amount": [f"{q * 20}.00" for q in doc_qty],
            "document_id": [f"SD{i}" for i in range(len(doc_day))],
        }
    )
    write("sell_through", sales)

    # --- the counts: ordinary cover, and the planted ones ----------------------------------
    window_start = LAST_DAY - timedelta(days=DEMAND_DAYS - 1)
    recent = (
        sales.filter(pl.col("date") >= window_start)
        .with_columns(pl.col("product").str.slice(0, 6).alias("family"))
        .group_by("partner", "family")
        .agg(pl.col("quantity").sum())
    )
    sold = {(r["partner"], r["family"]): r["quantity"] for r in recent.iter_rows(named=True)}
    order = rng.permutation(len(pairs))
    k = max(1, int(len(pairs) * planted_share))
    stock_outs, overstocks = set(order[:k].tolist()), set(order[k : 2 * k].tolist())
    stale_partners = {codes[p] for p in rng.choice(partners, max(1, partners // 50), replace=False)}
    planted: dict[str, list[tuple[str, str]]] = {"stock_out": [], "overstock": [], "stale": []}
    count_rows = []
    for i, (p, f) in enumerate(pairs):
        partner, family = codes[p], family_codes[f]
        daily = sold.get((partner, family), 0) / DEMAND_DAYS
        if partner in stale_partners:
            planted["stale"].append((partner, family))
            on_hand, day = 0, STALE_DAY
        elif i in stock_outs and daily > 0:
            planted["stock_out"].append((partner, family))
            on_hand = 0 if i % 3 == 0 else int(daily * rng.uniform(0, 10))
            day = LAST_DAY
        elif i in overstocks and daily > 0:
            planted["overstock"].append((partner, family))
            on_hand, day = int(np.ceil(daily * rng.uniform(150, 300))), LAST_DAY
        else:
            # at least one unit where it sells: a rounded-away count would be a stock-out
            cover = int(round(daily * rng.uniform(30, 90)))
            on_hand, day = (max(1, cover) if daily > 0 else 0), LAST_DAY
        shares = rng.multinomial(on_hand, [1 / PRODUCTS_PER_FAMILY] * PRODUCTS_PER_FAMILY)
        for product, units in enumerate(shares):
            count_rows.append((day, partner, f"{family}-P{product}", int(units)))
    write(
        "inventory",
        pl.DataFrame(
            count_rows,
            schema=["snapshot_date", "partner", "product", "quantity_on_hand"],
            orient="row",
        ),
    )
    write(
        "planted",
        pl.DataFrame(
            [(kind, p, f) for kind, found in planted.items() for p, f in found],
            schema=["kind", "partner", "family"],
            orient="row",
        ),
    )
    return GeneratedSupply(out, files, planted)
