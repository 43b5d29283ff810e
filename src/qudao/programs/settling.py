"""What a settlement computes, before anything is written: the plan (which program versions
settle which periods, to which day) and each partner's money.

Periods: ``settle P`` settles, for each program in effect, the settlement periods of P —
P itself when the program settles by P's kind; each month (quarter) of P when it settles
more often, each final; and when it settles less often, the quarter (year) holding P, to
P's last day: an interim settlement, final once P ends where that period ends.

Money, per (partner, program, settlement period): the entitlement from the period-to-date
base, rounded once; payable = entitlement − what approved statements already paid for that
same (partner, program, period). Earlier periods of the program paid within
``QUDAO["REBATE_RESTATEMENT_MONTHS"]`` (12) are computed again as of now; a difference
(returns restated into them, a void since) is a prior-period adjustment line.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Max, Sum

from qudao.core.periods import Period, PeriodKind, month_start
from qudao.governance.models import Violation, ViolationStatus
from qudao.partners.models import Partner
from qudao.programs.figures import FigureReader, Window
from qudao.programs.models import (
    ProgramVersion,
    SettlementStatus,
    StatementLine,
    VersionStatus,
)
from qudao.programs.rules import ZERO, Definition, Figures, Outcome, entitlement

_RANK = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 2, PeriodKind.YEAR: 3}


def containing(day: date, kind: str) -> Period:
    """The month, quarter or year (of the fiscal year in use) that holds ``day``."""
    if kind == "month":
        return Period.parse(f"{day.year}-{day.month:02d}")
    if kind == "quarter":
        return Period.quarter_of(day)
    for year in (day.year, day.year + 1):
        period = Period.parse(str(year))
        if period.start <= day <= period.end:
            return period
    return Period.parse(str(day.year - 1))


def settlement_periods(period: Period, kind: str) -> list[tuple[Period, date]]:
    """The (settlement period, last day counted) pairs that settling ``period`` settles."""
    own = PeriodKind(kind)
    if _RANK[own] >= _RANK[period.kind]:
        held = containing(period.start, kind)
        return [(held, min(period.end, held.end))]
    found, day = [], period.start
    while day <= period.end:
        inner = containing(day, kind)
        found.append((inner, inner.end))
        day = month_start(inner.end, 1)
    return found


def year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def restatement_months() -> int:
    return int(getattr(settings, "QUDAO", {}).get("REBATE_RESTATEMENT_MONTHS", 12))


@dataclass
class Task:
    """One program version settling one settlement period (current) for its partners,
    and earlier periods it paid that may need an adjustment."""

    version: ProgramVersion
    rules: Definition
    period: Period
    through: date
    known_by: date | None = None  # lines dated up to here are known (default: ``through``)
    code: str = ""  # the program's code (read once: 50,000 lines ask for it)

    def __post_init__(self) -> None:
        self.code = self.version.program.code
        # A month settled within a quarter's settlement counts what is known at the
        # quarter's end (a later return of that month's order included).
        self.known_by = self.known_by or self.through

    @property
    def final(self) -> bool:
        return self.through >= self.period.end

    @property
    def last_known(self) -> date:
        return self.known_by or self.through

    @property
    def window(self) -> tuple[date, date]:
        """The days counted: the period to date, within the version's validity."""
        first = max(self.period.start, self.rules.valid_from)
        last = min(self.through, self.rules.valid_to or self.through)
        return first, last


@dataclass
class LineResult:
    partner: str
    task: Task
    period: Period
    through: date
    current: bool
    outcome: Outcome
    figures: Figures
    already_paid: Decimal

    @property
    def payable(self) -> Decimal:
        return self.outcome.entitlement - self.already_paid


@dataclass
class Plan:
    period: Period
    tasks: list[Task] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def versions_in_effect(
    first: date, last: date, *, include_drafts: bool = False
) -> list[ProgramVersion]:
    statuses = [VersionStatus.PUBLISHED, *([VersionStatus.DRAFT] if include_drafts else [])]
    return list(
        ProgramVersion.objects.filter(status__in=statuses, valid_from__lte=last)
        .exclude(valid_to__lt=first)
        .select_related("program")
        .order_by("program__code", "-number")
    )


def plan(period: Period, *, program_codes: Iterable[str] | None = None) -> Plan:
    """Which version settles which settlement period, to which day."""
    result = Plan(period)
    by_program: dict[str, list[ProgramVersion]] = defaultdict(list)
    for version in versions_in_effect(period.start, period.end):
        by_program[version.program.code].append(version)
    wanted = set(program_codes) if program_codes is not None else None
    # how far each (program, settlement period) is already settled by approved statements
    settled_through = {
        (row["program_code"], row["period"]): row["last"]
        for row in StatementLine.objects.filter(
            program_code__in=list(by_program),
            kind="current",
            statement__status=SettlementStatus.APPROVED,
        )
        .values("program_code", "period")
        .annotate(last=Max("through"))
    }
    for code, versions in by_program.items():
        if wanted is not None and code not in wanted:
            continue
        for settled, through in settlement_periods(period, versions[0].settlement):
            chosen = next(
                (
                    v
                    for v in versions
                    if v.valid_from <= settled.end
                    and (v.valid_to is None or v.valid_to >= settled.start)
                ),
                None,
            )
            if chosen is None:
                continue
            ahead = settled_through.get((code, settled.key), through) > through
            if ahead:
                result.skipped.append(f"{code} {settled.key}")
                continue
            result.tasks.append(Task(chosen, chosen.rules, settled, through, period.end))
    return result


PartnerRow = tuple[int, str, str | None, str | None]  # pk, code, channel model, grade


def partner_rows() -> list[PartnerRow]:
    return list(Partner.objects.values_list("pk", "code", "channel_model__code", "grade__code"))


def enrolled_partners(d: Definition, rows: list[PartnerRow] | None = None) -> dict[str, int]:
    """Partner code → pk of every partner the program enrols: the partners it names, and
    those matching all of its channel models and grades (every partner when it names none)."""
    found: dict[str, int] = {}
    for pk, code, model, grade in partner_rows() if rows is None else rows:
        by_attributes = (d.channel_models or d.grades) and (
            (not d.channel_models or model in d.channel_models)
            and (not d.grades or grade in d.grades)
        )
        if d.enrols_everyone or code in d.partners or by_attributes:
            found[code] = pk
    return found


def approved_paid(
    codes: Iterable[str], partner_pks: Iterable[int] | None = None
) -> dict[tuple[int, str, str], Decimal]:
    """(partner pk, program, settlement period) → Σ approved payable."""
    lines = StatementLine.objects.filter(
        program_code__in=list(codes), statement__status=SettlementStatus.APPROVED
    )
    if partner_pks is not None:
        lines = lines.filter(statement__partner_id__in=list(partner_pks))
    totals = lines.values("statement__partner_id", "program_code", "period").annotate(
        paid=Sum("payable")
    )
    return {
        (row["statement__partner_id"], row["program_code"], row["period"]): row["paid"] or ZERO
        for row in totals
    }


def _voids(types: tuple[str, ...]) -> dict[int, list[Period]]:
    """Partner pk → the periods of its confirmed violations of these types."""
    found: dict[int, list[Period]] = defaultdict(list)
    if not types:
        return found
    for partner_id, key in Violation.objects.filter(
        status=ViolationStatus.CONFIRMED, type__in=types
    ).values_list("partner_id", "period"):
        try:
            found[partner_id].append(Period.parse(key))
        except ValueError:
            continue
    return found


def _voided(voids: dict[int, list[Period]], partner_id: int, period: Period) -> bool:
    return any(v.start <= period.end and v.end >= period.start for v in voids.get(partner_id, []))


@dataclass
class Computed:
    lines: list[LineResult]
    partners: dict[str, int]  # code → pk of every partner with a statement
    counts: dict[str, Any]
    paid_snapshot: dict[tuple[int, str, str], Decimal]


def compute(
    work: Plan,
    *,
    progress: Callable[[int, int], None] | None = None,
    reader: FigureReader | None = None,
) -> Computed:
    """Every partner's lines for the plan: nothing written."""
    lines: list[LineResult] = []
    partners: dict[str, int] = {}
    codes = {t.version.program.code for t in work.tasks}
    paid = approved_paid(codes)
    restate_from = month_start(work.period.start, -restatement_months())
    # version → the settlement periods it paid before: computed again under the same rules
    prior_keys: dict[int, set[str]] = defaultdict(set)
    for version_id, key in (
        StatementLine.objects.filter(
            program_code__in=codes, statement__status=SettlementStatus.APPROVED
        )
        .values_list("version_id", "period")
        .distinct()
    ):
        prior_keys[version_id].add(key)
    # (program, settlement period) → the partners paid for it: an earlier period's lines
    paid_by_period: dict[tuple[str, str], list[int]] = defaultdict(list)
    for partner_id, program, key in paid:
        paid_by_period[(program, key)].append(partner_id)
    directory = partner_rows()
    codes_by_pk = {pk: code for pk, code, _model, _grade in directory}
    counts: dict[str, Any] = {"programs": {}, "lines_read": 0}
    reader = reader or FigureReader()
    # Every task's windows first: each fact is then read once for all of them.
    # An earlier period is restated once per settlement (by the first of its program's
    # tasks), and never when this settlement settles it anyway (a month of a quarter).
    restated: set[tuple[str, str]] = {(task.code, task.period.key) for task in work.tasks}
    planned = [_windows(task, prior_keys, restate_from, restated) for task in work.tasks]
    spans: dict[tuple[str, date], set[tuple[date, date]]] = defaultdict(set)
    definitions: dict[tuple[str, date], list[Definition]] = defaultdict(list)
    for task, (_earlier, windows) in zip(work.tasks, planned, strict=True):
        spans[(task.rules.fact, task.last_known)] |= {(w.first, w.last) for w in windows}
        definitions[(task.rules.fact, task.last_known)].append(task.rules)
    for (fact, known_by), needed in spans.items():
        reader.prepare(fact, known_by, needed, definitions[(fact, known_by)])
    for done, (task, (earlier, windows)) in enumerate(zip(work.tasks, planned, strict=True)):
        d, code = task.rules, task.code
        enrolled = enrolled_partners(d, directory)
        voids = _voids(d.void_on)
        figures = reader.read(d, windows, known_by=task.last_known)
        counts["lines_read"] += sum(f.lines for (p, w), f in figures.items() if w >= 0)
        counts["programs"][f"{code} {task.period.key}"] = len(enrolled)
        partners.update(enrolled)
        lines.extend(
            _line(task, code_, pid, task.period, task.through, True, figures, 0, voids, paid)
            for code_, pid in enrolled.items()
        )
        for index, prior in enumerate(earlier, start=1):
            for partner_id in paid_by_period.get((code, prior.key), ()):
                prior_code = codes_by_pk.get(partner_id)
                if prior_code is None:
                    continue
                result = _line(
                    task,
                    prior_code,
                    partner_id,
                    prior,
                    task.through,
                    False,
                    figures,
                    index,
                    voids,
                    paid,
                )
                if result.payable != 0:  # the period's money moved: an adjustment
                    partners[prior_code] = partner_id
                    lines.append(result)
        if progress is not None:
            progress(done + 1, len(work.tasks))
    return Computed(lines, partners, counts, paid)


def _windows(
    task: Task,
    prior_keys: dict[int, set[str]],
    restate_from: date,
    restated: set[tuple[str, str]],
) -> tuple[list[Period], list[Window]]:
    """The settlement periods of ``task``'s version paid before, still restatable and not
    yet in ``restated`` (which it extends), and the windows to read: 0 the period to date,
    1… those periods, negative last year's."""
    d = task.rules
    earlier = sorted(
        (
            Period.parse(k)
            for k in prior_keys.get(task.version.pk, ())
            if (task.code, k) not in restated
        ),
        key=lambda p: p.start,
    )
    earlier = [p for p in earlier if p.end < task.period.start and p.end >= restate_from]
    restated |= {(task.code, p.key) for p in earlier}
    windows = [Window(0, *task.window)]
    for index, prior in enumerate(earlier, start=1):
        last = min(prior.end, d.valid_to or prior.end)
        windows.append(Window(index, max(prior.start, d.valid_from), last))
    if d.kind == "growth":
        windows += [
            Window(-1 - w.key, year_before(w.first), year_before(w.last)) for w in list(windows)
        ]
    return earlier, windows


def _line(
    task: Task,
    partner_code: str,
    partner_id: int,
    period: Period,
    through: date,
    current: bool,
    figures: dict[tuple[str, int], Figures],
    window: int,
    voids: dict[int, list[Period]],
    paid: dict[tuple[int, str, str], Decimal],
) -> LineResult:
    found = figures.get((partner_code, window)) or Figures()
    if task.rules.kind == "growth":
        last = figures.get((partner_code, -1 - window))
        found.base_last_year = last.base if last else ZERO
    outcome = entitlement(task.rules, found, voided=_voided(voids, partner_id, period))
    already = paid.get((partner_id, task.code, period.key), ZERO)
    return LineResult(partner_code, task, period, through, current, outcome, found, already)
