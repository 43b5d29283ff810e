"""Review benchmark: Qudao's channel review on generated data, beside a hand-written DuckDB
SQL review and a hand-written pandas review that produce the same KPI table.

    uv run python bench/review.py [--lines 10000000] [--partners 5000] [--scaling 1e6,3e6]

Data: ``qudao generate`` with N sell-through lines, N/5 sell-in lines, about N/10
inventory rows, the given partners, eight quarters (2023–2024). Each contender runs in its
own process, so each peak memory (max RSS) is its own; module imports and Django's start-up
are not timed. The outputs of Qudao and of the SQL baseline are compared KPI by KPI.
Qudao's reviews read the roll-ups its imports keep (``qudao.analytics.rollups``); building
them is timed on its own line, as the import-time cost it is.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from qudao.analytics.kpis import KPIS

HERE = Path(__file__).resolve().parent
QUARTERS = [f"{y}Q{q}" for y in (2023, 2024) for q in (1, 2, 3, 4)]
DJANGO = "import django; django.setup()\n"
CONTENDERS = {
    # Done once per import, in the background (what (a) and (b) then read): every roll-up
    # rebuilt from the committed lines.
    "qudao roll-ups (at import)": (
        DJANGO
        + "import shutil\n"
        + "from qudao.analytics.rollups import rollup_root, rollups_refresh\n"
        + "shutil.rmtree(rollup_root(), ignore_errors=True)\n",
        "rollups_refresh()",
        "",
    ),
    # (a) all eight quarters in one engine pass: the KPI table (scores and grades included)
    "qudao (a) 8 quarters": (
        DJANGO
        + "from qudao.analytics.engine import Grading, run_review\n"
        + "from qudao.analytics.models import GradingModel\n"
        + "from qudao.core.periods import Period\n"
        + "grading = Grading.from_model(GradingModel.objects.get(is_active=True))\n"
        + f"periods = [Period.parse(p) for p in {QUARTERS!r}]\n",
        "table = run_review(periods, grading=grading).table",
        "import pyarrow.parquet as pq; pq.write_table(table, OUT / 'qudao.parquet')",
    ),
    # (b) one quarter, the same scope as (a): the KPI table with scores and grades
    "qudao (b) 1 quarter": (
        DJANGO
        + "from qudao.analytics.engine import Grading, run_review\n"
        + "from qudao.analytics.models import GradingModel\n"
        + "from qudao.core.periods import Period\n"
        + "grading = Grading.from_model(GradingModel.objects.get(is_active=True))\n",
        "table = run_review([Period.parse('2024Q4')], grading=grading).table",
        "",
    ),
    # (b) one quarter end to end: engine, scorecards written, grades proposed, rules run
    "qudao (b) 1 quarter, full": (
        DJANGO + "from qudao.analytics.services import review_run\n",
        "review_run(period='2024Q4')",
        "",
    ),
    # (b) again as the web's background worker runs it: a process that has run a review
    # before (here 2024Q3's, not timed) — imports, connections and compiled SQL are warm.
    "qudao (b) in a warm worker": (
        DJANGO
        + "from qudao.analytics.services import review_run\n"
        + "review_run(period='2024Q3')\n",
        "review_run(period='2024Q4')",
        "",
    ),
    "duckdb SQL": (
        f"sys.path.insert(0, {str(HERE)!r}); from review_baselines import duckdb_review\n",
        "frame = duckdb_review(HOME, DATA)",
        "frame.to_parquet(OUT / 'duckdb.parquet')",
    ),
    "pandas": (
        f"sys.path.insert(0, {str(HERE)!r}); from review_baselines import pandas_review\n",
        "frame = pandas_review(HOME, DATA)",
        "frame.to_parquet(OUT / 'pandas.parquet')",
    ),
}

RUNNER = """
import json, resource, sys, time
from pathlib import Path
HOME, DATA, OUT = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
exec(sys.argv[4])
started = time.perf_counter()
exec(sys.argv[5])
seconds = time.perf_counter() - started
exec(sys.argv[6])
print(json.dumps({"seconds": seconds,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

LOADER = """
import django; django.setup()
import sys, time
from decimal import Decimal
from pathlib import Path
import polars as pl
from django.core.management import call_command
from qudao.core.importing.master import import_file
from qudao.core.importing.registry import master_targets
from qudao.core.periods import Period
from qudao.facts.services import fact_import
from qudao.partners.models import Partner, Target
data = Path(sys.argv[1])
call_command("migrate", verbosity=0)
targets = master_targets()
for name in ("regions", "partners", "categories", "products"):
    result = import_file(target=targets[name], path=data / f"{name}.csv")
    assert not result.errors, result.errors[:3]
# Targets in bulk: the master-data import validates row by row (~260 rows/s), set-up only.
ids = dict(Partner.objects.values_list("code", "pk"))
rows = pl.read_csv(data / "targets.csv", infer_schema=False).iter_rows(named=True)
Target.objects.bulk_create(
    [Target(partner_id=ids[r["partner"]], period=r["period"], amount=Decimal(r["amount"]),
            period_start=Period.parse(r["period"]).start, period_end=Period.parse(r["period"]).end)
     for r in rows], batch_size=5000)
for fact in ("sell_in", "sell_through", "inventory", "marketing_spend", "receivable"):
    result = fact_import(fact=fact, path=data / f"{fact}.csv")
    assert result.committed, result.summary()
# The quarters before 2024Q4, so (b) meets the history its grades and rules look at.
from qudao.analytics.services import review_run
for period in ("2024Q2", "2024Q3"):
    review_run(period=period)
"""

# Every KPI of the dictionary, except those the baselines do not compute: the reporting
# delay is an input of the exit rules, not a figure of the channel's sales.
BASELINES_LACK = {"sell_through_report_delay"}
KPI_COLUMNS = [k.id for k in KPIS if k.id not in BASELINES_LACK]


def _env(home: Path) -> dict[str, str]:
    env = {**os.environ, "QUDAO_HOME": str(home), "DJANGO_SETTINGS_MODULE": "qudao.settings"}
    env.pop("DATABASE_URL", None)
    return env


def prepare(lines: int, partners: int, seed: int, root: Path) -> tuple[Path, Path, float]:
    home, data = root / "home", root / "data"
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "qudao.cli", "generate", "--partners", str(partners),
         "--lines", str(lines), "--inventory-rows", str(lines // 10), "--seed", str(seed),
         "--out", str(data)],
        env=_env(home), check=True, capture_output=True,
    )  # fmt: skip
    subprocess.run(
        [sys.executable, "-c", LOADER, str(data)], env=_env(home), check=True, capture_output=True
    )
    return home, data, time.perf_counter() - started


def run(name: str, home: Path, data: Path, out: Path) -> dict[str, float]:
    return run_contender(name, CONTENDERS[name], home, data, out)


def run_contender(
    name: str, code: tuple[str, str, str], home: Path, data: Path, out: Path
) -> dict[str, float]:
    """Run one contender (set-up, timed work, after) in its own process: seconds, peak MB."""
    setup, work, after = code
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, str(home), str(data), str(out), setup, work, after],
        env=_env(home), capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode:
        raise SystemExit(f"{name} failed:\n{done.stderr[-3000:]}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def compare(out: Path) -> str:
    """How Qudao's KPI table and the SQL baseline's differ (they should not)."""
    import polars as pl

    ours = pl.read_parquet(out / "qudao.parquet").with_columns(
        pl.col(c).cast(pl.Float64) for c in KPI_COLUMNS
    )
    theirs = pl.read_parquet(out / "duckdb.parquet").with_columns(
        pl.col(c).cast(pl.Float64) for c in KPI_COLUMNS
    )
    both = ours.join(theirs, on=["partner", "period"], how="inner", suffix="_sql")
    problems = []
    for c in KPI_COLUMNS:
        a, b = both.get_column(c), both.get_column(f"{c}_sql")
        nulls = int(((a.is_null()) != (b.is_null())).sum())
        diff = ((a - b).abs() / (b.abs() + 1e-9)).max()
        if nulls or (diff is not None and diff > 1e-6):
            problems.append(f"{c} (null mismatches {nulls}, max relative diff {diff})")
    rows = f"{both.height:,} of {ours.height:,} / {theirs.height:,} rows matched"
    if problems:
        return f"outputs differ ({rows}): " + "; ".join(problems)
    return f"outputs identical on all {len(KPI_COLUMNS)} KPIs ({rows})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--partners", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scaling", default="1000000,3000000", help="extra sizes, for (a) only")
    parser.add_argument("--keep", type=Path, help="prepare the main data here and keep it")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp) / "main"
        if args.keep and (root / "home").exists():
            home, data, prepared = root / "home", root / "data", 0.0
        else:
            home, data, prepared = prepare(args.lines, args.partners, args.seed, root)
        out = root / "out"
        out.mkdir(exist_ok=True)
        results = {name: run(name, home, data, out) for name in CONTENDERS}
        print(
            f"{args.lines:,} sell-through lines, {args.lines // 5:,} sell-in lines, "
            f"~{args.lines // 10:,} inventory rows, {args.partners:,} partners, 8 quarters "
            f"(generated and imported in {prepared:.0f} s)"
        )
        base = results["duckdb SQL"]["seconds"]
        print(f"{'contender':<30}{'seconds':>9}{'peak MB':>9}{'÷ DuckDB SQL':>14}")
        for name, r in results.items():
            print(
                f"{name:<30}{r['seconds']:>9.2f}{r['peak_mb']:>9,.0f}{r['seconds'] / base:>13.2f}x"
            )
        a = results["qudao (a) 8 quarters"]["seconds"]
        print(f"pandas ÷ qudao (a): {results['pandas']['seconds'] / a:.1f}x")
        print(compare(out))
        sizes = [int(float(s)) for s in args.scaling.split(",") if s.strip()]
        if sizes:
            print("scaling, qudao (a) 8 quarters:")
            print(f"{'lines':>12}{'seconds':>9}{'peak MB':>9}")
            for size in sizes:
                scale_root = Path(tmp) / f"scale-{size}"
                s_home, s_data, _ = prepare(size, args.partners, args.seed, scale_root)
                (scale_root / "out").mkdir()
                r = run("qudao (a) 8 quarters", s_home, s_data, scale_root / "out")
                print(f"{size:>12,}{r['seconds']:>9.2f}{r['peak_mb']:>9,.0f}")
            print(f"{args.lines:>12,}{a:>9.2f}{results['qudao (a) 8 quarters']['peak_mb']:>9,.0f}")


if __name__ == "__main__":
    main()
