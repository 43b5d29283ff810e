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
# Every column of a price entry: numbering the entries in this order makes the number the
# same wherever the query names them.
PRICES_ORDER = ("product", "channel_model", "grade", "region", "valid_from", "valid_to",
                "floor_price", "list_price")  # fmt: skip


def _valid_on(table: ir.Table, day: ir.Value) -> ir.BooleanValue:
    return (table.valid_from <= day) & (table.valid_to.isnull() | (table.valid_to >= day))


def _claims(lines: ir.Table, territories: ir.Table, closure: ir.Table, *, own: bool) -> ir.Table:
    """Lines joined to the territories that hold their region (or one above it) on their
    day: the partner's own (``own``), or the exclusive ones of other partners. Each is an
    equality join on region and holder, not a join on region filtered afterwards: many
    partners may hold one region, and a line need only meet its own partner's."""
    up = lines.select("_batch", "_row", "partner", "day", "region").join(closure, "region")
    if own:
        on = [up.ancestor == territories.region, up.partner == territories.holder]
    else:
        territories = territories.filter(territories.exclusive)
        on = [up.ancestor == territories.region, up.partner != territories.holder]
    return up.join(territories, [*on, _valid_on(territories, up.day)])


def _with_territories(lines: ir.Table, territories: ir.Table) -> ir.Table:
    """Lines of partners that hold some territory (at any time)."""
    holders = territories.select(partner=territories.holder).distinct()
    return lines.semi_join(holders, "partner")


def outside_lines(
    lines: ir.Table, territories: ir.Table, closure: ir.Table, *, keep: tuple[str, ...] = ()
) -> ir.Table:
    """Lines whose region lies outside every territory their partner holds on their day.
    ``lines`` has _batch, _row, partner, day, region, product, quantity, value (and the
    columns named in ``keep``). A partner with no territory on record at all is not judged
    (``without_territory``): Qudao does not know where it may sell."""
    judged = _with_territories(lines.filter(lines.region.notnull()), territories)
    held = _claims(judged, territories, closure, own=True).select("_batch", "_row").distinct()
    return judged.anti_join(held, ["_batch", "_row"]).select(*EVIDENCE, *keep)


def with_injured(outside: ir.Table, territories: ir.Table, closure: ir.Table) -> ir.Table:
    """``outside`` lines (``outside_lines``) with the partner holding their region
    exclusively on their day (``injured``, null if none)."""
    # Territory protection admits one exclusive holder of a region and the regions around it
    # at a time; min() only makes the choice certain.
    others = _claims(outside, territories, closure, own=False)
    injured = others.group_by("_batch", "_row").aggregate(injured=others.holder.min())
    return outside.left_join(injured, ["_batch", "_row"]).drop("_batch_right", "_row_right")


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


def floor_in_force(
    lines: ir.Table, partners: ir.Table, prices: ir.Table, closure: ir.Table
) -> ir.Table:
    """Each line with the floor (and list) price in force for its product and its partner's
    channel model, grade and home region on its day: the most specific entry wins (more
    scope parts given, then the deeper region, then the later start).

    Entries for any region are matched to the lines as they are; only entries for a region
    go through the home region's ancestors (joining every line to them would multiply it).
    The winner is the largest rank key — scope parts, depth, start day, entry number — a
    plain max per line rather than a sorted window."""
    scoped = lines.select("_batch", "_row", "partner", "product", "day").join(partners, "partner")
    order = [prices[c] for c in PRICES_ORDER]
    entries = prices.mutate(entry=ibis.row_number().over(order_by=order)).rename(
        entry_product="product",
        entry_model="channel_model",
        entry_grade="grade",
        entry_region="region",
    )

    def matching(left: ir.Table, right: ir.Table, *extra: ir.BooleanValue) -> ir.Table:
        return left.join(
            right,
            [
                left.product == right.entry_product,
                _valid_on(right, left.day),
                right.entry_model.isnull() | (right.entry_model == left.channel_model),
                right.entry_grade.isnull() | (right.entry_grade == left.grade),
                *extra,
            ],
        )

    anywhere = entries.filter(entries.entry_region.isnull())
    near = matching(scoped, anywhere).mutate(depth=ibis.literal(0, "int64"))
    homes = closure.select(home_region="region", price_region="ancestor", region_depth="depth")
    up = scoped.join(homes, "home_region")
    regional = entries.filter(entries.entry_region.notnull())
    far = matching(up, regional, regional.entry_region == up.price_region)
    far = far.mutate(depth=far.region_depth.cast("int64"))
    keep = ("_batch", "_row", "entry", "entry_model", "entry_grade", "entry_region",
            "valid_from", "depth")  # fmt: skip
    matches = near.select(*keep).union(far.select(*keep))
    parts = (
        matches.entry_model.notnull().cast("int64")
        + matches.entry_grade.notnull().cast("int64")
        + matches.entry_region.notnull().cast("int64")
    )
    key = (
        parts * 10**15
        + matches.depth * 10**13
        + matches.valid_from.epoch_days().cast("int64") * 10**7
        + matches.entry.cast("int64")
    )
    best = matches.group_by("_batch", "_row").aggregate(key=key.max())
    chosen = best.mutate(entry=best.key % 10**7).join(
        entries.select("entry", "floor_price", "list_price"), "entry"
    )
    chosen = chosen.select("_batch", "_row", "floor_price", "list_price")
    return lines.left_join(chosen, ["_batch", "_row"]).drop("_batch_right", "_row_right")


def _unit_price(lines: ir.Table) -> ir.Value:
    """The line's own unit price; else its amount over its quantity (a sale, not a return)."""
    derived = ibis.ifelse(lines.quantity > 0, lines.value / lines.quantity, ibis.null())
    return lines.unit_price.cast("decimal(24, 6)").coalesce(derived.cast("decimal(24, 6)"))


def below_floor(priced: ir.Table, *, tolerance: float) -> ir.Table:
    """``priced`` lines (``floor_in_force``) sold below their floor price less
    ``tolerance`` (a share of the floor); the value is the shortfall, Σ (floor − unit
    price) × quantity."""
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


def without_floor(priced: ir.Table) -> ir.Table:
    """``priced`` lines no floor check can judge: no floor price in force, or no unit
    price."""
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
    priced = floor_in_force(found, partners, prices, closure)
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


def scan_pairs(scans: ir.Table, *, hours: float) -> ir.Table:
    """Pairs of scans of one code within ``hours`` of each other (the earlier first), each
    with its region: what the clone check looks at. ``scans`` are all rows of the
    ``code_scan`` fact (not one period's: a pair may start before the period)."""
    placed = scans.filter(scans.region.notnull()).mutate(at=scans.scanned_at.epoch_seconds())
    a = placed.select("code", _batch_a="_batch", _row_a="_row", region_a="region", at_a="at")
    b = placed.select(code_b="code", _batch_b="_batch", _row_b="_row", region_b="region",
                      at_b="at")  # fmt: skip
    pairs = a.join(
        b,
        [
            a.code == b.code_b,
            (a.at_a < b.at_b) | ((a.at_a == b.at_b) & (a._row_a < b._row_b)),
            (b.at_b - a.at_a) <= hours * 3600,
        ],
    )
    return pairs.select(*PAIR, "region_a", "region_b")


def cloned_scans(
    scans: ir.Table, pairs: ir.Table, closure: ir.Table, *, max_scans: int
) -> ir.Table:
    """The scans (``_batch``, ``_row``) that show a code was copied: both scans of each of
    ``pairs`` (``scan_pairs``) in regions far apart (``_far_apart``), and every scan of a
    code after its first ``max_scans``. Read from the scans as they are: whom the code was
    shipped to is looked up for the few found only."""
    far = _far_apart(pairs, closure)
    ends = far.select(_batch=far._batch_a, _row=far._row_a).union(
        far.select(_batch=far._batch_b, _row=far._row_b)
    )
    ranked = scans.mutate(
        nth=ibis.row_number().over(
            group_by=scans.code, order_by=[scans.scanned_at, scans._batch, scans._row]
        )
    )
    excess = ranked.filter(ranked.nth >= max_scans).select("_batch", "_row")
    return ends.union(excess).distinct()


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
