"""Entry-threshold scoring on hand-computed applicants: each criterion's points from its
bands, contributions weighted by the sum of the weights, knock-outs."""

from __future__ import annotations

from decimal import Decimal

import pytest

from qudao.recruitment.scoring import band_points, format_bands, parse_bands, score

# weights 5 / 3 / 2: they sum to 10, not 100, so a formula that forgets to divide by the
# sum of the weights is told apart
CRITERIA = [
    {
        "measure": "registered_capital",
        "weight": "5",
        "bands": [["100", 40], ["1000", 100]],
        "minimum": None,
    },
    {"measure": "team_size", "weight": "3", "bands": [["5", 50], ["10", 100]], "minimum": "3"},
    {"measure": "brand_fit", "weight": "2", "bands": [["3", 60], ["5", 100]], "minimum": None},
]


def _values(capital: str, team: str | None, fit: str | None) -> dict[str, Decimal | None]:
    return {
        "registered_capital": Decimal(capital),
        "team_size": None if team is None else Decimal(team),
        "brand_fit": None if fit is None else Decimal(fit),
    }


def test_a_hand_computed_score_with_each_contribution() -> None:
    # capital 500 → 40 points × 5/10 = 20.00; team 12 → 100 × 3/10 = 30.00;
    # fit 4 → 60 × 2/10 = 12.00; total 62.00 (an average of points would be 66.67)
    result = score(values=_values("500", "12", "4"), criteria=CRITERIA, pass_score=Decimal(60))
    assert [(c.measure, c.points, c.contribution) for c in result.criteria] == [
        ("registered_capital", 40, Decimal("20.00")),
        ("team_size", 100, Decimal("30.00")),
        ("brand_fit", 60, Decimal("12.00")),
    ]
    assert result.score == Decimal("62.00")
    assert result.passed and not result.knock_outs


def test_a_value_on_a_bound_takes_that_band_and_just_below_it_the_one_before() -> None:
    assert band_points(Decimal("10"), [(Decimal(5), 50), (Decimal(10), 100)]) == 100
    assert band_points(Decimal("9.99"), [(Decimal(5), 50), (Decimal(10), 100)]) == 50
    assert band_points(Decimal("4"), [(Decimal(5), 50), (Decimal(10), 100)]) == 0


def test_the_score_is_the_sum_of_the_contributions_as_shown() -> None:
    equal = [dict(c, weight="1") for c in CRITERIA]
    # 40/3 = 13.33, 100/3 = 33.33, 60/3 = 20.00: 66.66 shown, where the exact sum is 66.67
    result = score(values=_values("500", "12", "4"), criteria=equal, pass_score=Decimal("66.67"))
    assert result.score == Decimal("66.66") == sum(c.contribution for c in result.criteria)
    assert not result.passed  # 66.66 does not reach 66.67


def test_a_value_below_a_minimum_knocks_out_whatever_the_score() -> None:
    result = score(values=_values("5000", "2", "5"), criteria=CRITERIA, pass_score=Decimal(10))
    assert result.knock_outs == ["team_size"]
    assert result.score == Decimal("70.00")  # 50 + 0 + 20: high enough, but knocked out
    assert not result.passed


def test_a_missing_value_scores_nothing_and_knocks_nothing_out() -> None:
    result = score(values=_values("500", None, None), criteria=CRITERIA, pass_score=Decimal(10))
    assert result.score == Decimal("20.00") and result.knock_outs == [] and result.passed


def test_the_hard_knock_outs_apply_only_when_the_model_says_so() -> None:
    values = _values("5000", "12", "5")
    kept = score(
        values=values,
        criteria=CRITERIA,
        pass_score=Decimal(60),
        competing_exclusive=True,
        knock_out_competing_exclusive=False,
    )
    out = score(
        values=values,
        criteria=CRITERIA,
        pass_score=Decimal(60),
        competing_exclusive=True,
        knock_out_competing_exclusive=True,
    )
    assert kept.passed and not out.passed and out.knock_outs == ["competing_exclusive"]


def test_bands_as_people_type_them() -> None:
    assert parse_bands("500,000: 60\n2 000 000 = 80\n5000000 → 100") == [
        (Decimal("500000"), 60),
        (Decimal("2000000"), 80),
        (Decimal("5000000"), 100),
    ]
    assert format_bands([["500000", 60], ["2.5", 100]]) == "500000: 60\n2.5: 100"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("500000 sixty", "Line 1"),
        ("10: 50\n10: 70", "Line 2: this lower bound is given twice"),
        ("10: 150", "points run from 0 to 100"),
    ],
)
def test_bands_that_are_not_bands_are_refused_naming_the_line(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_bands(text)
