"""Scoring an applicant against an entry-threshold model — plain functions over values.

Each criterion reads one measure of the applicant, gives it points (0–100) from its bands
— the points of the highest band whose lower bound the value reaches, 0 below the first —
and weighs them: contribution = points × weight ÷ the sum of the weights, to 0.01 (half
up). The score is the sum of the contributions as shown, so the breakdown always adds up.
The applicant passes when the score reaches the pass score and nothing knocked it out: a
value below a criterion's minimum, or a hard knock-out of the model. A missing value
scores 0 points and knocks nothing out (it is shown as missing).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Measure:
    key: str
    label: Promise
    unit: Promise
    help: Promise
    read: Callable[[Any, date], Decimal | None]


def _field(name: str) -> Callable[[Any, date], Decimal | None]:
    def read(applicant: Any, today: date) -> Decimal | None:
        value = getattr(applicant, name)
        return None if value is None else Decimal(value)

    return read


def _years_in_business(applicant: Any, today: date) -> Decimal | None:
    founded = applicant.founded_year
    return None if founded is None else Decimal(max(0, today.year - founded))


def _credit(applicant: Any, today: date) -> Decimal | None:
    return {"passed": Decimal(1), "failed": Decimal(0)}.get(applicant.credit_check)


def _region_fit(applicant: Any, today: date) -> Decimal | None:
    # set by the caller (recruitment.selectors.region_fit): it needs the database
    value = getattr(applicant, "region_fit", None)
    return None if value is None else Decimal(value)


MEASURES: tuple[Measure, ...] = (
    Measure(
        "registered_capital",
        _("Registered capital"),
        _("in the base currency"),
        _("As on the business licence."),
        _field("registered_capital"),
    ),
    Measure(
        "team_size",
        _("Team size"),
        _("people"),
        _("Staff in sales and service."),
        _field("team_size"),
    ),
    Measure(
        "warehouse_area",
        _("Warehouse area"),
        _("m²"),
        _("Own or rented storage."),
        _field("warehouse_area"),
    ),
    Measure(
        "years_in_business",
        _("Years in business"),
        _("years"),
        _("From the year founded to this year."),
        _years_in_business,
    ),
    Measure(
        "sales_last_year",
        _("Sales last year"),
        _("in the base currency"),
        _("All brands, as the applicant states."),
        _field("sales_last_year"),
    ),
    Measure(
        "brand_fit",
        _("Brand fit"),
        _("1–5"),
        _("The channel team's judgement."),
        _field("brand_fit"),
    ),
    Measure(
        "region_fit",
        _("Region fit (white space)"),
        _("per cent"),
        _(
            "Of the market potential of the regions wanted, the share not yet sold; without "
            "a potential recorded, the share of those regions where no partner sells yet."
        ),
        _region_fit,
    ),
    Measure(
        "credit_check",
        _("Credit check"),
        _("1 = passed, 0 = failed"),
        _("Missing until checked."),
        _credit,
    ),
)
MEASURE_BY_KEY = {m.key: m for m in MEASURES}

# What a new model starts from (weights sum to 100; bands as (lower bound, points)).
DEFAULT_CRITERIA: tuple[dict[str, Any], ...] = (
    {
        "measure": "registered_capital",
        "weight": "20",
        "bands": [["500000", 40], ["2000000", 70], ["5000000", 100]],
        "minimum": None,
    },
    {
        "measure": "team_size",
        "weight": "15",
        "bands": [["5", 40], ["15", 70], ["30", 100]],
        "minimum": "3",
    },
    {
        "measure": "warehouse_area",
        "weight": "10",
        "bands": [["200", 50], ["1000", 100]],
        "minimum": None,
    },
    {
        "measure": "years_in_business",
        "weight": "10",
        "bands": [["2", 40], ["5", 70], ["10", 100]],
        "minimum": None,
    },
    {
        "measure": "sales_last_year",
        "weight": "15",
        "bands": [["1000000", 40], ["5000000", 70], ["20000000", 100]],
        "minimum": None,
    },
    {
        "measure": "brand_fit",
        "weight": "10",
        "bands": [["1", 20], ["2", 40], ["3", 60], ["4", 80], ["5", 100]],
        "minimum": None,
    },
    {
        "measure": "region_fit",
        "weight": "10",
        "bands": [["1", 30], ["50", 70], ["100", 100]],
        "minimum": None,
    },
    {"measure": "credit_check", "weight": "10", "bands": [["1", 100]], "minimum": "1"},
)
DEFAULT_PASS_SCORE = Decimal("60")


@dataclass(frozen=True)
class CriterionScore:
    measure: str
    value: Decimal | None
    points: int
    weight: Decimal
    contribution: Decimal
    knock_out: bool

    def as_record(self) -> dict[str, Any]:
        return {
            "measure": self.measure,
            "value": None if self.value is None else str(self.value),
            "points": self.points,
            "weight": str(self.weight),
            "contribution": str(self.contribution),
            "knock_out": self.knock_out,
        }


@dataclass(frozen=True)
class ScoreResult:
    score: Decimal
    passed: bool
    knock_outs: list[str]  # measure keys, or "competing_exclusive"
    criteria: list[CriterionScore]


def band_points(value: Decimal, bands: Iterable[tuple[Decimal, int]]) -> int:
    """The points of the highest band whose lower bound ``value`` reaches (0 below all)."""
    points = 0
    for bound, band in sorted(bands):
        if value >= bound:
            points = band
    return points


def score(
    *,
    values: Mapping[str, Decimal | None],
    criteria: Iterable[Mapping[str, Any]],
    pass_score: Decimal,
    competing_exclusive: bool = False,
    knock_out_competing_exclusive: bool = False,
    failed_credit: bool = False,
    knock_out_failed_credit: bool = False,
) -> ScoreResult:
    """Score measured ``values`` against a model's stored ``criteria`` (see the module)."""
    used = [c for c in criteria if Decimal(c["weight"]) > 0 or c.get("minimum") is not None]
    total_weight = sum((Decimal(c["weight"]) for c in used), Decimal(0))
    results: list[CriterionScore] = []
    knock_outs: list[str] = []
    for criterion in used:
        key = criterion["measure"]
        value = values.get(key)
        weight = Decimal(criterion["weight"])
        bands = [(Decimal(bound), int(points)) for bound, points in criterion["bands"]]
        points = 0 if value is None else band_points(value, bands)
        minimum = criterion.get("minimum")
        below = value is not None and minimum is not None and value < Decimal(minimum)
        if below:
            knock_outs.append(key)
        contribution = (
            (Decimal(points) * weight / total_weight).quantize(CENT, ROUND_HALF_UP)
            if total_weight
            else Decimal("0.00")
        )
        results.append(CriterionScore(key, value, points, weight, contribution, below))
    if competing_exclusive and knock_out_competing_exclusive:
        knock_outs.append("competing_exclusive")
    if failed_credit and knock_out_failed_credit and "credit_check" not in knock_outs:
        knock_outs.append("credit_check")
    total = sum((r.contribution for r in results), Decimal("0.00"))
    return ScoreResult(total, total >= pass_score and not knock_outs, knock_outs, results)


def measured_values(applicant: Any, today: date) -> dict[str, Decimal | None]:
    return {m.key: m.read(applicant, today) for m in MEASURES}


# --- bands as people type them ----------------------------------------------------------------

_BAND_LINE = re.compile(r"^\s*([0-9][0-9,_ ]*(?:\.[0-9]+)?)\s*(?:[:=→>]|->)\s*([0-9]+)\s*$")


def parse_bands(text: str) -> list[tuple[Decimal, int]]:
    """Bands typed one per line, "lower bound: points" (``5000000: 100``; "=", "→" also
    do). Raises ValueError naming the line that is not one."""
    bands: list[tuple[Decimal, int]] = []
    for number, line in enumerate(text.replace(";", "\n").splitlines(), start=1):
        if not line.strip():
            continue
        match = _BAND_LINE.match(line)
        if match is None:
            raise ValueError(
                _("Line %(line)d, “%(text)s”: write “lower bound: points”, e.g. “500000: 60”.")
                % {"line": number, "text": line.strip()[:40]}
            )
        try:
            bound = Decimal(re.sub(r"[,_ ]", "", match.group(1)))
        except InvalidOperation as exc:  # pragma: no cover - the pattern admits numbers only
            raise ValueError(line) from exc
        points = int(match.group(2))
        if points > 100:
            raise ValueError(
                _("Line %(line)d: points run from 0 to 100, not %(points)d.")
                % {"line": number, "points": points}
            )
        if any(bound == b for b, _p in bands):
            raise ValueError(
                _("Line %(line)d: this lower bound is given twice.") % {"line": number}
            )
        bands.append((bound, points))
    return sorted(bands)


def format_bands(bands: Iterable[Iterable[Any]]) -> str:
    return "\n".join(f"{Decimal(bound).normalize():f}: {points}" for bound, points in bands)
