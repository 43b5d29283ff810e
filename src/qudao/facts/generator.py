"""A deterministic synthetic channel for tests and benchmarks (``qudao generate``).

Same seed, same files, byte for byte. The channel: a region tree (group → 10 provinces →
100 cities), partners in three tiers (L1 distributors → L2 dealers → L3 stores) whose sizes
follow a Pareto law, a product catalogue with list, partner and floor prices, quarterly
targets, and eight quarters (2023–2024) of sell-in, sell-through, month-end inventory,
product codes and their scans, marketing spend and receivables.

Planted anomalies, each listed in ``ground_truth.csv`` (anomaly, partner, period, detail):

- ``cross_region``: a partner sells a third of its volume to customers in other provinces
  (every partner is authorised for its home province, ``territories.csv``);
- ``below_floor``: a partner sells under the floor price;
- ``channel_stuffing``: in a 2024 quarter's last month a partner buys what it usually buys
  in ten quarters, its sell-through does not follow and its stock rises;
- ``cross_region_code``: a product code is scanned in a province other than its holder's;
- ``cloned_code``: a code is scanned in two provinces within hours, or six times;
- ``chronic_target_miss``: a partner's targets are set well above what it sells, every quarter;
- ``declining``: a partner sells 80 % less in 2024 than in 2023 (growth far below its peers);
- ``churning``: a partner's customers never come back — new ones every quarter;
- ``silent``: a distributor or reseller (they owe their sell-through) that buys in 2024 but
  sends no sell-through for it.

Ordinary partners look ordinary: targets within ±15 % of what they then buy, customers that
come back (each partner has a pool of regulars sized to its volume).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

START = date(2023, 1, 1)
DAYS = (date(2024, 12, 31) - START).days + 1
DAYS_2023 = (date(2024, 1, 1) - START).days
QUARTERS = [f"{y}Q{q}" for y in (2023, 2024) for q in (1, 2, 3, 4)]
PROVINCES = 10
CITIES_PER_PROVINCE = 10


@dataclass(frozen=True)
class GeneratedChannel:
    out: Path
    files: dict[str, Path]
    anomalies: int


def _days_after(start: date, days: np.ndarray) -> pl.Series:
    """``start`` plus each number of days, as a date column."""
    return pl.Series(np.datetime64(start, "D") + days.astype("timedelta64[D]"))


def _seconds_after(start: date, seconds: np.ndarray) -> pl.Series:
    stamps = np.datetime64(start, "s") + seconds.astype("timedelta64[s]")
    return pl.Series(stamps.astype("datetime64[us]"))


def _quarter_of(days: np.ndarray) -> np.ndarray:
    """0 for 2023Q1 … 7 for 2024Q4, from days after START."""
    dates = _days_after(START, days)
    quarters = (dates.dt.year() - START.year) * 4 + (dates.dt.month() - 1) // 3
    return quarters.to_numpy().astype(np.int64)


def _thinned(lines: np.ndarray, keep_every: int) -> np.ndarray:
    """Of the lines marked in ``lines``, all but every ``keep_every``-th (by position): a
    thinning without chance, so a small partner declines as much as a large one."""
    return lines & (np.cumsum(lines) % keep_every != 0)


def _ordinary_choice(
    rng: np.random.Generator, weights: np.ndarray, count: int, *excluded: np.ndarray
) -> np.ndarray:
    """``count`` partners drawn by ``weights`` among those not in ``excluded``."""
    allowed = np.where(np.isin(np.arange(len(weights)), np.concatenate(excluded)), 0.0, weights)
    return rng.choice(len(weights), count, p=allowed / allowed.sum())


def _money(values: np.ndarray) -> pl.Series:
    return pl.Series(np.round(values, 2)).cast(pl.Decimal(20, 2))


def generate_channel(
    *,
    partners: int,
    lines: int,
    seed: int,
    out: Path,
    products: int = 200,
    inventory_rows: int | None = None,
    product_codes: int | None = None,
    scans_per_code: int = 1,
) -> GeneratedChannel:
    """Write the channel's CSV files (canonical headers, importable as they are) to ``out``."""
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}

    def write(name: str, frame: pl.DataFrame) -> None:
        path = out / f"{name}.csv"
        frame.write_csv(path, datetime_format="%Y-%m-%d %H:%M:%S")
        files[name] = path

    # --- regions --------------------------------------------------------------------
    provinces = [f"GP{p:02d}" for p in range(1, PROVINCES + 1)]
    cities = [
        f"GC{p:02d}{c:02d}"
        for p in range(1, PROVINCES + 1)
        for c in range(1, CITIES_PER_PROVINCE + 1)
    ]
    write(
        "regions",
        pl.DataFrame(
            {
                "code": ["GEN", *provinces, *cities],
                "name_en": [
                    "Generated channel",
                    *[f"Province {p}" for p in range(1, PROVINCES + 1)],
                    *[f"City {c}" for c in cities],
                ],
                "name_zh": [
                    "模拟渠道",
                    *[f"省份{p}" for p in range(1, PROVINCES + 1)],
                    *[f"城市{c[2:]}" for c in cities],
                ],
                "kind": ["group", *["province"] * PROVINCES, *["city"] * len(cities)],
                "parent": ["", *["GEN"] * PROVINCES, *[f"GP{c[2:4]}" for c in cities]],
            }
        ),
    )
    city_province = np.array([int(c[2:4]) for c in cities])

    # --- partners: three tiers, Pareto sizes ------------------------------------------
    codes = np.array([f"G{i:06d}" for i in range(partners)])
    n1 = max(1, partners // 10)
    n2 = max(1, (partners * 3) // 10) if partners > 2 else 0
    tier = np.where(np.arange(partners) < n1, 1, np.where(np.arange(partners) < n1 + n2, 2, 3))
    parent_idx = np.where(
        tier == 2,
        rng.integers(0, n1, partners),
        np.where(tier == 3, n1 + rng.integers(0, max(n2, 1), partners), -1),
    )
    home_city = rng.integers(0, len(cities), partners)
    size = rng.pareto(1.16, partners) + 1.0
    model = np.where(tier == 1, "distributor", np.where(tier == 2, "reseller", "retail_store"))
    write(
        "partners",
        pl.DataFrame(
            {
                "code": codes,
                "name_en": [f"Generated Partner {i}" for i in range(partners)],
                "name_zh": [f"模拟伙伴{i}" for i in range(partners)],
                "channel_model": model,
                "parent": np.where(parent_idx >= 0, codes[np.maximum(parent_idx, 0)], ""),
                "status": ["active"] * partners,
                "home_region": np.array(cities)[home_city],
                "credit_limit": _money(size * 50_000),
                "joined_on": ["2022-01-01"] * partners,
            }
        ),
    )

    # --- territories: each partner authorised for its home province, not exclusively ------
    # (no random draw: every other file stays as it was)
    write(
        "territories",
        pl.DataFrame(
            {
                "partner": codes,
                "region": [f"GP{p:02d}" for p in city_province[home_city]],
                "exclusive": ["no"] * partners,
                "valid_from": ["2022-01-01"] * partners,
            }
        ),
    )

    # --- products and prices ------------------------------------------------------------
    categories = ["GEN-A", "GEN-B", "GEN-C", "GEN-D"]
    write(
        "categories",
        pl.DataFrame(
            {
                "code": categories,
                "name_en": [f"Category {c[-1]}" for c in categories],
                "name_zh": [f"品类{c[-1]}" for c in categories],
                "parent": [""] * 4,
            }
        ),
    )
    skus = np.array([f"GS{i:04d}" for i in range(products)])
    list_price = np.round(np.exp(rng.normal(5.0, 0.8, products)), 2)
    write(
        "products",
        pl.DataFrame(
            {
                "code": skus,
                "name_en": [f"Product {i}" for i in range(products)],
                "name_zh": [f"产品{i}" for i in range(products)],
                "category": np.array(categories)[np.arange(products) % 4],
                "unit": ["pcs"] * products,
                "standard_cost": _money(list_price * 0.55),
                "is_active": ["yes"] * products,
            }
        ),
    )
    write(
        "price_list",
        pl.DataFrame(
            {
                "product": skus,
                "currency": ["CNY"] * products,
                "list_price": _money(list_price),
                "partner_price": _money(list_price * 0.8),
                "floor_price": _money(list_price * 0.7),
                "valid_from": ["2023-01-01"] * products,
            }
        ),
    )

    # --- anomalies ----------------------------------------------------------------------
    pick = rng.permutation(partners)
    k = max(1, partners // 50)
    cross, below, stuffing, missers, decliners, churners = (
        pick[i * k : (i + 1) * k] for i in range(6)
    )
    # silent: distributors and resellers (they owe their sell-through) that stop sending it
    silent = np.array([i for i in pick[6 * k :] if tier[i] <= 2][:k], dtype=np.int64)
    truth: list[tuple[str, str, str, str]] = []
    truth += [
        ("cross_region", codes[i], "2023-2024", "about a third of customers in other provinces")
        for i in cross
    ]
    truth += [
        ("below_floor", codes[i], "2023-2024", "a fifth of lines at 0.6 × list price")
        for i in below
    ]
    # in 2024, so that a year of ordinary buying comes before it
    stuff_quarter = 4 + rng.integers(0, len(QUARTERS), len(stuffing)) % 4
    truth += [
        (
            "channel_stuffing",
            codes[i],
            QUARTERS[q],
            "ten quarters' buying in the quarter's last month; stock rises",
        )  # fmt: skip
        for i, q in zip(stuffing, stuff_quarter, strict=True)
    ]
    truth += [
        ("chronic_target_miss", codes[i], "2023-2024", "targets at 2 × actual sell-in")
        for i in missers
    ]
    truth += [("declining", codes[i], "2024", "sells 80 % less than in 2023") for i in decliners]
    truth += [
        ("churning", codes[i], "2023-2024", "new customers every quarter, none come back")
        for i in churners
    ]
    truth += [
        ("silent", codes[i], "2024", "buys, but sends no sell-through in 2024") for i in silent
    ]
    # a declining partner keeps one 2024 line in this many
    declining_keep_every = 5

    # --- sell-through ---------------------------------------------------------------------
    weights = size / size.sum()
    who = rng.choice(partners, lines, p=weights)
    day = rng.integers(0, DAYS, lines)
    # A declining partner's 2024 lines mostly never happen, a silent one's all; they go to
    # ordinary partners instead, so that the file still holds ``lines`` lines.
    gone = _thinned(np.isin(who, decliners) & (day >= DAYS_2023), declining_keep_every)
    gone |= np.isin(who, silent) & (day >= DAYS_2023)
    who[gone] = _ordinary_choice(rng, weights, int(gone.sum()), decliners, silent)
    sku = rng.integers(0, products, lines)
    quantity = rng.integers(1, 6, lines)
    price = list_price[sku]
    is_below = np.isin(who, below) & (rng.random(lines) < 0.2)
    price = np.where(is_below, price * 0.6, price)
    customer_city = home_city[who]
    moved = np.isin(who, cross) & (rng.random(lines) < 0.33)
    other = rng.integers(0, len(cities), lines)
    other = np.where(
        city_province[other] == city_province[customer_city],
        (other + CITIES_PER_PROVINCE) % len(cities),
        other,
    )
    customer_city = np.where(moved, other, customer_city)
    # Regulars: a pool per partner, about 16 purchases per customer over the two years,
    # so an ordinary customer buys about twice a quarter and rarely lapses.
    pool = np.maximum(5, np.round(weights * lines / 16)).astype(np.int64)
    customer = (rng.random(lines) * pool[who]).astype(np.int64)
    # a churning partner's customers are new each quarter (the quarter is in their id)
    customer = np.where(np.isin(who, churners), customer + _quarter_of(day) * 1_000_000, customer)
    write(
        "sell_through",
        pl.DataFrame(
            {
                "date": _days_after(START, day),
                "partner": codes[who],
                "customer": pl.select(
                    pl.lit("K")
                    + pl.Series(who).cast(pl.String)
                    + pl.lit("-")
                    + pl.Series(customer).cast(pl.String)
                ).to_series(),
                "customer_region": np.array(cities)[customer_city],
                "product": skus[sku],
                "quantity": quantity,
                "unit_price": _money(price),
                "amount": _money(price * quantity),
                "document_id": pl.select(
                    pl.lit("D") + pl.Series(np.arange(lines)).cast(pl.String)
                ).to_series(),
            }
        ),
    )

    # --- sell-in: what partners bought, about a fifth as many lines ----------------------
    n_in = max(1, lines // 5)
    # Every partner orders regularly: a floor under the Pareto weights, so that a small
    # partner's quarter is a handful of orders, not one (whose growth would be noise).
    buying = 0.3 * weights + 0.7 / partners
    buyer = rng.choice(partners, n_in, p=buying)
    in_day = rng.integers(0, DAYS, n_in)
    gone = _thinned(np.isin(buyer, decliners) & (in_day >= DAYS_2023), declining_keep_every)
    buyer[gone] = _ordinary_choice(rng, buying, int(gone.sum()), decliners)
    in_sku = rng.integers(0, products, n_in)
    in_qty = rng.integers(3, 20, n_in)
    in_dates = _days_after(START, in_day)
    sell_in = pl.DataFrame(
        {
            "order_date": in_dates,
            "order_id": [f"O{i // 4}" for i in range(n_in)],
            "line_no": np.arange(n_in) % 4 + 1,
            "partner": codes[buyer],
            "product": skus[in_sku],
            "quantity": in_qty,
            "unit_price": _money(list_price[in_sku] * 0.8),
            "amount": _money(list_price[in_sku] * 0.8 * in_qty),
            "cost": _money(list_price[in_sku] * 0.55 * in_qty),
            "currency": ["CNY"] * n_in,
            "ship_to_region": np.array(cities)[home_city[buyer]],
        }
    )
    # channel stuffing: in one quarter's last month, orders worth ten ordinary quarters of
    # buying (or of selling on, whichever is more); the stock they leave behind is below
    extra = []
    stuffed_quantity: dict[int, int] = {}
    for i, q in zip(stuffing, stuff_quarter, strict=True):
        year, quarter = int(QUARTERS[q][:4]), int(QUARTERS[q][-1])
        month_start = date(year, quarter * 3, 1)
        bought = sell_in.filter(pl.col("partner") == codes[i])
        rows = bought.head(20)
        if rows.height:
            usual = max(int(bought["quantity"].sum()), int(quantity[who == i].sum())) / 8
            multiple = max(5, int(np.ceil(10 * usual / int(rows["quantity"].sum()))))
            stuffed_quantity[i] = int(rows["quantity"].sum()) * multiple
            extra.append(
                rows.with_columns(
                    pl.lit(month_start).alias("order_date"),
                    (pl.lit(f"STUFF{i}-") + pl.int_range(pl.len()).cast(pl.String)).alias(
                        "order_id"
                    ),
                    pl.lit(1, dtype=pl.Int64).alias("line_no"),
                    (pl.col("quantity") * multiple).alias("quantity"),
                    (pl.col("amount") * multiple).alias("amount"),
                    (pl.col("cost") * multiple).alias("cost"),
                )
            )
    if extra:
        sell_in = pl.concat([sell_in, *extra])
    write("sell_in", sell_in)

    # --- targets: quarterly, from actual sell-in (missers get twice that) ---------------
    actual = (
        sell_in.with_columns(
            (
                pl.col("order_date").dt.year().cast(pl.String)
                + pl.lit("Q")
                + pl.col("order_date").dt.quarter().cast(pl.String)
            ).alias("period")
        )
        .group_by("partner", "period")
        .agg(pl.col("amount").sum())
    )
    # an ordinary target is within ±15 % of what the partner then buys
    spread = pl.Series(rng.uniform(0.85, 1.15, actual.height))
    actual = actual.sort("partner", "period").with_columns(spread.alias("spread"))
    factor = (
        pl.when(pl.col("partner").is_in(pl.Series(codes[missers]).implode()))
        .then(2.0)
        .otherwise(pl.col("spread"))
    )
    write(
        "targets",
        actual.select(
            "partner",
            "period",
            (pl.col("amount").cast(pl.Float64) * factor)
            .round(2)
            .cast(pl.Decimal(20, 2))
            .alias("amount"),
        ).sort("partner", "period"),
    )

    # --- month-end inventory for every partner × its main products ------------------------
    months = [date(y, m, 1) for y in (2023, 2024) for m in range(1, 13)]
    month_ends = [(date(d.year + (d.month == 12), d.month % 12 + 1, 1)) for d in months]
    snapshot = pl.Series([pl.select(pl.lit(d) - pl.duration(days=1)).item() for d in month_ends])
    stocked = 3 if inventory_rows is None else max(1, inventory_rows // (partners * len(months)))
    stocked = min(stocked, products)
    inv_partner = np.repeat(np.arange(partners), stocked * len(months))
    inv_sku = (
        np.repeat(np.arange(partners) * 7, stocked * len(months))
        + np.tile(np.repeat(np.arange(stocked), len(months)), partners)
    ) % products
    on_hand = rng.integers(0, 60, len(inv_partner))
    inventory_day = pl.concat([snapshot] * (stocked * partners))
    # what a stuffed partner could not sell stays in stock from that quarter's end on
    for i, q in zip(stuffing, stuff_quarter, strict=True):
        year, quarter = int(QUARTERS[q][:4]), int(QUARTERS[q][-1])
        quarter_end = date(year + quarter // 4, quarter * 3 % 12 + 1, 1)
        later = (inv_partner == i) & (
            inventory_day.to_numpy() >= np.datetime64(quarter_end, "D") - 1
        )
        on_hand = on_hand + later * stuffed_quantity.get(int(i), 0)
    write(
        "inventory",
        pl.DataFrame(
            {
                "snapshot_date": inventory_day,
                "partner": codes[inv_partner],
                "product": skus[inv_sku],
                "quantity_on_hand": on_hand,
            }
        ),
    )

    # --- codes and scans: one consumer scan per code, where its holder sells -------------
    n_codes = max(1, lines // 20 if product_codes is None else product_codes)
    holder = rng.choice(partners, n_codes, p=weights)
    code_ids = np.array([f"QR{i:09d}" for i in range(n_codes)])
    scan_at = rng.integers(30 * 86400, DAYS * 86400, n_codes)
    scan_city = home_city[holder].copy()
    write(
        "code_assignment",
        pl.DataFrame(
            {
                "code": code_ids,
                "product": skus[rng.integers(0, products, n_codes)],
                "partner": codes[holder],
                "shipped_date": _days_after(START, rng.integers(0, DAYS - 30, n_codes)),
            }
        ),
    )
    # Planted, on codes scanned early enough for the scans that follow to stay in 2024:
    # scanned in another province (cross_region_code); scanned again within hours in
    # another province (cloned_code, and the copy's scan cross_region_code); scanned
    # again on each of the next days, one scan more than a detector's default limit of 5
    # (cloned_code, the scan beyond the limit).
    room = np.flatnonzero(scan_at < (DAYS - 10) * 86400)
    chosen = rng.choice(room, min(len(room), 4 * k), replace=False)
    moved, copied, repeated = chosen[: 2 * k], chosen[2 * k : 3 * k], chosen[3 * k :]

    def elsewhere(city: np.ndarray) -> np.ndarray:
        """A city in another province."""
        return (city + CITIES_PER_PROVINCE * rng.integers(1, PROVINCES, len(city))) % len(cities)

    def quarter_at(seconds: int) -> str:
        return QUARTERS[int(_quarter_of(np.array([seconds // 86400]))[0])]

    scan_city[moved] = elsewhere(scan_city[moved])
    truth += [
        (
            "cross_region_code",
            codes[holder[c]],
            quarter_at(scan_at[c]),
            f"code {code_ids[c]} scanned in another province",
        )  # fmt: skip
        for c in moved
    ]
    copy_at = scan_at[copied] + rng.integers(600, 12 * 3600, len(copied))
    copy_city = elsewhere(scan_city[copied])
    for c, at in zip(copied, copy_at, strict=True):
        who_c, detail = codes[holder[c]], f"code {code_ids[c]} scanned in two provinces"
        truth += [("cloned_code", who_c, quarter_at(scan_at[c]), detail)]
        truth += [("cloned_code", who_c, quarter_at(at), detail)]
        truth += [("cross_region_code", who_c, quarter_at(at), detail)]
    repeat_at = (scan_at[repeated][:, None] + 86400 * np.arange(1, 6)).ravel()
    truth += [
        (
            "cloned_code",
            codes[holder[c]],
            quarter_at(scan_at[c] + 5 * 86400),
            f"code {code_ids[c]} scanned six times",
        )  # fmt: skip
        for c in repeated
    ]
    # More scans of the codes not planted, for larger data (a benchmark): the retailer's
    # scans before the consumer's, two days apart, where the holder sells — honest ones.
    plain = np.setdiff1d(np.arange(n_codes), chosen)
    earlier = np.arange(1, scans_per_code)  # the retailer scans before the consumer's
    retail_at = (scan_at[plain][:, None] - 2 * 86400 * earlier).ravel()
    retail_code = np.repeat(plain, len(earlier))
    n_consumer = n_codes + len(copied) + 5 * len(repeated)
    write(
        "code_scan",
        pl.DataFrame(
            {
                "scanned_at": _seconds_after(
                    START, np.concatenate([scan_at, copy_at, repeat_at, retail_at])
                ),
                "code": np.concatenate(
                    [
                        code_ids,
                        code_ids[copied],
                        np.repeat(code_ids[repeated], 5),
                        code_ids[retail_code],
                    ]
                ),
                "region": np.array(cities)[
                    np.concatenate(
                        [
                            scan_city,
                            copy_city,
                            np.repeat(scan_city[repeated], 5),
                            scan_city[retail_code],
                        ]
                    )
                ],
                "scan_type": ["consumer"] * n_consumer + ["retailer"] * len(retail_code),
            }
        ),
    )

    # --- marketing spend and receivables ----------------------------------------------------
    quarter_starts = [date(int(q[:4]), (int(q[-1]) - 1) * 3 + 1, 1) for q in QUARTERS]
    write(
        "marketing_spend",
        pl.DataFrame(
            {
                "date": quarter_starts * partners,
                "partner": np.repeat(codes, len(QUARTERS)),
                "campaign": ["Quarterly co-op"] * (partners * len(QUARTERS)),
                "amount": _money(
                    np.repeat(size, len(QUARTERS))
                    * rng.uniform(500, 1500, partners * len(QUARTERS))
                ),
            }
        ),
    )
    write(
        "receivable",
        pl.DataFrame(
            {
                "as_of": pl.concat([snapshot] * partners),
                "partner": np.repeat(codes, len(months)),
                "amount": _money(
                    np.repeat(size, len(months)) * rng.uniform(1000, 8000, partners * len(months))
                ),
                "days_overdue": rng.choice(
                    [0, 30, 60, 90], partners * len(months), p=[0.7, 0.15, 0.1, 0.05]
                ),
            }
        ),
    )
    write(
        "ground_truth",
        pl.DataFrame(truth, schema=["anomaly", "partner", "period", "detail"], orient="row"),
    )
    return GeneratedChannel(out, files, len(truth))


# Master data first, then facts: the order `qudao generate --load` imports them in.
LOAD_ORDER = (
    "regions",
    "partners",
    "territories",
    "categories",
    "products",
    "price_list",
    "targets",
    "sell_in",
    "sell_through",
    "inventory",
    "code_assignment",
    "code_scan",
    "marketing_spend",
    "receivable",
)
