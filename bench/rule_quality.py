"""Precision and recall of the default at-risk rules on the synthetic channel's planted
partners (`qudao generate`), for docs/review.md. Not a timing: a quality measure.

  uv run python bench/rule_quality.py [--partners 200] [--lines 200000] [--seeds 1 2 3]

Each seed: a fresh SQLite home, the generated channel loaded, the four quarters of 2024
reviewed with the default rules, then each rule's open flags of 2024Q4 compared with the
partners planted with its anomaly. "False alarms" are flagged partners planted with no
anomaly at all.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path


def _one(home: Path, partners: int, lines: int, seed: int) -> list[object]:
    os.environ["QUDAO_HOME"] = str(home)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qudao.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    settings.QUDAO_HOME = home
    connections["default"].close()
    settings.DATABASES["default"]["NAME"] = home / "qudao.sqlite3"
    call_command("migrate", interactive=False, verbosity=0)

    from qudao.analytics.services import review_run
    from qudao.facts.generator import generate_channel
    from qudao.facts.services import generated_channel_load
    from qudao.governance.quality import rule_quality

    channel = generate_channel(partners=partners, lines=lines, seed=seed, out=home / "gen")
    generated_channel_load(files=channel.files)
    for quarter in ("2024Q1", "2024Q2", "2024Q3", "2024Q4"):
        review_run(period=quarter)
    return list(rule_quality(ground_truth=channel.out / "ground_truth.csv", period="2024Q4"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--partners", type=int, default=200)
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    args = parser.parse_args()
    print(f"{args.partners} partners, {args.lines:,} sell-through lines, 2024Q4, default rules")
    print("| seed | rule | planted | flagged (share) | found | precision | recall | false alarms |")
    print("|---|---|---|---|---|---|---|---|")
    for seed in args.seeds:
        with tempfile.TemporaryDirectory() as home:
            for q in _one(Path(home), args.partners, args.lines, seed):
                precision = "—" if q.precision is None else f"{q.precision:.2f}"  # type: ignore[attr-defined]
                recall = "—" if q.recall is None else f"{q.recall:.2f}"  # type: ignore[attr-defined]
                print(
                    f"| {seed} | {q.rule} | {q.planted} | {q.flagged} ({q.flagged_share:.1%}) "  # type: ignore[attr-defined]
                    f"| {q.found} | {precision} | {recall} | {q.false_alarms} |"  # type: ignore[attr-defined]
                )


if __name__ == "__main__":
    main()
