"""Rebate settlement benchmark: ``qudao rebates settle`` for one quarter, beside the same
entitlements computed by hand in DuckDB SQL (``bench/rebate_baselines.py``).

    uv run python bench/rebates.py [--lines 10000000] [--partners 5000]

Data: the generator's partners, products and categories; N sell-in lines over 2023–2024
written here (amounts and quantities at random, 1 in 100 a return naming an earlier order,
restated into its day), imported through ``fact_import`` like any file. Ten programs
enrol every partner: retroactive (two), incremental, target, flat, a rate table by
category, fixed, product mix, growth on last year, and a per-unit tier. All settle 2024Q4:
"qudao entitlements" computes them (reading the facts, pricing every partner and program,
what was paid before) and writes nothing, like the baseline; "qudao settle" is the whole
command, writing 5,000 statements and 50,000 explained lines to the app database (SQLite).
Each runs in its own process (peak memory is its own). The entitlements are compared to
the cent for every partner and program.
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

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from review import _env, run_contender  # noqa: E402 - the shared process runner

TIERED = "[[tiers]]\nfrom = {}\nrate = {}\n"


def _program(code: str, kind: str, body: str, head: str = "") -> str:
    return (
        f'code = "{code}"\nname_en = "{code}"\nkind = "{kind}"\nbase = "sell_in"\n'
        f'settlement = "quarter"\nvalid_from = 2023-01-01\n{head}\n{body}'
    )


PROGRAMS = [
    _program("R1", "retroactive", TIERED.format(0, "0.01") + TIERED.format(200000, "0.02")
             + TIERED.format(500000, "0.03"), "cap_amount = 20000"),
    _program("R2", "retroactive", TIERED.format(100000, "0.015") + TIERED.format(400000, "0.025")),
    _program("I1", "incremental", TIERED.format(0, "0.01") + TIERED.format(200000, "0.02")
             + TIERED.format(500000, "0.03")),
    _program("T1", "target", "", "threshold = 300000\nrate = 0.025"),
    _program("F1", "flat", "", "rate = 0.01\nmin_base = 1000"),
    _program("F2", "flat", '[[rates]]\ncategory = "GEN-A"\nrate = 0.03\n'
             '[[rates]]\ncategory = "GEN-B"\nrate = 0.02\n', "rate = 0.005"),
    _program("X1", "fixed", "", "amount = 1000"),
    _program("M1", "mix", '[focus]\ncategories = ["GEN-A"]\n',
             "rate = 0.005\nlifted_rate = 0.01\nshare_min = 0.2\nfocus_rate = 0.005"),
    _program("G1", "growth", TIERED.format("0.05", "0.03") + TIERED.format("0.20", "0.05"),
             'growth = "percent"\nrate_on = "growth"'),
    _program("Q1", "retroactive", TIERED.format(0, "0.5") + TIERED.format(1000, "1"),
             'measure = "quantity"'),
]  # fmt: skip

LOADER = """
import django; django.setup()
import json, sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
import numpy as np, polars as pl
from django.core.management import call_command
from qudao.core.importing.master import import_file
from qudao.core.importing.registry import master_targets
from qudao.facts.services import fact_import
from qudao.programs.services import program_load
data, lines = Path(sys.argv[1]), int(sys.argv[2])
call_command("migrate", verbosity=0)
targets = master_targets()
for name in ("regions", "partners", "categories", "products"):
    result = import_file(target=targets[name], path=data / f"{name}.csv")
    assert not result.errors, result.errors[:3]
partners = pl.read_csv(data / "partners.csv")["code"].to_numpy()
products = pl.read_csv(data / "products.csv")["code"].to_numpy()
rng = np.random.default_rng(7)
weights = rng.pareto(1.5, len(partners)) + 0.2
who = rng.choice(len(partners), lines, p=weights / weights.sum())
day = rng.integers(0, 731, lines)
quantity = rng.integers(1, 20, lines)
price = rng.integers(500, 50000, lines) / 100
order = np.arange(lines) // 4
returns = rng.random(lines) < 0.01
reverses = np.where(returns, np.maximum(order - rng.integers(50, 5000, lines), 0), -1)
frame = pl.DataFrame({
    "order_date": np.datetime64("2023-01-01") + day,
    "order_no": order,
    "line_no": np.arange(lines) % 4 + 1,
    "partner": partners[who],
    "product": products[rng.integers(0, len(products), lines)],
    "quantity": np.where(returns, -quantity, quantity),
    "amount": np.where(returns, -1, 1) * quantity * price,
    "reverses": reverses,
}).with_columns(
    pl.col("order_date").cast(pl.Date),
    ("O" + pl.col("order_no").cast(pl.String).str.zfill(9)).alias("order_id"),
    pl.when(pl.col("reverses") >= 0)
    .then("O" + pl.col("reverses").cast(pl.String).str.zfill(9))
    .alias("original_order_id"),
    pl.col("amount").round(2).cast(pl.Decimal(20, 4)),
).drop("order_no", "reverses")
frame.write_parquet(data / "sell_in.parquet")
result = fact_import(fact="sell_in", path=data / "sell_in.parquet")
assert result.committed, result.summary()
for text in json.loads(sys.argv[3]):
    program_load(text=text)
"""

CONTENDERS = {
    "qudao entitlements": (
        "import django; django.setup()\nfrom qudao.core.periods import Period\n"
        "from qudao.programs.settling import compute, plan\n",
        "done = compute(plan(Period.parse('2024Q4')))",
        "rows = {f'{l.partner}|{l.task.code}': str(l.outcome.entitlement) for l in done.lines}\n"
        "(OUT / 'compute.json').write_text(json.dumps(rows))",
    ),
    "qudao settle 2024Q4": (
        "import django; django.setup()\nfrom qudao.programs.services import rebates_settle\n",
        "settlement = rebates_settle(period='2024Q4')",
        "from qudao.programs.models import StatementLine\n"
        "rows = {f'{l.statement.partner.code}|{l.program_code}': str(l.entitlement) for l in "
        "StatementLine.objects.filter(statement__settlement=settlement, kind='current')"
        ".select_related('statement__partner')}\n"
        "(OUT / 'qudao.json').write_text(json.dumps(rows))",
    ),
    "duckdb SQL": (
        f"sys.path.insert(0, {str(HERE)!r}); from rebate_baselines import entitlements\n"
        "from datetime import date\n",
        "found = entitlements(HOME, date(2024, 10, 1), date(2024, 12, 31))",
        "rows = {f'{p}|{c}': v for (p, c), v in found.items()}\n"
        "(OUT / 'duckdb.json').write_text(json.dumps(rows))",
    ),
}


def prepare(lines: int, partners: int, root: Path) -> tuple[Path, Path]:
    home, data = root / "home", root / "data"
    subprocess.run(
        [sys.executable, "-m", "qudao.cli", "generate", "--partners", str(partners),
         "--lines", "1000", "--out", str(data)],
        env=_env(home), check=True, capture_output=True,
    )  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-c", LOADER, str(data), str(lines), json.dumps(PROGRAMS)],
        env=_env(home), capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode:
        raise SystemExit(f"loading failed:\n{done.stderr[-3000:]}")
    return home, data


def compare(out: Path, name: str = "qudao.json") -> str:
    ours = json.loads((out / name).read_text())
    theirs = json.loads((out / "duckdb.json").read_text())
    differ = sorted(k for k in ours.keys() | theirs.keys() if ours.get(k) != theirs.get(k))
    if differ:
        shown = [(k, ours.get(k), theirs.get(k)) for k in differ[:5]]
        return f"entitlements differ on {len(differ)} of {len(ours | theirs)}: {shown}"
    total = sum(float(v) for v in ours.values())
    return (
        f"entitlements identical to the cent: {len(ours):,} (partner, program), total {total:,.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--partners", type=int, default=5_000)
    parser.add_argument("--keep", type=Path, help="prepare the data here and keep it")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp)
        started = time.perf_counter()
        if args.keep and (root / "home").exists():
            home, data = root / "home", root / "data"
        else:
            home, data = prepare(args.lines, args.partners, root)
        print(
            f"{args.lines:,} sell-in lines, {args.partners:,} partners, {len(PROGRAMS)} programs "
            f"(generated and imported in {time.perf_counter() - started:.0f} s)"
        )
        out = root / "out"
        out.mkdir(exist_ok=True)
        results = {
            name: run_contender(name, CONTENDERS[name], home, data, out) for name in CONTENDERS
        }
        base = results["duckdb SQL"]["seconds"]
        print(f"{'contender':<22}{'seconds':>9}{'peak MB':>9}{'÷ DuckDB SQL':>14}")
        for name, r in results.items():
            print(
                f"{name:<22}{r['seconds']:>9.2f}{r['peak_mb']:>9,.0f}{r['seconds'] / base:>13.2f}x"
            )
        print("settle:", compare(out))
        print("entitlements alone:", compare(out, "compute.json"))


if __name__ == "__main__":
    main()
