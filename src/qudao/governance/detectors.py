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
  valid_to (null scope parts mean "any");
- ``assignments`` and ``scans``: the ``code_assignment`` and ``code_scan`` facts;
- ``inventory``: the ``inventory`` fact.
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


def outside_territory(
    lines: ir.Table, territories: ir.Table, closure: ir.Table, *, keep: tuple[str, ...] = ()
) -> ir.Table:
    """Lines whose region lies outside every territory their partner holds on their day.
    ``lines`` has _batch, _row, partner, day, region, product, quantity, value (and the
    columns named in ``keep``). A partner with no territory on record at all is not judged
    (``without_territory``): Qudao does not know where it may sell."""
    judged = _with_territories(lines.filter(lines.region.notnull()), territories)
    placed = _placed(judged, territories, closure)
    return placed.filter(placed.inside.isnull()).select(*EVIDENCE, "injured", *keep)


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


# --- product codes ---------------------------------------------------------------------------


def scan_lines(scans: ir.Table, assignments: ir.Table) -> ir.Table:
    """Scans as lines of the partner the code was shipped to: the scan's day and region,
    one code each (its value, the list price, is added once a scan is found wanting).
    Scans of codes never assigned have no partner: ``scans_unassigned``."""
    held = assignments.select(code_=assignments.code, partner=assignments.partner,
                              product=assignments.product)  # fmt: skip
    joined = scans.join(held, scans.code == held.code_)
    return joined.select(
        "_batch",
        "_row",
        "partner",
        "product",
        "code",
        "scanned_at",
        day=joined.scanned_at.date(),
        region=joined.region,
        quantity=ibis.literal(1).cast("decimal(20, 4)"),
        value=ibis.null("decimal(24, 6)"),
        unit_price=ibis.null("decimal(24, 6)"),
    )


def scans_unassigned(scans: ir.Table, assignments: ir.Table) -> ir.Table:
    return scans.anti_join(assignments.select("code"), "code")


def priced_codes(
    found: ir.Table, partners: ir.Table, prices: ir.Table, closure: ir.Table
) -> ir.Table:
    """``found`` (code lines) valued at the list price in force for the partner on the
    scan's day (null where none: never guessed)."""
    priced = _floor_in_force(found, partners, prices, closure)
    return priced.mutate(value=priced.list_price.cast("decimal(24, 6)")).drop(
        "floor_price", "list_price"
    )


PAIR = ("_batch_a", "_row_a", "_batch_b", "_row_b")


def _far_apart(pairs: ir.Table, closure: ir.Table) -> ir.Table:
    """``pairs`` of scans in regions neither of which holds the other, and that share no
    region above them but a top-level one: a code cannot honestly travel between them in
    a day."""
    # region r lies in region o (or is o): closure row (r, o); named twice, one per side
    in_b = closure.select(inner="region", outer="ancestor")
    in_a = closure.select(inner_="region", outer_="ancestor")
    a_not_in_b = pairs.anti_join(in_b, [pairs.region_a == in_b.inner, pairs.region_b == in_b.outer])
    different = a_not_in_b.anti_join(
        in_a, [a_not_in_b.region_b == in_a.inner_, a_not_in_b.region_a == in_a.outer_]
    )
    upper = closure.filter(closure.depth >= 2)
    up_a = upper.select(region_a="region", shared="ancestor")
    up_b = upper.select(region_b_="region", shared_b="ancestor")
    lifted = different.join(up_a, "region_a")
    near = (
        lifted.join(up_b, [lifted.region_b == up_b.region_b_, lifted.shared == up_b.shared_b])
        .select(*PAIR)
        .distinct()
    )
    return different.anti_join(near, list(PAIR))


def cloned_codes(lines: ir.Table, closure: ir.Table, *, hours: float, max_scans: int) -> ir.Table:
    """Scans that show a code was copied: two scans of one code in regions far apart
    (``_far_apart``) within ``hours`` of each other — both are evidence — and every scan of
    a code after its first ``max_scans``. ``lines`` are all scan lines (not one period's:
    a pair or a count may start before the period)."""
    seconds = lines.scanned_at.epoch_seconds()
    scans = lines.filter(lines.region.notnull()).mutate(at=seconds)
    a = scans.select("code", _batch_a="_batch", _row_a="_row", region_a="region", at_a="at")
    b = scans.select(code_b="code", _batch_b="_batch", _row_b="_row", region_b="region",
                     at_b="at")  # fmt: skip
    pairs = a.join(
        b,
        [
            a.code == b.code_b,
            (a.at_a < b.at_b) | ((a.at_a == b.at_b) & (a._row_a < b._row_b)),
            (b.at_b - a.at_a) <= hours * 3600,
        ],
    )
    far = _far_apart(pairs, closure)
    ends = far.select(_batch=far._batch_a, _row=far._row_a).union(
        far.select(_batch=far._batch_b, _row=far._row_b)
    )
    ranked = lines.mutate(
        nth=ibis.row_number().over(
            group_by=lines.code, order_by=[lines.scanned_at, lines._batch, lines._row]
        )
    )
    excess = ranked.filter(ranked.nth >= max_scans).select("_batch", "_row")
    evidence = ends.union(excess).distinct()
    return lines.semi_join(evidence, ["_batch", "_row"]).mutate(injured=ibis.null("string"))


# --- channel stuffing --------------------------------------------------------------------------


def _quarter_index(day: ir.DateValue) -> ir.IntegerValue:
    return day.year() * 4 + day.quarter() - 1


def stuffed_quarters(
    sell_in: ir.Table,
    sell_through: ir.Table,
    inventory: ir.Table,
    *,
    periods: int,
    spike: float,
    ratio: float,
) -> ir.Table:
    """(partner, quarter) where the partner bought at least ``spike`` × its average quarter
    of the ``periods`` quarters before, at least ``ratio`` × what it sold on in the
    quarter, and its stock at the quarter's last snapshot is above the quarter before's.
    Not judged (``judged`` false): a quarter with no snapshot in it or the quarter before,
    or with fewer than ``periods`` quarters since the partner's first order."""
    bought = (
        sell_in.mutate(quarter=_quarter_index(sell_in.order_date))
        .group_by("partner", "quarter")
        .aggregate(bought=sell_in.quantity.sum())
    )
    sold = (
        sell_through.mutate(quarter=_quarter_index(sell_through.date))
        .group_by("partner", "quarter")
        .aggregate(sold=sell_through.quantity.sum())
    )
    stock = inventory.mutate(quarter=_quarter_index(inventory.snapshot_date))
    last = stock.group_by("partner", "quarter").aggregate(last_day=stock.snapshot_date.max())
    on_hand = (
        stock.join(last, ["partner", "quarter", stock.snapshot_date == last.last_day])
        .group_by("partner", "quarter")
        .aggregate(on_hand=stock.quantity_on_hand.sum())
    )
    before = bought.select(partner_b="partner", quarter_b="quarter", bought_b="bought")
    trailing = (
        bought.join(
            before,
            [
                bought.partner == before.partner_b,
                before.quarter_b >= bought.quarter - periods,
                before.quarter_b < bought.quarter,
            ],
        )
        .group_by("partner", "quarter")
        .aggregate(usual=(before.bought_b.sum() / periods))
    )
    # ``periods`` quarters of buying on record before the quarter, or it is not judged
    first = bought.group_by("partner").aggregate(first=bought.quarter.min())
    earlier = on_hand.select(partner="partner", quarter=on_hand.quarter + 1, on_hand_b="on_hand")
    table = (
        bought.left_join(trailing, ["partner", "quarter"])
        .drop("partner_right", "quarter_right")
        .left_join(sold, ["partner", "quarter"])
        .drop("partner_right", "quarter_right")
        .left_join(on_hand, ["partner", "quarter"])
        .drop("partner_right", "quarter_right")
        .left_join(earlier, ["partner", "quarter"])
        .drop("partner_right", "quarter_right")
        .join(first, "partner")
    )
    history = table.first <= table.quarter - periods
    judged = history & table.on_hand.notnull() & table.on_hand_b.notnull()
    stuffed = (
        judged
        & (table.usual > 0)
        & (table.bought >= table.usual * spike)
        & (table.bought >= table.sold.coalesce(0) * ratio)
        & (table.on_hand > table.on_hand_b)
    )
    return table.select("partner", "quarter", judged=judged, stuffed=stuffed)


def stuffing_lines(lines: ir.Table, quarters: ir.Table) -> ir.Table:
    """The sell-in ``lines`` of the stuffed (partner, quarter)s: the orders that filled it."""
    flagged = quarters.filter(quarters.stuffed).select("partner", "quarter")
    placed = lines.mutate(quarter=_quarter_index(lines.day))
    return (
        placed.semi_join(flagged, ["partner", "quarter"])
        .select(*EVIDENCE)
        .mutate(injured=ibis.null("string"))
    )


def stuffing_unjudged(lines: ir.Table, quarters: ir.Table) -> ir.Table:
    """Sell-in ``lines`` whose quarter has no stock on record to judge by."""
    unjudged = quarters.filter(~quarters.judged).select("partner", "quarter")
    placed = lines.mutate(quarter=_quarter_index(lines.day))
    return placed.semi_join(unjudged, ["partner", "quarter"])
