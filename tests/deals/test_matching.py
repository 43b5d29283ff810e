"""Company names matched as people write them — measured on a labelled set of Chinese and
English names (tests/fixtures/company_names.csv: names of one cluster are one company;
variants of suffixes, brackets, place prefixes, full-width characters, a typo)."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

import pytest

from qudao.deals.matching import (
    MATCH_THRESHOLD,
    name_key,
    name_similarity,
    tax_id_key,
    uscc_check_character,
    uscc_problem,
)

NAMES = Path(__file__).parents[1] / "fixtures" / "company_names.csv"


def _labelled() -> list[tuple[str, str]]:
    with NAMES.open(encoding="utf-8") as f:
        return [(row["cluster"], row["name"]) for row in csv.DictReader(f)]


def test_precision_and_recall_on_the_labelled_names(capsys: pytest.CaptureFixture[str]) -> None:
    rows = [(cluster, name_key(name)) for cluster, name in _labelled()]
    assert len(rows) >= 90 and len({c for c, _ in rows}) >= 30
    hits = misses = false_alarms = 0
    for (cluster_a, key_a), (cluster_b, key_b) in itertools.combinations(rows, 2):
        found = name_similarity(key_a, key_b) >= MATCH_THRESHOLD
        same = cluster_a == cluster_b
        hits += found and same
        misses += same and not found
        false_alarms += found and not same
    precision = hits / (hits + false_alarms)
    recall = hits / (hits + misses)
    with capsys.disabled():
        print(
            f"\nname matching: {hits + misses} true pairs, {hits} found, {false_alarms} false; "
            f"precision {precision:.3f}, recall {recall:.3f}"
        )
    # what the user guide says: every true pair found, no false one (the set holds the
    # near misses — same trade, another company; one character off; one word apart)
    assert (recall, precision) == (1.0, 1.0)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("深圳市腾讯计算机系统有限公司", "腾讯计算机系统（深圳）有限公司"),  # city prefix ↔ bracket
        ("广东省深圳市腾讯计算机系统有限公司", "腾讯计算机系统有限公司"),  # province + city
        ("华为技术有限公司北京分公司", "华为技术有限公司"),  # a branch is its company
        ("格力电器（集团）", "珠海格力电器股份有限公司"),  # bracketed legal form
        ("Ａｃｍｅ Ｔｒａｄｉｎｇ Ｌｉｍｉｔｅｄ", "Acme Trading Co., Ltd."),  # full width
        ("Acme Trading (Shanghai) Co., Ltd.", "ACME TRADING CO LTD"),
        ("Johnson & Johnson Bikes", "Johnson and Johnson Bikes"),
    ],
)
def test_variants_of_one_company_share_a_key(a: str, b: str) -> None:
    assert name_key(a) == name_key(b) != ""


def test_near_names_of_different_companies_stay_apart() -> None:
    # one word apart: 银河科技 / 银河电子科技 score 0.80 — just under the threshold
    score = name_similarity(name_key("成都银河科技有限公司"), name_key("银河电子科技有限公司"))
    assert 0.75 < score < MATCH_THRESHOLD
    assert name_similarity(name_key("美的集团"), name_key("美的置业集团有限公司")) < MATCH_THRESHOLD
    # the same trade, another company: the names' heads differ
    assert name_similarity(name_key("Alpine Outdoor Store"), name_key("Maple Outdoor Store")) < 0.8
    assert name_similarity(name_key("长沙星辰户外运动用品店"), name_key("苏州户外运动用品店")) < 0.8
    # a typo in the name itself is still the company
    acme = name_similarity(name_key("Acne Trading Co."), name_key("Acme Trading Co., Ltd."))
    assert acme >= MATCH_THRESHOLD
    # a one-character typo in seven still matches
    typo = name_similarity(name_key("腾讯计算机系统有限公司"), name_key("腾讯计算机系統有限公司"))
    assert MATCH_THRESHOLD <= typo < 1


def test_a_name_that_is_only_a_place_or_form_is_kept() -> None:
    assert name_key("北京") == "北京"
    assert name_key("有限公司")  # never empty: an empty key would be refused
    assert name_key("") == ""


def test_tax_ids_compare_exactly_after_width_case_and_spacing() -> None:
    assert tax_id_key("９１３５ ０１００-m０００１００y４３") == "91350100M000100Y43"


def test_unified_social_credit_code_check_character() -> None:
    first17 = "91350100M000100Y4"
    valid = first17 + uscc_check_character(first17)
    assert uscc_problem(valid) is None
    wrong = first17 + ("0" if valid[-1] != "0" else "1")
    assert uscc_problem(wrong) == "check"
    assert uscc_problem(first17 + "I") == "characters"  # I is not used in the codes
    assert uscc_problem("123456789") is None  # other ids are not judged
