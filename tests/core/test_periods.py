from __future__ import annotations

from datetime import date

import pytest
from django.utils import translation

from qudao.core.periods import Period, month_start, month_starts


@pytest.mark.parametrize(
    ("text", "start", "end", "key"),
    [
        ("2020", date(2020, 1, 1), date(2020, 12, 31), "2020"),
        ("2020Q1", date(2020, 1, 1), date(2020, 3, 31), "2020Q1"),
        ("2019q4", date(2019, 10, 1), date(2019, 12, 31), "2019Q4"),
        ("2020-02", date(2020, 2, 1), date(2020, 2, 29), "2020-02"),
        ("2021-2", date(2021, 2, 1), date(2021, 2, 28), "2021-02"),
    ],
)
def test_parse(text: str, start: date, end: date, key: str) -> None:
    period = Period.parse(text)
    assert (period.start, period.end, period.key) == (start, end, key)


@pytest.mark.parametrize("text", ["", "2020Q5", "2020-13", "20", "Q1 2020", "2020-00"])
def test_bad_periods_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        Period.parse(text)


def test_fiscal_year_offset(settings) -> None:
    # Given a fiscal year starting in April, named by the year it ends in
    settings.QUDAO = {**settings.QUDAO, "FISCAL_YEAR_START_MONTH": 4}
    assert (Period.parse("2020").start, Period.parse("2020").end) == (
        date(2019, 4, 1),
        date(2020, 3, 31),
    )
    assert (Period.parse("2020Q1").start, Period.parse("2020Q4").end) == (
        date(2019, 4, 1),
        date(2020, 3, 31),
    )
    # Months stay calendar months
    assert Period.parse("2020-04").start == date(2020, 4, 1)


def test_labels_in_both_languages() -> None:
    with translation.override("zh-hans"):
        assert Period.parse("2019Q4").label == "2019年第4季度"
        assert Period.parse("2019-12").label == "2019年12月"
    with translation.override("en"):
        assert Period.parse("2019Q4").label == "2019 Q4"
        assert Period.parse("2019-12").label == "Dec 2019"


def test_previous_and_year_ago_periods() -> None:
    assert Period.parse("2020Q1").previous.key == "2019Q4"
    assert Period.parse("2020Q1").year_ago.key == "2019Q1"
    assert Period.parse("2020-01").previous.key == "2019-12"
    assert Period.parse("2020-03").year_ago.key == "2019-03"
    assert Period.parse("2020").previous.key == "2019"
    assert Period.parse("2020Q4").shifted(2).key == "2021Q2"
    assert Period.parse("2020Q1").days == 91  # a leap year's first quarter


def test_month_arithmetic_crosses_years_both_ways() -> None:
    assert month_start(date(2024, 3, 31)) == date(2024, 3, 1)
    assert month_start(date(2024, 1, 15), -12) == date(2023, 1, 1)
    assert month_start(date(2024, 1, 15), -13) == date(2022, 12, 1)
    assert month_start(date(2024, 12, 31), 1) == date(2025, 1, 1)
    assert month_starts(date(2023, 11, 30), date(2024, 2, 1)) == [
        date(2023, 11, 1),
        date(2023, 12, 1),
        date(2024, 1, 1),
        date(2024, 2, 1),
    ]
    assert month_starts(date(2024, 2, 10), date(2024, 2, 20)) == [date(2024, 2, 1)]
    assert month_starts(date(2024, 3, 1), date(2024, 2, 29)) == []


def test_the_quarter_of_a_day_follows_the_fiscal_year(settings) -> None:
    assert Period.quarter_of(date(2024, 3, 31)).key == "2024Q1"
    assert Period.quarter_of(date(2024, 4, 1)).key == "2024Q2"
    settings.QUDAO = {**settings.QUDAO, "FISCAL_YEAR_START_MONTH": 4}
    # fiscal 2024 runs from April 2023: March 2024 is its fourth quarter
    assert Period.quarter_of(date(2024, 3, 31)).key == "2024Q4"
    assert Period.quarter_of(date(2024, 4, 1)).key == "2025Q1"


def test_the_quarters_of_a_period() -> None:
    assert [q.key for q in Period.parse("2024").quarters] == [
        "2024Q1",
        "2024Q2",
        "2024Q3",
        "2024Q4",
    ]
    assert [q.key for q in Period.parse("2024-05").quarters] == ["2024Q2"]
    assert [q.key for q in Period.parse("2024Q3").quarters] == ["2024Q3"]
