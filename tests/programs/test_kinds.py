"""Each program kind against hand-worked figures, and the options (caps, minimum, void)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qudao.programs.rules import (
    DefinitionError,
    Figures,
    entitlement,
    parse_toml,
    round_money,
)
from tests.programs.conftest import TIERS, program_toml

D = Decimal


def _rules(kind: str, body: str = "", extra: str = ""):
    return parse_toml(program_toml("T", kind, body, extra=extra))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("base", "tier", "money"),
    [
        (D("99999.99"), 1, D("2000.00")),  # 99,999.99 × 2 % = 1,999.9998 → 2,000.00
        (D("100000"), 2, D("3000.00")),  # exactly at the boundary: the higher band
        (D("249999.99"), 2, D("7500.00")),
        (D("250000"), 3, D("10000.00")),
    ],
)
def test_retroactive_boundaries_are_half_open(base: Decimal, tier: int, money: Decimal) -> None:
    outcome = entitlement(_rules("retroactive", TIERS), Figures(base=base))
    assert (outcome.tier, outcome.entitlement) == (tier, money)


@pytest.mark.django_db
def test_incremental_at_a_boundary_takes_nothing_of_the_next_band() -> None:
    rules = _rules("incremental", TIERS)
    assert entitlement(rules, Figures(base=D(100000))).entitlement == D("2000.00")
    assert entitlement(rules, Figures(base=D(100001))).entitlement == D("2000.03")
    assert entitlement(rules, Figures(base=D(300000))).entitlement == D(
        "8500.00"
    )  # 2000 + 4500 + 2000


@pytest.mark.django_db
def test_target_is_all_or_nothing() -> None:
    rules = _rules("target", "threshold = 50000\nrate = 0.05")
    assert entitlement(rules, Figures(base=D("49999.99"))).entitlement == 0
    assert entitlement(rules, Figures(base=D(50000))).entitlement == D("2500.00")


@pytest.mark.django_db
def test_fixed_needs_a_positive_base() -> None:
    rules = _rules("fixed", "amount = 800")
    assert entitlement(rules, Figures(base=D(0))).entitlement == 0
    assert entitlement(rules, Figures(base=D("0.01"))).entitlement == D(800)


@pytest.mark.django_db
def test_growth_percent_against_last_year_rate_on_growth_or_base() -> None:
    body = (
        'growth = "percent"\nrate_on = "growth"\n'
        "[[tiers]]\nfrom = 0.10\nrate = 0.05\n[[tiers]]\nfrom = 0.20\nrate = 0.08"
    )
    rules = _rules("growth", body)
    # 120k against 100k: +20 % exactly — the higher tier, 8 % of the 20k growth
    assert entitlement(rules, Figures(base=D(120000), base_last_year=D(100000))).entitlement == D(
        "1600.00"
    )
    # +19.99 %: the 10 % tier, 5 % of 19,990
    assert entitlement(rules, Figures(base=D(119990), base_last_year=D(100000))).entitlement == D(
        "999.50"
    )
    assert entitlement(rules, Figures(base=D(105000), base_last_year=D(100000))).entitlement == 0
    assert (
        entitlement(rules, Figures(base=D(105000), base_last_year=D(0))).entitlement == 0
    )  # no base last year
    on_base = _rules("growth", body.replace('rate_on = "growth"', 'rate_on = "base"'))
    assert entitlement(on_base, Figures(base=D(120000), base_last_year=D(100000))).entitlement == D(
        "9600.00"
    )


@pytest.mark.django_db
def test_growth_absolute_tiers_on_the_increase() -> None:
    body = 'growth = "absolute"\nrate_on = "growth"\n[[tiers]]\nfrom = 10000\nrate = 0.1'
    rules = _rules("growth", body)
    assert entitlement(rules, Figures(base=D(60000), base_last_year=D(50000))).entitlement == D(
        "1000.00"
    )
    assert entitlement(rules, Figures(base=D(59999), base_last_year=D(50000))).entitlement == 0


@pytest.mark.django_db
def test_mix_lifts_the_rate_when_the_focus_share_is_reached() -> None:
    body = (
        "rate = 0.01\nlifted_rate = 0.02\nshare_min = 0.3\nfocus_rate = 0.01\n"
        '[focus]\ncategories = ["BIKES"]'
    )
    rules = _rules("mix", body)
    # focus 30k of 100k = 30 %: lifted — 2 % of 100k + 1 % of 30k
    assert entitlement(
        rules, Figures(base=D(100000), buckets={1: D(30000), 0: D(70000)})
    ).entitlement == D("2300.00")
    # 29,999 of 100k: 1 % of 100k + 1 % of 29,999
    assert entitlement(
        rules, Figures(base=D(100000), buckets={1: D(29999), 0: D(70001)})
    ).entitlement == D("1299.99")


@pytest.mark.django_db
def test_payment_bands_by_days() -> None:
    body = "[[bands]]\ndays_max = 30\nrate = 0.02\n[[bands]]\ndays_max = 60\nrate = 0.01"
    rules = parse_toml(program_toml("PAY", "payment", body).replace('base = "sell_in"\n', ""))
    # 10k paid within 30 days, 20k within 60, 5k later
    figures = Figures(base=D(35000), buckets={1: D(10000), 2: D(20000), 0: D(5000)})
    assert entitlement(rules, figures).entitlement == D("400.00")


@pytest.mark.django_db
def test_caps_minimum_and_void() -> None:
    rules = _rules(
        "retroactive", TIERS, extra="cap_base = 200000\ncap_amount = 5000\nmin_base = 10000"
    )
    # the base capped at 200k: tier 2, 3 % = 6,000, then the money capped at 5,000
    outcome = entitlement(rules, Figures(base=D(300000)))
    assert (outcome.tier, outcome.entitlement) == (2, D("5000.00"))
    assert entitlement(rules, Figures(base=D("9999.99"))).entitlement == 0  # under min_base
    voided = entitlement(rules, Figures(base=D(150000)), voided=True)
    assert voided.entitlement == 0 and voided.voided


def test_round_half_up_once() -> None:
    assert round_money(D("0.005")) == D("0.01")
    assert round_money(D("2.675")) == D("2.68")  # a float would give 2.67


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "named"),
    [
        (program_toml("X", "retroactive", TIERS, extra="colour = 1"), "colour"),
        (program_toml("X", "retroactive", ""), "tiers"),
        (
            program_toml(
                "X",
                "retroactive",
                "[[tiers]]\nfrom = 0\nrate = 0.02\n[[tiers]]\nfrom = 0\nrate = 0.03",
            ),
            "overlaps",
        ),
        (
            program_toml(
                "X",
                "retroactive",
                "[[tiers]]\nfrom = 5\nrate = 0.02\n[[tiers]]\nfrom = 1\nrate = 0.03",
            ),
            "overlaps",
        ),
        (program_toml("X", "flat", TIERS, extra="rate = 0.01"), "tiers"),
        (program_toml("X", "target", "rate = 0.02"), "threshold"),
        (program_toml("X", "flat", "rate = 0.01", extra='void_on = ["speeding"]'), "speeding"),
        (
            program_toml("X", "flat", "rate = 0.01", extra="\n[enrol]\nregions = [1]").replace(
                "[enrol]\npartners", "[x]\npartners"
            ),
            "x",
        ),
        (
            program_toml("X", "flat", "rate = 0.01").replace('settlement = "quarter"', ""),
            "settlement",
        ),
        (
            program_toml("X", "retroactive", "[[tiers]]\nfrom = 0\nrate = 0.02\nceiling = 9"),
            "ceiling",
        ),
    ],
)
def test_a_bad_file_is_refused_naming_the_problem(text: str, named: str) -> None:
    with pytest.raises(DefinitionError, match=named):
        parse_toml(text)


@pytest.mark.django_db
def test_definition_round_trips_through_json_and_toml() -> None:
    from qudao.programs.rules import parse_definition

    rules = _rules("retroactive", TIERS, extra="cap_amount = 5000")
    assert parse_definition(rules.as_json()).tiers == rules.tiers
    again = parse_toml(rules.as_toml())
    assert (again.tiers, again.cap_amount, again.valid_from, again.partners) == (
        rules.tiers,
        D(5000),
        date(2020, 1, 1),
        ("P-DE",),
    )


@pytest.mark.django_db
@settings(max_examples=60, deadline=None)
@given(
    monthly=st.lists(st.integers(min_value=-20000_00, max_value=200000_00), min_size=1, max_size=6),
    kind=st.sampled_from(["retroactive", "incremental"]),
)
def test_netted_interim_payouts_add_up_to_the_final_entitlement(
    monthly: list[int], kind: str
) -> None:
    """Payout k = round(entitlement to date k) − Σ payouts before: whatever the sequence, the
    payouts sum to the rounded final entitlement exactly."""
    rules = _rules(kind, TIERS)
    paid, base = D(0), D(0)
    for cents in monthly:
        base += D(cents) / 100
        paid += entitlement(rules, Figures(base=base)).entitlement - paid
    assert paid == entitlement(rules, Figures(base=base)).entitlement


@pytest.mark.django_db
def test_a_hostile_file_is_refused_with_short_messages() -> None:
    """A key of 100,000 characters and a value as long: the messages stay short."""
    huge = "k" * 100_000
    text = program_toml(
        "X", "flat", "rate = 0.01", extra=f'{huge} = 1\nname_zh = "{"v" * 100_000}"'
    )
    with pytest.raises(DefinitionError) as refused:
        parse_toml(text.replace('name_zh = "X 返利"\n', ""))
    assert all(len(problem) < 300 for problem in refused.value.problems)
    assert any("kkk" in problem for problem in refused.value.problems)


@pytest.mark.django_db
def test_names_and_codes_longer_than_stored_are_refused() -> None:
    long_name = program_toml("X", "flat", "rate = 0.01").replace(
        '"X program"', '"' + "n" * 201 + '"'
    )
    with pytest.raises(DefinitionError, match="name_en"):
        parse_toml(long_name)
    with pytest.raises(DefinitionError, match="code"):
        parse_toml(program_toml("C" * 51, "flat", "rate = 0.01"))


@pytest.mark.django_db
def test_distance_to_the_next_tier() -> None:
    from qudao.programs.rules import next_tier

    retro = _rules("retroactive", TIERS)
    ahead = next_tier(retro, Figures(base=D(80000)))
    # 20k more reaches tier 2: 3 % of 100k − 2 % of 80k
    assert ahead is not None and (ahead.tier, ahead.distance, ahead.worth) == (2, D(20000), D(1400))
    assert next_tier(retro, Figures(base=D(300000))) is None  # the top tier
    target = _rules("target", "threshold = 50000\nrate = 0.05")
    assert next_tier(target, Figures(base=D(45000))).worth == D("2500.00")  # type: ignore[union-attr]
    mix = _rules(
        "mix", 'rate = 0.01\nlifted_rate = 0.02\nshare_min = 0.5\n[focus]\ncategories = ["BIKES"]'
    )
    assert next_tier(mix, Figures(base=D(0))) is None  # nothing bought: nothing to lift
    # 10k focus of 30k: 10k more focus sales make 20k of 40k, half
    lift = next_tier(mix, Figures(base=D(30000), buckets={1: D(10000), 0: D(20000)}))
    assert lift is not None and lift.distance == D(10000) and lift.worth == D(500)
