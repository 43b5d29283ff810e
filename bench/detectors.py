"""Violation-detector benchmark: Qudao's detectors (``qudao governance detect``) on
generated data, beside the same detectors written by hand in DuckDB SQL
(``bench/detector_baselines.py``).

    uv run python bench/detectors.py [--lines 10000000] [--codes 5000000] [--partners 5000]

Data: ``qudao generate`` with N sell-through lines, N/5 sell-in lines, the given number of
product codes shipped, two scans of each (the retailer's, then the consumer's; the planted
clones add more), eight quarters (2023–2024). Both contenders judge the lines of 2024
(about half of each fact) and read every scan, for the clones. Qudao's run is a fresh
process whose compiled SQL is warm (2023 was detected while loading, as on any running
instance); its time includes keeping the violations and their evidence in the database.
Each runs in its own process, so each peak memory (max RSS) is its own. The violations
found are compared: the same identities with the same evidence counts and quantities.
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

DJANGO = "import django; django.setup()\n"
CONTENDERS = {
    "qudao detect 2024": (
        DJANGO + "from qudao.governance.services import violations_detect\n",
        "run = violations_detect(period='2024')",
        "from qudao.governance.models import Violation\n"
        "rows = [[v.identity, v.evidence_count, str(v.quantity.normalize())] for v in "
        "Violation.objects.filter(period__startswith='2024')]\n"
        "(OUT / 'qudao.json').write_text(json.dumps({'violations': rows, "
        "'unjudged': run.row_counts['unjudged']}))",
    ),
    "duckdb SQL": (
        f"sys.path.insert(0, {str(HERE)!r}); from detector_baselines import detect\n"
        "from datetime import date\n",
        "found = detect(HOME, DATA, date(2024, 1, 1), date(2024, 12, 31))",
        "rows = [['|'.join([t, p, i, q]), n, str(qty.normalize())] "
        "for t, p, i, q, n, qty, _v in found['violations']]\n"
        "(OUT / 'duckdb.json').write_text(json.dumps({'violations': rows, "
        "'unjudged': found['unjudged']}))",
    ),
}

LOADER = """
import django; django.setup()
import sys
from pathlib import Path
from django.core.management import call_command
from qudao.core.importing.master import import_file
from qudao.core.importing.registry import master_targets
from qudao.facts.services import fact_import
from qudao.governance.services import violations_detect
data = Path(sys.argv[1])
call_command("migrate", verbosity=0)
targets = master_targets()
for name in ("regions", "partners", "territories", "categories", "products", "price_list"):
    result = import_file(target=targets[name], path=data / f"{name}.csv")
    assert not result.errors, result.errors[:3]
for fact in ("sell_in", "sell_through", "inventory", "code_assignment", "code_scan"):
    result = fact_import(fact=fact, path=data / f"{fact}.csv")
    assert result.committed, result.summary()
violations_detect(period="2023")  # compiles and caches the detectors' SQL
"""


def prepare(lines: int, codes: int, partners: int, seed: int, root: Path) -> tuple[Path, Path]:
    home, data = root / "home", root / "data"
    subprocess.run(
        [sys.executable, "-m", "qudao.cli", "generate", "--partners", str(partners),
         "--lines", str(lines), "--codes", str(codes), "--scans-per-code", "2",
         "--seed", str(seed), "--out", str(data)],
        env=_env(home), check=True, capture_output=True,
    )  # fmt: skip
    subprocess.run(
        [sys.executable, "-c", LOADER, str(data)], env=_env(home), check=True, capture_output=True
    )
    return home, data


def run(name: str, home: Path, data: Path, out: Path) -> dict[str, float]:
    return run_contender(name, CONTENDERS[name], home, data, out)


def compare(out: Path) -> str:
    ours = json.loads((out / "qudao.json").read_text())
    theirs = json.loads((out / "duckdb.json").read_text())
    a = {identity: (n, q) for identity, n, q in ours["violations"]}
    b = {identity: (n, q) for identity, n, q in theirs["violations"]}
    differ = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
    unjudged = "unjudged rows " + (
        "identical" if ours["unjudged"] == theirs["unjudged"] else
        f"differ: qudao {ours['unjudged']} vs SQL {theirs['unjudged']}"
    )  # fmt: skip
    if differ:
        return f"violations differ on {len(differ)} of {len(a | b)}: {differ[:5]}; {unjudged}"
    evidence = sum(n for n, _q in a.values())
    return f"violations identical: {len(a)} violations, {evidence:,} evidence rows; {unjudged}"


def _rows(path: Path) -> int:
    with path.open("rb") as f:
        return sum(1 for _ in f) - 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--codes", type=int, default=5_000_000)
    parser.add_argument("--partners", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="prepare the data here and keep it")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp)
        started = time.perf_counter()
        if args.keep and (root / "home").exists():
            home, data = root / "home", root / "data"
        else:
            home, data = prepare(args.lines, args.codes, args.partners, args.seed, root)
        prepared = time.perf_counter() - started
        facts = ("sell_through", "sell_in", "code_assignment", "code_scan", "inventory")
        sizes = {f: _rows(data / f"{f}.csv") for f in facts}
        print(
            ", ".join(f"{n:,} {f}" for f, n in sizes.items())
            + f"; {args.partners:,} partners (generated and imported in {prepared:.0f} s)"
        )
        out = root / "out"
        out.mkdir(exist_ok=True)
        results = {name: run(name, home, data, out) for name in CONTENDERS}
        base = results["duckdb SQL"]["seconds"]
        print(f"{'contender':<22}{'seconds':>9}{'peak MB':>9}{'÷ DuckDB SQL':>14}")
        for name, r in results.items():
            print(
                f"{name:<22}{r['seconds']:>9.2f}{r['peak_mb']:>9,.0f}{r['seconds'] / base:>13.2f}x"
            )
        print(compare(out))


if __name__ == "__main__":
    main()
