"""How well the default rules find what the synthetic channel plants (``qudao generate``):
precision and recall of each rule against the generator's ground truth.

Used by the test that keeps the defaults honest and by ``bench/rule_quality.py``, which
prints the table in docs/review.md.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from qudao.governance.models import FlagStatus, RiskFlag
from qudao.partners.models import Partner

# Each rule and the planted anomaly it should find (None: the generator plants none).
PLANTED_FOR_RULE: dict[str, str | None] = {
    "target_missed": "chronic_target_miss",
    "growth_below_channel": "declining",
    "high_churn": "churning",
    "missing_sell_through": "silent",
    "low_turnover": None,
}


@dataclass(frozen=True)
class RuleQuality:
    rule: str
    planted: int  # partners planted with the rule's anomaly
    flagged: int
    found: int  # flagged and planted
    false_alarms: int  # flagged, and planted with no anomaly at all
    partners: int

    @property
    def precision(self) -> float | None:
        """None where nothing was planted for the rule (nothing to be right about)."""
        return self.found / self.flagged if self.flagged and self.planted else None

    @property
    def recall(self) -> float | None:
        return self.found / self.planted if self.planted else None

    @property
    def flagged_share(self) -> float:
        return self.flagged / self.partners


def rule_quality(*, ground_truth: Path, period: str) -> list[RuleQuality]:
    """Each rule's open flags of ``period`` against the planted partners."""
    planted: dict[str, set[str]] = {}
    with ground_truth.open(encoding="utf-8") as rows:
        for row in csv.DictReader(rows):
            planted.setdefault(row["anomaly"], set()).add(row["partner"])
    anomalous = set().union(*planted.values()) if planted else set()
    partners = Partner.objects.count()
    quality = []
    for rule, anomaly in PLANTED_FOR_RULE.items():
        flagged = set(
            RiskFlag.objects.filter(period=period, rule=rule, status=FlagStatus.OPEN).values_list(
                "partner__code", flat=True
            )
        )
        truth = planted.get(anomaly, set()) if anomaly else set()
        quality.append(
            RuleQuality(
                rule=rule,
                planted=len(truth),
                flagged=len(flagged),
                found=len(flagged & truth),
                false_alarms=len(flagged - anomalous),
                partners=partners,
            )
        )
    return quality
