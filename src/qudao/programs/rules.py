"""Rebate program definitions: what a program file may say, and the money it makes.

A definition is the TOML a channel team reviews in version control (``qudao programs load``)
or what the web form builds; both go through ``parse_definition``, which refuses an unknown
key, a missing required key, a key the kind does not use and overlapping tiers, naming each.

``entitlement`` turns one partner's figures for one settlement period into money:

* tier bands are half-open, [from, next from): a base exactly at a boundary earns the
  higher band;
* ``cap_base`` caps the base the rates apply to (bucketed figures scale with it);
* a negative result (more returned than bought) is 0 — returns restate earlier periods;
* ``cap_amount`` caps the money, ``min_base`` and ``void_on`` set it to 0;
* rounding happens once, in ``round_money`` (half up, 2 places), on the entitlement of a
  (partner, program, settlement period); every figure before that is exact.
"""

from __future__ import annotations

import contextlib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

ZERO = Decimal(0)
CENT = Decimal("0.01")

KINDS = ("flat", "fixed", "target", "retroactive", "incremental", "growth", "mix", "payment")
BASES = ("sell_in", "sell_through")
MEASURES = ("amount", "quantity")
SETTLEMENTS = ("month", "quarter", "year")

COMMON_KEYS = {
    "code",
    "name_en",
    "name_zh",
    "description",
    "kind",
    "base",
    "measure",
    "settlement",
    "valid_from",
    "valid_to",
    "enrol",
    "min_base",
    "cap_base",
    "cap_amount",
    "void_on",
}
# The keys each kind uses beside the common ones: (required, optional).
KIND_KEYS: dict[str, tuple[set[str], set[str]]] = {
    "flat": (set(), {"rate", "rates"}),
    "fixed": ({"amount"}, set()),
    "target": ({"threshold", "rate"}, set()),
    "retroactive": ({"tiers"}, set()),
    "incremental": ({"tiers"}, set()),
    "growth": ({"growth", "rate_on", "tiers"}, set()),
    "mix": ({"rate", "lifted_rate", "share_min", "focus"}, {"focus_rate"}),
    "payment": ({"bands"}, set()),
}
ENROL_KEYS = {"partners", "channel_models", "grades"}
FOCUS_KEYS = {"categories", "products"}


def round_money(value: Decimal) -> Decimal:
    """The one rounding of rebate money: half up to the cent."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


class DefinitionError(ValueError):
    """What is wrong with a program definition, every problem named (translated)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Tier:
    start: Decimal  # "from" in the file
    rate: Decimal


@dataclass(frozen=True)
class Band:
    days_max: int
    rate: Decimal


@dataclass(frozen=True)
class RateRule:
    """One row of a flat program's rate table: a product's or a category's rate."""

    rate: Decimal
    product: str | None = None
    category: str | None = None


@dataclass(frozen=True)
class Definition:
    code: str
    name_en: str
    name_zh: str
    kind: str
    base: str  # sell_in | sell_through | payment
    measure: str
    settlement: str
    valid_from: date
    valid_to: date | None
    description: str = ""
    partners: tuple[str, ...] = ()
    channel_models: tuple[str, ...] = ()
    grades: tuple[str, ...] = ()
    rate: Decimal | None = None
    rates: tuple[RateRule, ...] = ()
    amount: Decimal | None = None
    threshold: Decimal | None = None
    tiers: tuple[Tier, ...] = ()
    growth: str | None = None  # percent | absolute
    rate_on: str | None = None  # growth | base
    lifted_rate: Decimal | None = None
    share_min: Decimal | None = None
    focus_rate: Decimal | None = None
    focus_categories: tuple[str, ...] = ()
    focus_products: tuple[str, ...] = ()
    bands: tuple[Band, ...] = ()
    min_base: Decimal | None = None
    cap_base: Decimal | None = None
    cap_amount: Decimal | None = None
    void_on: tuple[str, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def fact(self) -> str:
        return "payment" if self.kind == "payment" else self.base

    @property
    def enrols_everyone(self) -> bool:
        return not (self.partners or self.channel_models or self.grades)

    @property
    def uses_buckets(self) -> bool:
        """Whether figures are split by line (a rate table, focus sales, payment bands)."""
        return bool(self.rates) or self.kind in ("mix", "payment")

    def as_json(self) -> dict[str, Any]:
        """As stored (decimals as strings, dates ISO); parse_definition reads it back."""
        return _jsonable(dict(self.raw))

    def as_toml(self) -> str:
        return to_toml(self.raw)


# -- parsing ---------------------------------------------------------------------------


def parse_toml(text: str) -> Definition:
    try:
        data = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        raise DefinitionError([_("Not a valid TOML file: %(error)s") % {"error": exc}]) from exc
    return parse_definition(data)


def parse_definition(data: Mapping[str, Any]) -> Definition:
    """A ``Definition`` from a TOML table (or its stored JSON form), or ``DefinitionError``."""
    problems: list[str] = []
    reader = _Reader(data, problems)
    kind = reader.choice("kind", KINDS, required=True)
    required, optional = KIND_KEYS.get(kind or "", (set(), set()))
    allowed = COMMON_KEYS | required | optional
    for key in data:
        if key not in COMMON_KEYS and key not in {k for r, o in KIND_KEYS.values() for k in r | o}:
            problems.append(_("Unknown key “%(key)s”.") % {"key": _clipped(key)})
        elif kind and key not in allowed:
            problems.append(
                _("The key “%(key)s” does not apply to a “%(kind)s” program.")
                % {"key": key, "kind": kind}
            )
    for key in sorted(required):
        if key not in data:
            problems.append(
                _("The key “%(key)s” is required for a “%(kind)s” program.")
                % {"key": key, "kind": kind}
            )
    code = reader.text("code", required=True, max_length=50)
    name_en = reader.text("name_en")
    name_zh = reader.text("name_zh")
    if not (name_en or name_zh) and "name_en" not in data and "name_zh" not in data:
        problems.append(_("The key “name_en” or “name_zh” is required."))
    if kind == "payment":
        base = "payment"
        if "base" in data and data["base"] != "payment":
            problems.append(_("A “payment” program's base is the payment fact: leave “base” out."))
        measure = "amount"
        if data.get("measure", "amount") != "amount":
            problems.append(_("A “payment” program is measured in amounts."))
    else:
        base = reader.choice("base", BASES, required=True) or "sell_in"
        measure = reader.choice("measure", MEASURES) or "amount"
    settlement = reader.choice("settlement", SETTLEMENTS, required=True)
    valid_from = reader.day("valid_from", required=True)
    valid_to = reader.day("valid_to")
    if valid_from and valid_to and valid_to < valid_from:
        problems.append(_("“valid_to” is before “valid_from”."))
    enrol = reader.table("enrol", ENROL_KEYS)
    focus = reader.table("focus", FOCUS_KEYS)
    if kind == "mix" and "focus" in data and not (focus.get("categories") or focus.get("products")):
        problems.append(_("“focus” must name categories or products."))
    tiers = _tiers(data.get("tiers"), problems) if "tiers" in data else ()
    growth = reader.choice("growth", ("percent", "absolute"))
    rate_on = reader.choice("rate_on", ("growth", "base"))
    rates = _rate_table(data.get("rates"), problems) if "rates" in data else ()
    if kind == "flat" and "rate" not in data and not rates:
        problems.append(_("A “flat” program needs “rate” or a “rates” table."))
    bands = _bands(data.get("bands"), problems) if "bands" in data else ()
    void_on = reader.codes("void_on")
    _check_void_types(void_on, problems)
    definition = Definition(
        code=code or "",
        name_en=name_en or "",
        name_zh=name_zh or "",
        description=reader.text("description", max_length=2000) or "",
        kind=kind or "",
        base=base,
        measure=measure,
        settlement=settlement or "",
        valid_from=valid_from or date.min,
        valid_to=valid_to,
        partners=_codes(enrol.get("partners"), "enrol.partners", problems),
        channel_models=_codes(enrol.get("channel_models"), "enrol.channel_models", problems),
        grades=_codes(enrol.get("grades"), "enrol.grades", problems),
        rate=reader.number("rate"),
        rates=rates,
        amount=reader.number("amount"),
        threshold=reader.number("threshold"),
        tiers=tiers,
        growth=growth,
        rate_on=rate_on,
        lifted_rate=reader.number("lifted_rate"),
        share_min=reader.number("share_min", maximum=Decimal(1)),
        focus_rate=reader.number("focus_rate"),
        focus_categories=_codes(focus.get("categories"), "focus.categories", problems),
        focus_products=_codes(focus.get("products"), "focus.products", problems),
        bands=bands,
        min_base=reader.number("min_base"),
        cap_base=reader.number("cap_base"),
        cap_amount=reader.number("cap_amount"),
        void_on=void_on,
        raw=dict(data),
    )
    if problems:
        raise DefinitionError(problems)
    return definition


class _Reader:
    """Reads typed values out of the definition, adding a named problem for each bad one."""

    def __init__(self, data: Mapping[str, Any], problems: list[str]) -> None:
        self.data, self.problems = data, problems

    def _missing(self, key: str) -> None:
        self.problems.append(_("The key “%(key)s” is required.") % {"key": key})

    def _bad(self, key: str, value: Any, reason: str) -> None:
        self.problems.append(
            _("“%(key)s” = %(value)s: %(reason)s")
            % {"key": key, "value": _shown(value), "reason": reason}
        )

    def text(self, key: str, *, required: bool = False, max_length: int = 200) -> str | None:
        value = self.data.get(key)
        if value is None:
            if required:
                self._missing(key)
            return None
        if not isinstance(value, str) or not value.strip() or "\x00" in value:
            self._bad(key, value, _("expected a text."))
            return None
        if len(value.strip()) > max_length:
            self._bad(key, value, _("at most %(count)d characters.") % {"count": max_length})
            return None
        return value.strip()

    def choice(self, key: str, choices: tuple[str, ...], *, required: bool = False) -> str | None:
        value = self.data.get(key)
        if value is None:
            if required:
                self._missing(key)
            return None
        if value not in choices:
            self._bad(key, value, _("use one of: %(choices)s.") % {"choices": ", ".join(choices)})
            return None
        return str(value)

    def day(self, key: str, *, required: bool = False) -> date | None:
        value = self.data.get(key)
        if value is None:
            if required:
                self._missing(key)
            return None
        if isinstance(value, str):
            with contextlib.suppress(ValueError):  # judged below, named
                value = date.fromisoformat(value)
        if not isinstance(value, date):
            self._bad(key, value, _("expected a date such as 2020-01-01."))
            return None
        return value

    def number(self, key: str, *, maximum: Decimal | None = None) -> Decimal | None:
        if key not in self.data:
            return None
        value = _decimal(self.data[key])
        if value is None or value < 0 or (maximum is not None and value > maximum):
            self._bad(key, self.data[key], _("expected a number from 0 up."))
            return None
        return value

    def table(self, key: str, keys: set[str]) -> Mapping[str, Any]:
        value = self.data.get(key, {})
        if not isinstance(value, Mapping):
            self._bad(key, value, _("expected a table."))
            return {}
        for inner in value:
            if inner not in keys:
                self.problems.append(
                    _("Unknown key “%(key)s”.") % {"key": _clipped(f"{key}.{inner}")}
                )
        return value

    def codes(self, key: str) -> tuple[str, ...]:
        return _codes(self.data.get(key), key, self.problems)


def _clipped(text: str) -> str:
    """A name from the file as a message shows it: at most 60 characters."""
    return text if len(text) <= 60 else text[:57] + "…"


def _shown(value: Any) -> str:
    text = repr(value) if not isinstance(value, Decimal | int) else str(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | Decimal):
        number = Decimal(value)
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            return None
    else:
        return None
    return number if number.is_finite() else None


def _codes(value: Any, key: str, problems: list[str]) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(
        isinstance(v, str) and v.strip() and "\x00" not in v and len(v) <= 50 for v in value
    ):
        problems.append(
            _("“%(key)s” = %(value)s: %(reason)s")
            % {"key": key, "value": _shown(value), "reason": _("expected a list of codes.")}
        )
        return ()
    return tuple(v.strip() for v in value)


def _rows(value: Any, key: str, keys: set[str], problems: list[str]) -> list[Mapping[str, Any]]:
    if not isinstance(value, list) or not value or not all(isinstance(r, Mapping) for r in value):
        problems.append(
            _("“%(key)s” must be a list of tables ([[%(key)s]]), at least one.") % {"key": key}
        )
        return []
    for number, row in enumerate(value, start=1):
        for inner in row:
            if inner not in keys:
                problems.append(
                    _("Unknown key “%(key)s” in %(table)s number %(number)s.")
                    % {"key": _clipped(inner), "table": key, "number": number}
                )
    return list(value)


def _tiers(value: Any, problems: list[str]) -> tuple[Tier, ...]:
    tiers: list[Tier] = []
    for number, row in enumerate(_rows(value, "tiers", {"from", "rate"}, problems), start=1):
        start, rate = _decimal(row.get("from")), _decimal(row.get("rate"))
        if start is None or rate is None or rate < 0:
            problems.append(
                _("Tier %(number)s needs “from” and a “rate” from 0 up.") % {"number": number}
            )
            continue
        if tiers and start <= tiers[-1].start:
            problems.append(
                _(
                    "Tier %(number)s (from %(start)s) overlaps tier %(previous)s (from "
                    "%(before)s): each tier must start above the one before."
                )
                % {
                    "number": number,
                    "start": start,
                    "previous": number - 1,
                    "before": tiers[-1].start,
                }
            )
            continue
        tiers.append(Tier(start, rate))
    return tuple(tiers)


def _bands(value: Any, problems: list[str]) -> tuple[Band, ...]:
    bands: list[Band] = []
    for number, row in enumerate(_rows(value, "bands", {"days_max", "rate"}, problems), start=1):
        days, rate = row.get("days_max"), _decimal(row.get("rate"))
        if not isinstance(days, int) or isinstance(days, bool) or rate is None or rate < 0:
            problems.append(
                _("Band %(number)s needs a whole “days_max” and a “rate” from 0 up.")
                % {"number": number}
            )
            continue
        if bands and days <= bands[-1].days_max:
            problems.append(
                _(
                    "Band %(number)s (up to %(days)s days) overlaps band %(previous)s: each "
                    "band must reach further than the one before."
                )
                % {"number": number, "days": days, "previous": number - 1}
            )
            continue
        bands.append(Band(days, rate))
    return tuple(bands)


def _rate_table(value: Any, problems: list[str]) -> tuple[RateRule, ...]:
    rules: list[RateRule] = []
    seen: set[tuple[str | None, str | None]] = set()
    rows = _rows(value, "rates", {"product", "category", "rate"}, problems)
    for number, row in enumerate(rows, start=1):
        product, category, rate = row.get("product"), row.get("category"), _decimal(row.get("rate"))
        if (product is None) == (category is None) or rate is None or rate < 0:
            problems.append(
                _(
                    "Rate %(number)s needs a “product” or a “category” (one of them) and a "
                    "“rate” from 0 up."
                )
                % {"number": number}
            )
            continue
        if (product, category) in seen:
            problems.append(
                _("Rate %(number)s repeats %(code)s.")
                % {"number": number, "code": product or category}
            )
            continue
        seen.add((product, category))
        rules.append(RateRule(rate, product=product, category=category))
    return tuple(rules)


def _check_void_types(types: tuple[str, ...], problems: list[str]) -> None:
    from qudao.governance.models import ViolationType  # deferred: governance loads after us

    known = set(ViolationType.values)
    for code in types:
        if code not in known:
            problems.append(
                _("“void_on”: unknown violation type “%(code)s”; use one of: %(types)s.")
                % {"code": code, "types": ", ".join(sorted(known))}
            )


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def to_toml(data: Mapping[str, Any]) -> str:
    """A definition as TOML, keys in the order a reader expects (the format of the file loaded)."""
    lines: list[str] = []
    tables: list[tuple[str, Mapping[str, Any]]] = []
    arrays: list[tuple[str, list[Mapping[str, Any]]]] = []
    for key, value in data.items():
        if isinstance(value, Mapping):
            tables.append((key, value))
        elif isinstance(value, list) and value and isinstance(value[0], Mapping):
            arrays.append((key, value))
        else:
            lines.append(f"{key} = {_toml_value(key, value)}")
    for key, table in tables:
        lines += ["", f"[{key}]", *(f"{k} = {_toml_value(k, v)}" for k, v in table.items())]
    for key, rows in arrays:
        for row in rows:
            lines += ["", f"[[{key}]]", *(f"{k} = {_toml_value(k, v)}" for k, v in row.items())]
    return "\n".join(lines) + "\n"


def _toml_value(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(key, v) for v in value) + "]"
    if isinstance(value, str) and key in ("valid_from", "valid_to"):
        return value  # stored ISO: a TOML date again
    if isinstance(value, str) and _decimal(value) is not None and key not in ("code",):
        return value if key not in ("name_en", "name_zh", "description") else _quoted(value)
    return _quoted(str(value))


def _quoted(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


# -- computing ---------------------------------------------------------------------------


@dataclass
class Figures:
    """One partner's figures for one settlement period (to date)."""

    base: Decimal = ZERO  # Σ the measure over the period's lines
    buckets: dict[int, Decimal] = field(default_factory=dict)  # Σ by rate rule / focus / band
    base_last_year: Decimal | None = None  # growth programs: the same days a year before
    lines: int = 0


@dataclass
class Outcome:
    base: Decimal
    counted_base: Decimal
    tier: int | None  # 1-based band reached; 0 none; None for kinds without tiers
    rate: Decimal | None
    exact: Decimal  # before rounding
    entitlement: Decimal  # rounded once, half up
    voided: bool = False
    steps: list[dict[str, str]] = field(default_factory=list)  # how the money was made

    def step(self, what: str, **values: Any) -> None:
        self.steps.append({"what": what, **{k: str(v) for k, v in values.items()}})


def tier_reached(tiers: tuple[Tier, ...], value: Decimal) -> int:
    """The 1-based index of the band [from, next from) holding ``value``; 0 below the first."""
    reached = 0
    for index, tier in enumerate(tiers, start=1):
        if value >= tier.start:
            reached = index
    return reached


def bucket_of_days(bands: tuple[Band, ...], days: int) -> int:
    """The 1-based band of a payment made ``days`` after its invoice; 0 past the last."""
    for index, band in enumerate(bands, start=1):
        if days <= band.days_max:
            return index
    return 0


def entitlement(d: Definition, figures: Figures, *, voided: bool = False) -> Outcome:
    """What ``figures`` earn under ``d`` (see the module's note for the order of the rules)."""
    base = figures.base
    counted = base
    scale = Decimal(1)
    if d.cap_base is not None and base > d.cap_base:
        counted = d.cap_base
        scale = d.cap_base / base
    outcome = Outcome(
        base=base, counted_base=counted, tier=None, rate=None, exact=ZERO, entitlement=ZERO
    )
    if counted != base:
        outcome.step("cap_base", cap=d.cap_base, base=base)
    exact = _KIND_RULES[d.kind](d, figures, counted, scale, outcome)
    if exact < 0:
        outcome.step("negative", value=exact)
        exact = ZERO
    if d.min_base is not None and base < d.min_base:
        outcome.step("min_base", minimum=d.min_base, base=base)
        exact = ZERO
    if d.cap_amount is not None and exact > d.cap_amount:
        outcome.step("cap_amount", cap=d.cap_amount, value=exact)
        exact = d.cap_amount
    if voided:
        outcome.step("void", value=exact)
        outcome.voided = True
        exact = ZERO
    outcome.exact = exact
    outcome.entitlement = round_money(exact)
    return outcome


def _flat(d: Definition, f: Figures, counted: Decimal, scale: Decimal, o: Outcome) -> Decimal:
    if not d.rates:
        o.rate = d.rate
        o.step("rate", rate=d.rate, base=counted)
        return (d.rate or ZERO) * counted
    total = ZERO
    for bucket, value in sorted(f.buckets.items()):
        rule_rate = d.rates[bucket - 1].rate if bucket else (d.rate or ZERO)
        share = value * scale
        code = (d.rates[bucket - 1].product or d.rates[bucket - 1].category) if bucket else ""
        o.step("rate_rule", rule=bucket, code=code or "", rate=rule_rate, base=share)
        total += rule_rate * share
    return total


def _fixed(d: Definition, f: Figures, counted: Decimal, scale: Decimal, o: Outcome) -> Decimal:
    if f.base > 0:
        o.step("fixed", amount=d.amount)
        return d.amount or ZERO
    return ZERO


def _target(d: Definition, f: Figures, counted: Decimal, scale: Decimal, o: Outcome) -> Decimal:
    reached = counted >= (d.threshold or ZERO)
    o.tier = 1 if reached else 0
    o.rate = d.rate if reached else ZERO
    o.step("threshold", threshold=d.threshold, base=counted, reached="yes" if reached else "no")
    return (d.rate or ZERO) * counted if reached else ZERO


def _retroactive(
    d: Definition, f: Figures, counted: Decimal, scale: Decimal, o: Outcome
) -> Decimal:
    o.tier = tier_reached(d.tiers, counted)
    o.rate = d.tiers[o.tier - 1].rate if o.tier else ZERO
    o.step("tier", tier=o.tier, rate=o.rate, base=counted)
    return o.rate * counted


def _incremental(
    d: Definition, f: Figures, counted: Decimal, scale: Decimal, o: Outcome
) -> Decimal:
    o.tier = tier_reached(d.tiers, counted)
    o.rate = d.tiers[o.tier - 1].rate if o.tier else ZERO
    total = ZERO
    for index, tier in enumerate(d.tiers):
        upper = d.tiers[index + 1].start if index + 1 < len(d.tiers) else None
        portion = (min(counted, upper) if upper is not None else counted) - tier.start
        if portion <= 0:
            break
        o.step("band", tier=index + 1, start=tier.start, base=portion, rate=tier.rate)
        total += portion * tier.rate
    return total


def _growth(d: Definition, f: Figures, counted: Decimal, scale: Decimal, o: Outcome) -> Decimal:
    last = f.base_last_year or ZERO
    increase = counted - last
    if d.growth == "percent":
        if last <= 0:
            o.tier, o.rate = 0, ZERO
            o.step("no_last_year", last_year=last)
            return ZERO
        measured = increase / last
    else:
        measured = increase
    o.tier = tier_reached(d.tiers, measured)
    o.rate = d.tiers[o.tier - 1].rate if o.tier else ZERO
    applies_to = max(increase, ZERO) if d.rate_on == "growth" else counted
    o.step(
        "growth",
        mode=d.growth,
        last_year=last,
        growth=measured.quantize(Decimal("0.0001")) if d.growth == "percent" else measured,
        tier=o.tier,
        rate=o.rate,
        base=applies_to,
    )
    return o.rate * applies_to


def _mix(d: Definition, f: Figures, counted: Decimal, scale: Decimal, o: Outcome) -> Decimal:
    focus = f.buckets.get(1, ZERO)
    share = focus / f.base if f.base > 0 else ZERO
    lifted = share >= (d.share_min or ZERO) and f.base > 0
    o.rate = d.lifted_rate if lifted else d.rate
    o.tier = 1 if lifted else 0
    o.step("mix", focus=focus, share=share.quantize(Decimal("0.0001")), rate=o.rate, base=counted)
    total = (o.rate or ZERO) * counted
    if d.focus_rate:
        o.step("focus_rate", rate=d.focus_rate, base=focus * scale)
        total += d.focus_rate * focus * scale
    return total


def _payment(d: Definition, f: Figures, counted: Decimal, scale: Decimal, o: Outcome) -> Decimal:
    total = ZERO
    for bucket, value in sorted(f.buckets.items()):
        rate = d.bands[bucket - 1].rate if bucket else ZERO
        days = d.bands[bucket - 1].days_max if bucket else None
        o.step(
            "payment_band",
            band=bucket,
            days_max=days if days is not None else "",
            rate=rate,
            base=value * scale,
        )
        total += rate * value * scale
    return total


_KIND_RULES = {
    "flat": _flat,
    "fixed": _fixed,
    "target": _target,
    "retroactive": _retroactive,
    "incremental": _incremental,
    "growth": _growth,
    "mix": _mix,
    "payment": _payment,
}


@dataclass(frozen=True)
class NextTier:
    tier: int  # the tier that would be reached
    distance: Decimal  # more base (or focus sales, for mix) needed to reach it
    worth: Decimal  # what the entitlement gains on reaching it (rounded)


def next_tier(d: Definition, figures: Figures) -> NextTier | None:
    """How far ``figures`` are from the next band of ``d``, and what reaching it is worth —
    the extra sales counted at the band's start. None past the last band, or for kinds
    without bands (flat, fixed, payment)."""
    base = figures.base
    now = entitlement(d, figures).entitlement
    if d.kind in ("retroactive", "incremental", "target"):
        starts = [t.start for t in d.tiers] if d.kind != "target" else [d.threshold or ZERO]
        ahead = [(i, s) for i, s in enumerate(starts, start=1) if s > base]
        if not ahead:
            return None
        tier, start = ahead[0]
        then = entitlement(d, Figures(base=start, buckets=figures.buckets))
        return NextTier(tier, start - base, then.entitlement - now)
    if d.kind == "growth":
        last = figures.base_last_year or ZERO
        measured = (base - last) / last if d.growth == "percent" and last > 0 else base - last
        if d.growth == "percent" and last <= 0:
            return None
        ahead = [(i, t.start) for i, t in enumerate(d.tiers, start=1) if t.start > measured]
        if not ahead:
            return None
        tier, start = ahead[0]
        needed = last * (1 + start) if d.growth == "percent" else last + start
        then = entitlement(d, Figures(base=needed, base_last_year=last))
        return NextTier(tier, needed - base, then.entitlement - now)
    if d.kind == "mix":
        share = d.share_min or ZERO
        focus = figures.buckets.get(1, ZERO)
        if base <= 0 or focus / base >= share or share >= 1:
            return None  # nothing bought yet: no mix to lift; or lifted already
        extra = max((share * base - focus) / (1 - share), ZERO)
        buckets = {**figures.buckets, 1: focus + extra}
        then = entitlement(d, Figures(base=base + extra, buckets=buckets))
        return NextTier(1, extra, then.entitlement - now)
    return None
