"""Fact import benchmark: `qudao import sell_through` on a generated CSV, end to end
(read, parse, validate, check duplicates, write Parquet, commit), beside the raw
CSV → Parquet conversion of the same file by DuckDB and by Polars.

    uv run python bench/import_facts.py [--lines 10000000] [--partners 1000]

Each contender runs in its own process, so each peak memory (max RSS) is its own. The
baselines only convert; they do not validate anything: they are the floor.
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

# (set-up, timed work): module imports and Django's start-up are not timed.
CONTENDERS = {
    "qudao": (
        "import django; django.setup()\nfrom qudao.facts.services import fact_import",
        "result = fact_import(fact='sell_through', path=SOURCE)\n"
        "assert result.rows_rejected == 0, result.summary()",
    ),
    "duckdb": (
        "import duckdb\ncon = duckdb.connect(); con.execute('SET threads TO 2')",
        "con.sql('SELECT * FROM read_csv($f, all_varchar = true)', params={'f': str(SOURCE)})"
        ".write_parquet(str(OUT / 'duckdb.parquet'), compression='zstd')",
    ),
    "polars": (
        "import polars as pl",
        "pl.scan_csv(SOURCE, infer_schema=False).sink_parquet(OUT / 'polars.parquet', "
        "compression='zstd')",
    ),
}

RUNNER = """
import json, resource, sys, time
from pathlib import Path
SOURCE, OUT = Path(sys.argv[1]), Path(sys.argv[2])
exec(sys.argv[3])
started = time.perf_counter()
exec(sys.argv[4])
print(json.dumps({"seconds": time.perf_counter() - started,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--partners", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home, data, out = Path(tmp) / "home", Path(tmp) / "data", Path(tmp) / "out"
        out.mkdir()
        env = {**os.environ, "QUDAO_HOME": str(home), "DJANGO_SETTINGS_MODULE": "qudao.settings"}
        env.pop("DATABASE_URL", None)
        started = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "qudao.cli",
                "generate",
                "--partners",
                str(args.partners),
                "--lines",
                str(args.lines),
                "--seed",
                str(args.seed),
                "--out",
                str(data),
            ],
            env=env,
            check=True,
            capture_output=True,
        )
        generated = time.perf_counter() - started
        subprocess.run(
            [sys.executable, "-m", "qudao.cli", "migrate", "-v", "0"], env=env, check=True
        )
        for target in ("regions", "partners", "categories", "products"):
            subprocess.run(
                [sys.executable, "-m", "qudao.cli", "import", target, str(data / f"{target}.csv")],
                env=env,
                check=True,
                capture_output=True,
            )
        source = data / "sell_through.csv"
        results = {}
        for name, (setup, work) in CONTENDERS.items():
            run = subprocess.run(
                [sys.executable, "-c", RUNNER, str(source), str(out), setup, work],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            results[name] = json.loads(run.stdout.strip().splitlines()[-1])
        size_mb = source.stat().st_size / 1e6
    print(
        f"machine: {os.cpu_count()} cores; sell_through CSV of {args.lines:,} lines "
        f"({size_mb:,.0f} MB), {args.partners:,} partners, seed {args.seed}; "
        f"generated in {generated:.1f} s"
    )
    print(f"{'contender':<10}{'seconds':>10}{'rows/s':>14}{'peak MB':>10}{'× qudao':>10}")
    for name, r in results.items():
        ratio = results["qudao"]["seconds"] / r["seconds"]
        print(
            f"{name:<10}{r['seconds']:>10.2f}{args.lines / r['seconds']:>14,.0f}"
            f"{r['peak_mb']:>10,.0f}{ratio:>9.2f}x"
        )
    print("(× qudao: how many times faster the contender is than the full Qudao import)")


if __name__ == "__main__":
    main()
