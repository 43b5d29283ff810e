"""Simulation: a program version (a draft, usually) run over a past period before it is
published — cost per partner, per grade and in total, beside the version in force — and a
partner's distance to its next tier. Nothing is written."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from qudao.core.i18n import bilingual
from qudao.core.periods import Period
from qudao.partners.models import Partner
from qudao.programs.figures import FigureReader, Window
from qudao.programs.models import ProgramVersion, VersionStatus
from qudao.programs.rules import ZERO, Definition, Figures, NextTier, entitlement, next_tier
from qudao.programs.settling import enrolled_partners, settlement_periods, year_before


@dataclass
class SimulatedPartner:
    code: str
    name: str
    grade: str
    base: Decimal
    tier: int | None
    rate: Decimal | None
    cost: Decimal
    current_cost: Decimal | None
    next: NextTier | None

    @property
    def difference(self) -> Decimal | None:
        return None if self.current_cost is None else self.cost - self.current_cost


@dataclass
class Simulation:
    version: ProgramVersion
    current: ProgramVersion | None
    period: Period
    partners: list[SimulatedPartner] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((p.cost for p in self.partners), ZERO)

    @property
    def current_total(self) -> Decimal | None:
        if self.current is None:
            return None
        return sum((p.current_cost or ZERO for p in self.partners), ZERO)

    def by_grade(self) -> list[dict[str, Any]]:
        totals: dict[str, dict[str, Any]] = defaultdict(
            lambda: {"partners": 0, "cost": ZERO, "current": ZERO}
        )
        for p in self.partners:
            row = totals[p.grade or "—"]
            row["partners"] += 1
            row["cost"] += p.cost
            row["current"] += p.current_cost or ZERO
        return [{"grade": g, **v} for g, v in sorted(totals.items())]


def partner_figures(
    d: Definition,
    period: Period,
    through: date,
    codes: set[str] | None = None,
    reader: FigureReader | None = None,
) -> dict[str, Figures]:
    """Each partner's figures for one settlement period to ``through`` (with last year's for
    growth programs)."""
    first = max(period.start, d.valid_from)
    last = min(through, d.valid_to or through)
    windows = [Window(0, first, last)]
    if d.kind == "growth":
        windows.append(Window(-1, year_before(first), year_before(last)))
    read = (reader or FigureReader()).read(d, windows, known_by=through)
    found: dict[str, Figures] = {}
    for (code, window), figures in read.items():
        if window == 0 and (codes is None or code in codes):
            found[code] = figures
    if d.kind == "growth":
        for code in set(found) | {
            c for (c, w) in read if w == -1 and (codes is None or c in codes)
        }:
            last_year = read.get((code, -1))
            found.setdefault(code, Figures()).base_last_year = last_year.base if last_year else ZERO
    return found


def in_force(version: ProgramVersion) -> ProgramVersion | None:
    """The published version of the same program a draft would replace."""
    return (
        ProgramVersion.objects.filter(program=version.program, status=VersionStatus.PUBLISHED)
        .exclude(pk=version.pk)
        .order_by("-number")
        .first()
    )


def simulate(version: ProgramVersion, period: Period) -> Simulation:
    """``version`` over ``period`` (its settlement periods, each to its end), beside the
    version in force."""
    current = in_force(version)
    result = Simulation(version, current, period)
    d = version.rules
    enrolled = enrolled_partners(d)
    current_rules = current.rules if current else None
    current_enrolled = enrolled_partners(current_rules) if current_rules else {}
    costs: dict[str, dict[str, Any]] = {}
    reader = FigureReader()  # one pass over the facts serves both versions
    for settled, through in settlement_periods(period, d.settlement):
        figures = partner_figures(d, settled, through, reader=reader)
        current_figures = (
            partner_figures(current_rules, settled, through, reader=reader) if current_rules else {}
        )
        for code in enrolled:
            found = figures.get(code, Figures())
            outcome = entitlement(d, found)
            row = costs.setdefault(
                code,
                {
                    "base": ZERO,
                    "cost": ZERO,
                    "current": ZERO,
                    "tier": None,
                    "rate": None,
                    "next": None,
                },
            )
            row["base"] += found.base
            row["cost"] += outcome.entitlement
            row["tier"], row["rate"], row["next"] = outcome.tier, outcome.rate, next_tier(d, found)
            if current_rules is not None and code in current_enrolled:
                row["current"] += entitlement(
                    current_rules, current_figures.get(code, Figures())
                ).entitlement
    names = {
        code: (name_en, name_zh, grade or "")
        for code, name_en, name_zh, grade in Partner.objects.filter(
            code__in=list(costs)
        ).values_list("code", "name_en", "name_zh", "grade__code")
    }
    for code, row in sorted(costs.items()):
        name_en, name_zh, grade = names.get(code, ("", "", ""))
        result.partners.append(
            SimulatedPartner(
                code=code,
                name=bilingual(name_en, name_zh),
                grade=grade,
                base=row["base"],
                tier=row["tier"],
                rate=row["rate"],
                cost=row["cost"],
                current_cost=row["current"] if current_rules is not None else None,
                next=row["next"],
            )
        )
    return result


@dataclass
class Progress:
    """One program's standing for one partner in the settlement period under way."""

    version: ProgramVersion
    period: Period
    through: date
    figures: Figures
    entitlement: Decimal
    tier: int | None
    rate: Decimal | None
    next: NextTier | None


def partner_progress(partner: Partner, as_of: date) -> list[Progress]:
    """Where ``partner`` stands in each published program enrolling it on ``as_of``: the
    settlement period to date, the tier reached, and the distance to the next."""
    found = []
    versions = (
        ProgramVersion.objects.filter(status=VersionStatus.PUBLISHED, valid_from__lte=as_of)
        .exclude(valid_to__lt=as_of)
        .select_related("program")
        .order_by("program__code", "-number")
    )
    seen: set[int] = set()
    reader = FigureReader()
    for version in versions:
        if version.program_id in seen:
            continue
        seen.add(version.program_id)
        d = version.rules
        if partner.code not in enrolled_partners(d):
            continue
        settled, through = settlement_periods(
            Period.parse(f"{as_of.year}-{as_of.month:02d}"), d.settlement
        )[0]
        through = min(through, as_of)
        figures = partner_figures(d, settled, through, {partner.code}, reader).get(
            partner.code, Figures()
        )
        outcome = entitlement(d, figures)
        found.append(
            Progress(
                version,
                settled,
                through,
                figures,
                outcome.entitlement,
                outcome.tier,
                outcome.rate,
                next_tier(d, figures),
            )
        )
    return found
