"""The review on DuckDB and on Spark: the same metric code, the same generated channel,
identical outputs — every KPI, score and grade, every grade proposal and risk flag."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from qudao.analytics.engine import (
    Grading,
    run_review,
    spark_available,
    spark_session,
    spark_stop,
)
from qudao.analytics.models import GradeProposal, GradingModel, ProposalStatus, Scorecard
from qudao.analytics.rollups import rollup_root
from qudao.analytics.services import review_run
from qudao.core.periods import Period
from qudao.facts.generator import generate_channel
from qudao.facts.services import generated_channel_load
from qudao.governance.models import DetectionRun, RiskFlag, Violation, ViolationEvidence

pytestmark = [
    pytest.mark.django_db,
    # `make test` installs the spark extra (uv sync --all-extras) and Java; elsewhere the
    # rest of the suite still runs.
    pytest.mark.skipif(not spark_available(), reason="needs the spark extra and Java 17+"),
]

QUARTERS = [f"{year}Q{q}" for year in (2023, 2024) for q in (1, 2, 3, 4)]


def _rows(table: pa.Table) -> list[dict[str, Any]]:
    """Rows in a stable order; decimals compared by value (engines differ in scale)."""
    rows = sorted(table.to_pylist(), key=lambda r: (r["partner"], r["period"]))
    return [{k: Decimal(v) if isinstance(v, Decimal) else v for k, v in r.items()} for r in rows]


def _scorecards(run: Any) -> list[tuple[Any, ...]]:
    ignored = {"id", "run", "is_current"}
    names = [f.attname for f in Scorecard._meta.concrete_fields if f.name not in ignored]
    return sorted(Scorecard.objects.filter(run=run).values_list(*names))


def _flags(run: Any) -> list[tuple[Any, ...]]:
    flags = RiskFlag.objects.filter(run=run).values_list("partner_id", "rule", "evidence")
    return sorted((partner, rule, repr(evidence)) for partner, rule, evidence in flags)


def _open_proposals(period: str) -> set[tuple[int, int | None, Decimal | None]]:
    return set(
        GradeProposal.objects.filter(period=period, status=ProposalStatus.PROPOSED).values_list(
            "partner_id", "to_grade_id", "score"
        )
    )


@pytest.fixture
def generated_channel(tmp_path: Path) -> None:
    channel = generate_channel(partners=40, lines=4000, seed=5, out=tmp_path / "channel")
    generated_channel_load(files=channel.files)


def test_every_kpi_score_and_grade_is_identical_on_both_engines(generated_channel: None) -> None:
    grading = Grading.from_model(GradingModel.objects.get(is_active=True))
    periods = [Period.parse(key) for key in QUARTERS]
    on_duckdb = _rows(run_review(periods, engine="duckdb", grading=grading).table)
    shutil.rmtree(rollup_root())  # so that Spark builds the roll-ups from the lines too
    on_spark = _rows(run_review(periods, engine="spark", grading=grading).table)
    assert len(on_duckdb) == 40 * len(QUARTERS)
    assert on_spark == on_duckdb
    # The comparison has teeth: the data fills most KPIs, and scores tell partners apart.
    filled = {k for row in on_duckdb for k, v in row.items() if v is not None}
    assert {"gross_margin", "new_customers", "churn_rate", "inventory_turnover"} <= filled
    assert {"overdue_ratio", "customer_acquisition_cost", "score", "computed_grade"} <= filled
    assert len({row["score"] for row in on_duckdb}) > 40


def test_a_full_review_run_writes_the_same_results_on_both_engines(
    generated_channel: None,
) -> None:
    for key in ("2024Q1", "2024Q2", "2024Q3"):  # history for hysteresis and the rules
        review_run(period=key, engine="duckdb")
    by_duckdb = review_run(period="2024Q4", engine="duckdb")
    proposals = _open_proposals("2024Q4")
    violations, detected = _violations(), DetectionRun.objects.latest("pk").row_counts
    shutil.rmtree(rollup_root())
    by_spark = review_run(period="2024Q4", engine="spark")

    assert by_spark.engine == "spark" and by_spark.status == "current"
    assert _scorecards(by_spark) == _scorecards(by_duckdb)
    assert _flags(by_spark) == _flags(by_duckdb) and _flags(by_duckdb)
    assert _open_proposals("2024Q4") == proposals
    # the detectors: the same rows found, the same left unjudged, the same violations
    assert DetectionRun.objects.latest("pk").row_counts == detected
    assert _violations() == violations and violations


def _violations() -> dict[str, tuple[Any, ...]]:
    return {
        v.identity: (v.quantity, v.value, v.evidence_count, v.status)
        for v in Violation.objects.all()
    } | {
        f"evidence {e.batch_id}:{e.row}": (e.violation.identity, e.quantity, e.value)
        for e in ViolationEvidence.objects.select_related("violation")
    }


def _java_children() -> list[int]:
    """Java processes started by this one (Spark's gateway JVM), from /proc."""
    import os

    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name, rest = stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2 :]
        if name == "java" and int(rest.split()[1]) == os.getpid():
            found.append(int(entry.name))
    return found


def test_a_worker_keeps_no_jvm_after_a_spark_review(world: Any) -> None:
    """A Spark review started from the web or API runs in the long-lived worker: when it
    ends, the worker's JVM (gigabytes resident) ends with it; the next one starts afresh."""
    from django.test import TestCase

    from qudao.analytics.services import review_enqueue
    from tests.conftest import run_queued_tasks

    with TestCase.captureOnCommitCallbacks(execute=True):
        run = review_enqueue(period="2020Q1", engine="spark", actor=world.users["director"])
    run_queued_tasks()
    run.refresh_from_db()
    assert run.status == "current", run.message
    assert _java_children() == []
    # and Spark starts again for the next one
    assert spark_session().range(3).count() == 3
    assert len(_java_children()) == 1
    spark_stop()
    assert _java_children() == []
