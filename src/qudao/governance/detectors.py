"""Detectors of channel-order violations: plain Ibis over committed fact rows and master
data, the same on DuckDB and Spark (like the KPIs and the rules).

Each detector returns one row per offending fact row, with where it came from (``_batch``,
``_row``), the offending partner, the injured partner (or null), the evidence day, and the
quantity and value the violation counts. Rows that cannot be judged — no region, no price
in force, no unit price — are never guessed at: ``*_unjudged`` returns them, to be counted.

Inputs (Ibis tables):
- ``territories``: holder, region, exclusive, valid_from, valid_to (partner and region codes);
- ``closure``: region, ancestor, depth — every region with itself and each region above it
  (``depth`` of the ancestor: 1 for a top-level region);
- ``partners``: partner, channel_model, grade, home_region;
- ``prices``: product, channel_model, grade, region, floor_price, list_price, valid_from,
  valid_to (null scope parts mean "any").
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

EVIDENCE = ("_batch", "_row", "partner", "day", "region", "product", "quantity", "value")


def _valid_on(table: ir.Table, day: ir.Value) -> ir.BooleanValue:
    return (table.valid_from <= day) & (table.valid_to.isnull() | (table.valid_to >= day))


def _placed(lines: ir.Table, territories: ir.Table, closure: ir.Table) -> ir.Table:
    """Lines with a region, each with whether its partner holds that region (or one above
    it) on the line's day, and the partner holding it exclusively then (if another)."""
    up = lines.select("_batch", "_row", "partner", "day", "region").join(closure, "region")
    claims = up.join(
        territories,
        [up.ancestor == territories.region, _valid_on(territories, up.day)],
    )
    held = (
        claims.filter(claims.holder == claims.partner)
        .select("_batch", "_row")
        .distinct()
        .mutate(inside=ibis.literal(True))
    )
    # Territory protection admits one exclusive holder of a region and the regions around it
    # at a time; min() only makes the choice certain.
    exclusive = (
        claims.filter(claims.exclusive & (claims.holder != claims.partner))
        .group_by("_batch", "_row")
        .aggregate(injured=claims.holder.min())
    )
    return (
        lines.left_join(held, ["_batch", "_row"])
        .drop("_batch_right", "_row_right")
        .left_join(exclusive, ["_batch", "_row"])
        .drop("_batch_right", "_row_right")
    )


def _with_territories(lines: ir.Table, territories: ir.Table) -> ir.Table:
    """Lines of partners that hold some territory (at any time)."""
    holders = territories.select(partner=territories.holder).distinct()
    return lines.semi_join(holders, "partner")


def outside_territory(lines: ir.Table, territories: ir.Table, closure: ir.Table) -> ir.Table:
    """Lines whose region lies outside every territory their partner holds on their day.
    ``lines`` has _batch, _row, partner, day, region, product, quantity, value. A partner
    with no territory on record at all is not judged (``without_territory``): Qudao does
    not know where it may sell."""
    judged = _with_territories(lines.filter(lines.region.notnull()), territories)
    placed = _placed(judged, territories, closure)
    return placed.filter(placed.inside.isnull()).select(*EVIDENCE, "injured")


def without_territory(lines: ir.Table, territories: ir.Table) -> ir.Table:
    """Lines no territory check can judge: they name no region, or their partner has no
    territory on record."""
    judged = _with_territories(lines.filter(lines.region.notnull()), territories)
    return lines.anti_join(judged, ["_batch", "_row"])


def sell_through_lines(st: ir.Table) -> ir.Table:
    """Sell-through rows as lines: the customer's region, the partner's selling price."""
    return st.select(
        "_batch",
        "_row",
        "partner",
        "product",
        "quantity",
        "unit_price",
        day=st.date,
        region=st.customer_region,
        value=st.amount,
    )


def sell_in_lines(si: ir.Table) -> ir.Table:
    """Sell-in rows as lines: the ship-to region, the price the partner paid."""
    return si.select(
        "_batch",
        "_row",
        "partner",
        "product",
        "quantity",
        "unit_price",
        day=si.order_date,
        region=si.ship_to_region,
        value=si.amount,
    )


def _floor_in_force(
    lines: ir.Table, partners: ir.Table, prices: ir.Table, closure: ir.Table
) -> ir.Table:
    """Each line with the floor price in force for its product and its partner's channel
    model, grade and home region on its day: the most specific entry wins (more scope
    parts given, then the deeper region, then the later start)."""
    scoped = lines.join(partners, "partner")
    homes = closure.select(home_region="region", price_region="ancestor", region_depth="depth")
    scoped = scoped.left_join(homes, "home_region")
    entries = prices.select(
        entry_product=prices.product,
        entry_model=prices.channel_model,
        entry_grade=prices.grade,
        entry_region=prices.region,
        floor_price=prices.floor_price,
        list_price=prices.list_price,
        valid_from=prices.valid_from,
        valid_to=prices.valid_to,
    )
    matches = scoped.join(
        entries,
        [
            scoped.product == entries.entry_product,
            _valid_on(entries, scoped.day),
            entries.entry_model.isnull() | (entries.entry_model == scoped.channel_model),
            entries.entry_grade.isnull() | (entries.entry_grade == scoped.grade),
            entries.entry_region.isnull() | (entries.entry_region == scoped.price_region),
        ],
    )
    parts = (
        matches.entry_model.notnull().cast("int32")
        + matches.entry_grade.notnull().cast("int32")
        + matches.entry_region.notnull().cast("int32")
    )
    depth = ibis.ifelse(matches.entry_region.notnull(), matches.region_depth, 0)
    ranked = matches.mutate(
        rank=ibis.row_number().over(
            group_by=[matches._batch, matches._row],
            order_by=[parts.desc(), depth.desc(), matches.valid_from.desc()],
        )
    )
    best = ranked.filter(ranked.rank == 0).select("_batch", "_row", "floor_price", "list_price")
    return lines.left_join(best, ["_batch", "_row"]).drop("_batch_right", "_row_right")


def _unit_price(lines: ir.Table) -> ir.Value:
    """The line's own unit price; else its amount over its quantity (a sale, not a return)."""
    derived = ibis.ifelse(lines.quantity > 0, lines.value / lines.quantity, ibis.null())
    return lines.unit_price.cast("decimal(24, 6)").coalesce(derived.cast("decimal(24, 6)"))


def below_floor(
    lines: ir.Table,
    partners: ir.Table,
    prices: ir.Table,
    closure: ir.Table,
    *,
    tolerance: float,
) -> ir.Table:
    """Lines sold below the floor price in force (less ``tolerance``, a share of the floor);
    the value is the shortfall, Σ (floor − unit price) × quantity."""
    priced = _floor_in_force(lines, partners, prices, closure)
    unit = _unit_price(priced)
    bar = priced.floor_price * (1 - tolerance)
    below = priced.filter(priced.floor_price.notnull() & unit.notnull() & (unit < bar))
    unit_below = _unit_price(below)
    return below.select(
        "_batch",
        "_row",
        "partner",
        "day",
        "region",
        "product",
        "quantity",
        value=((below.floor_price - unit_below) * below.quantity).cast("decimal(24, 6)"),
        injured=ibis.null("string"),
    )


def within(lines: ir.Table, window: ir.Table) -> ir.Table:
    """The lines of one period: ``window`` is one row, its first and last day. (A table, not
    literals, so one compiled query serves every period.)"""
    joined = lines.cross_join(window)
    return joined.filter((joined.day >= joined.first_day) & (joined.day <= joined.last_day)).drop(
        "first_day", "last_day"
    )


def without_floor(
    lines: ir.Table, partners: ir.Table, prices: ir.Table, closure: ir.Table
) -> ir.Table:
    """Lines no floor check can judge: no floor price in force, or no unit price."""
    priced = _floor_in_force(lines, partners, prices, closure)
    return priced.filter(priced.floor_price.isnull() | _unit_price(priced).isnull())
