"""Periods: calendar (or fiscal) months, quarters and years — ``2020-03``, ``2020Q1``, ``2020``.

With ``QUDAO["FISCAL_YEAR_START_MONTH"] = m`` (m > 1), fiscal year N runs from
month m of year N-1 to month m-1 of year N (named by the year it ends in);
its quarters follow from there. Months are always calendar months.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from django.conf import settings
from django.utils.translation import gettext as _

from qudao.core.i18n import in_chinese

_PATTERNS = {
    "year": re.compile(r"^(\d{4})$"),
    "quarter": re.compile(r"^(\d{4})\s*-?[Qq]([1-4])$"),
    "month": re.compile(r"^(\d{4})-(\d{1,2})$"),
}


class PeriodKind(StrEnum):
    YEAR = "year"
    QUARTER = "quarter"
    MONTH = "month"


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def month_start(day: date, months: int = 0) -> date:
    """The first day of the month ``months`` after ``day``'s (negative: before it)."""
    year, month = _add_months(day.year, day.month, months)
    return date(year, month, 1)


def month_starts(first: date, last: date) -> list[date]:
    """The first days of the months from ``first``'s to ``last``'s, both included."""
    found, day = [], month_start(first)
    while day <= last:
        found.append(day)
        day = month_start(day, 1)
    return found


def _fiscal_start_month() -> int:
    return int(getattr(settings, "QUDAO", {}).get("FISCAL_YEAR_START_MONTH", 1))


@dataclass(frozen=True, order=True)
class Period:
    start: date
    end: date
    kind: PeriodKind
    key: str

    @classmethod
    def parse(cls, text: str) -> Period:
        """Parse ``2020``, ``2020Q1`` or ``2020-03``; ``ValueError`` says why not (translated)."""
        value = (text or "").strip()
        if m := _PATTERNS["month"].match(value):
            year, month = int(m[1]), int(m[2])
            if not 1 <= month <= 12:
                raise ValueError(_("“%(value)s” is not a valid period.") % {"value": text})
            last = calendar.monthrange(year, month)[1]
            return cls(
                date(year, month, 1),
                date(year, month, last),
                PeriodKind.MONTH,
                f"{year}-{month:02d}",
            )
        fiscal = _fiscal_start_month()
        offset = -(13 - fiscal) if fiscal > 1 else 0
        if m := _PATTERNS["quarter"].match(value):
            year, quarter = int(m[1]), int(m[2])
            sy, sm = _add_months(year, 1, offset + (quarter - 1) * 3)
            ey, em = _add_months(sy, sm, 2)
            return cls(
                date(sy, sm, 1),
                date(ey, em, calendar.monthrange(ey, em)[1]),
                PeriodKind.QUARTER,
                f"{year}Q{quarter}",
            )
        if m := _PATTERNS["year"].match(value):
            year = int(m[1])
            sy, sm = _add_months(year, 1, offset)
            ey, em = _add_months(sy, sm, 11)
            return cls(
                date(sy, sm, 1),
                date(ey, em, calendar.monthrange(ey, em)[1]),
                PeriodKind.YEAR,
                str(year),
            )
        raise ValueError(
            _("“%(value)s” is not a valid period: use 2020, 2020Q1 or 2020-03.") % {"value": text}
        )

    @classmethod
    def quarter_of(cls, day: date) -> Period:
        """The quarter (of the fiscal year in use) that holds ``day``."""
        for year in (day.year - 1, day.year, day.year + 1):
            for quarter in range(1, 5):
                period = cls.parse(f"{year}Q{quarter}")
                if period.start <= day <= period.end:
                    return period
        raise AssertionError(day)  # four quarters of three years cover any day

    @property
    def quarters(self) -> list[Period]:
        """The quarters that hold the days of this period, in order."""
        found, day = [], self.start
        while day <= self.end:
            found.append(Period.quarter_of(day))
            day = found[-1].end + timedelta(days=1)
        return found

    def __str__(self) -> str:
        return self.key

    def shifted(self, steps: int) -> Period:
        """The period of the same kind ``steps`` periods later (earlier when negative)."""
        year = int(self.key[:4])
        if self.kind is PeriodKind.MONTH:
            y, m = _add_months(year, int(self.key[5:]), steps)
            return Period.parse(f"{y}-{m:02d}")
        if self.kind is PeriodKind.QUARTER:
            index = year * 4 + int(self.key[-1]) - 1 + steps
            return Period.parse(f"{index // 4}Q{index % 4 + 1}")
        return Period.parse(str(year + steps))

    @property
    def previous(self) -> Period:
        return self.shifted(-1)

    @property
    def year_ago(self) -> Period:
        per_year = {PeriodKind.MONTH: 12, PeriodKind.QUARTER: 4, PeriodKind.YEAR: 1}
        return self.shifted(-per_year[self.kind])

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def label(self) -> str:
        """How the period reads on screen: "2019年第4季度" / "2019 Q4"."""
        zh = in_chinese()
        year = self.key[:4]
        if self.kind is PeriodKind.QUARTER:
            q = self.key[-1]
            return f"{year}年第{q}季度" if zh else f"{year} Q{q}"
        if self.kind is PeriodKind.MONTH:
            month = int(self.key[5:])
            return f"{year}年{month}月" if zh else f"{calendar.month_abbr[month]} {year}"
        return f"{year}年" if zh else year
