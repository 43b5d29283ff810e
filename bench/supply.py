"""Supply-check benchmark: ``qudao supply check`` on generated stock and sell-through, and
its forecast beside the one a textbook would write — statsmodels fitting every partner ×
family series on its own.

    uv run python bench/supply.py [--partners 2000] [--families 8] [--seed 1]

Data: ``qudao supply generate`` (``qudao.supply.generator``): 24 months of sell-through
per partner × family (a Poisson quantity around a drifting level, split into documents),
one stock count each, 5 % planted stock-outs and 5 % overstock; imported through
``fact_import`` into a fresh SQLite database. Contenders, timed in this one process:

  check            the whole command: read the facts (DuckDB), fit, forecast, backtest,
                   judge every position, write positions and alerts;
  forecast         Qudao's forecast alone, on the same monthly matrix: one alpha per family
                   (the median of statsmodels fits to its 40 largest series), numpy for all;
  per-series fits  the baseline: ``SimpleExpSmoothing(...).fit()`` on every series (own
                   alpha and initial level), for the forecast and again for the backtest.

Both forecasts are scored on the held-out last month (WAPE), beside the naive one; the
check's alerts are compared with the planted cases.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import warnings
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--partners", type=int, default=2000)
    parser.add_argument("--families", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="qudao-bench-supply-"))
    os.environ["QUDAO_HOME"] = str(home)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qudao.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)

    import numpy as np

    from qudao.catalog.models import Product
    from qudao.facts.services import generated_channel_load
    from qudao.supply.forecast import backtest, family_alphas, smoothed_levels, wape
    from qudao.supply.generator import generate_supply
    from qudao.supply.models import CheckTrigger, SupplyAlert
    from qudao.supply.rules import sell_through_history
    from qudao.supply.services import supply_check_run

    made = generate_supply(
        partners=args.partners, families=args.families, seed=args.seed, out=home / "gen"
    )
    lines = sum(1 for _ in made.files["sell_through"].open()) - 1
    started = time.perf_counter()
    generated_channel_load(files=made.files)
    loaded = time.perf_counter() - started

    started = time.perf_counter()
    check = supply_check_run(trigger=CheckTrigger.COMMAND)
    check_seconds = time.perf_counter() - started
    found = set(
        SupplyAlert.objects.filter(kind="stock_out").values_list("partner__code", "category__code")
    )
    planted = set(made.planted["stock_out"])

    families_of = dict(
        Product.objects.filter(category__isnull=False).values_list("code", "category_id")
    )
    history, keys = sell_through_history(check.as_of, families_of)  # what the check read
    families = np.array([f for _p, f in keys])
    started = time.perf_counter()
    alphas = family_alphas(history, families)
    smoothed_levels(history, np.array([alphas[f][0] for f in families]))  # next month
    ours_back, _ = backtest(history, families)
    ours_seconds = time.perf_counter() - started

    from statsmodels.tsa.holtwinters import SimpleExpSmoothing

    def fit_each(matrix: np.ndarray) -> np.ndarray:
        out = np.zeros(matrix.shape[0])
        for row, series in enumerate(matrix):
            series = np.trim_zeros(series, "f")
            if len(series) < 2:
                out[row] = series[-1] if len(series) else 0.0
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fit = SimpleExpSmoothing(series, initialization_method="estimated").fit()
            out[row] = fit.forecast(1)[0]
        return out

    started = time.perf_counter()
    fit_each(history)  # next month, as the check does
    before = history[:, :-1]
    judged = before.any(axis=1)
    theirs_back = fit_each(before[judged])
    theirs_seconds = time.perf_counter() - started
    actual = history[judged, -1]

    print(
        f"machine: {os.cpu_count()} cores; {args.partners:,} partners × {args.families} "
        f"families = {len(keys):,} series, {lines:,} sell-through lines, 24 months, seed "
        f"{args.seed} (loaded in {loaded:.1f} s)"
    )
    print(f"{'contender':<30}{'seconds':>10}{'WAPE held-out':>16}")
    print(f"{'check (whole command)':<30}{check_seconds:>10.2f}{'':>16}")
    print(f"{'forecast: family alpha':<30}{ours_seconds:>10.2f}{ours_back.wape_smoothing:>16.3f}")
    theirs_wape = wape(actual, theirs_back)
    print(f"{'baseline: per-series fits':<30}{theirs_seconds:>10.2f}{theirs_wape:>16.3f}")
    print(f"{'naive: last month repeated':<30}{'':>10}{ours_back.wape_naive:>16.3f}")
    print(
        f"per-series fits take {theirs_seconds / ours_seconds:.1f}x the family-alpha forecast; "
        f"stock-outs alerted {len(found & planted)}/{len(planted)}, others {len(found - planted)}"
    )


if __name__ == "__main__":
    main()
