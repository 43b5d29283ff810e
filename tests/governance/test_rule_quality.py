"""The default rules flag a minority and find what the generator plants: every chronic
misser, decliner, churner and silent reporter, and next to no ordinary partner."""

from __future__ import annotations

from pathlib import Path

import pytest

from qudao.analytics.services import review_run
from qudao.facts.generator import generate_channel
from qudao.facts.services import generated_channel_load
from qudao.governance.quality import rule_quality

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("seed", [1, 2])
def test_default_rules_find_the_planted_partners_and_few_others(tmp_path: Path, seed: int) -> None:
    channel = generate_channel(partners=200, lines=200_000, seed=seed, out=tmp_path / "g")
    generated_channel_load(files=channel.files)
    for quarter in ("2024Q1", "2024Q2", "2024Q3", "2024Q4"):
        review_run(period=quarter)
    quality = {
        q.rule: q
        for q in rule_quality(ground_truth=channel.out / "ground_truth.csv", period="2024Q4")
    }
    for rule in ("target_missed", "growth_below_channel", "high_churn", "missing_sell_through"):
        q = quality[rule]
        assert q.planted == 4, rule
        assert q.recall == 1.0, (rule, q)
        assert q.false_alarms <= 6, (rule, q)  # at most 3 % of the channel
    for q in quality.values():
        assert q.flagged_share <= 0.1, q
