"""Next month's sell-through: simple exponential smoothing, and how well it does.

For each product family, statsmodels fits simple exponential smoothing (its smoothing
level, alpha, and initial level) to the family's largest partner series — up to
``ALPHA_SAMPLE`` of them, those with the most sell-through — and the median of their
alphas is the family's. Every partner's series of the family is then smoothed with that
alpha, its initial level estimated as statsmodels does (least squares on the one-step
errors, here in closed form), all partners at once with numpy. A series starts at its
partner's first month with any sell-through of the family.

The backtest holds out the last complete month: alphas fitted again without it, each
series forecast from the months before, compared with the naive forecast (the month
before repeats). The error is WAPE = Σ|actual − forecast| ÷ Σ actual.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

# Too few months to fit alpha on: this one is used, and the check says so.
FALLBACK_ALPHA = 0.5
MIN_MONTHS_TO_FIT = 6
ALPHA_SAMPLE = 40


def fitted_alpha(series: np.ndarray) -> float | None:
    """The smoothing level statsmodels fits to one monthly series (from its first month
    with sales); None when that is too short or flat at zero."""
    # deferred: statsmodels (and scipy under it) is loaded by the supply check only
    from statsmodels.tsa.holtwinters import SimpleExpSmoothing

    series = np.trim_zeros(np.asarray(series, dtype=float), "f")
    if len(series) < MIN_MONTHS_TO_FIT or not series.any():
        return None
    with warnings.catch_warnings():
        # convergence chatter on short or flat series; the fitted value is still the best found
        warnings.simplefilter("ignore")
        fit = SimpleExpSmoothing(series, initialization_method="estimated").fit()
    return float(np.clip(fit.params["smoothing_level"], 0.0, 1.0))


def family_alpha(history: np.ndarray) -> float | None:
    """One family's alpha: the median of those fitted to its largest series (rows of
    ``history``, series × months); None when none could be fitted."""
    largest = np.argsort(-history.sum(axis=1), kind="stable")[:ALPHA_SAMPLE]
    alphas = [a for a in (fitted_alpha(history[row]) for row in largest) if a is not None]
    return float(np.median(alphas)) if alphas else None


def smoothed_levels(history: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Each row's forecast of the month after its last.

    ``history`` is series × months; ``alpha`` one value per row. From a row's first
    non-zero month on, the one-step forecast is c + w × l0, where c follows
    c = alpha × month + (1 − alpha) × c from 0, w = (1 − alpha) ^ months seen, and l0, the
    initial level, is the one that makes the squared one-step errors least:
    Σ w (month − c) ÷ Σ w². A row with no sell-through forecasts 0.
    """
    history = np.asarray(history, dtype=float)
    rows = history.shape[0]
    smoothed, weight = np.zeros(rows), np.ones(rows)
    cross, square = np.zeros(rows), np.zeros(rows)
    started = np.zeros(rows, dtype=bool)
    for month in history.T:
        started |= month != 0
        cross = np.where(started, cross + weight * (month - smoothed), 0)
        square = np.where(started, square + weight**2, 0)
        smoothed = np.where(started, alpha * month + (1 - alpha) * smoothed, 0)
        weight = np.where(started, (1 - alpha) * weight, 1)
    initial = np.divide(cross, square, out=np.zeros(rows), where=square > 0)
    return smoothed + weight * initial


def wape(actual: np.ndarray, forecast: np.ndarray) -> float | None:
    """Weighted absolute percentage error: Σ|actual − forecast| ÷ Σ actual (None if no sales)."""
    total = float(np.abs(actual).sum())
    return None if total == 0 else float(np.abs(actual - forecast).sum()) / total


@dataclass(frozen=True)
class Backtest:
    """The last complete month forecast from the months before it, two ways."""

    months: int  # months of history the forecast had
    series: int  # partner × family series with any sell-through before the month
    actual: float
    wape_smoothing: float | None
    wape_naive: float | None


def backtest(history: np.ndarray, families: np.ndarray) -> tuple[Backtest, dict[int, Backtest]]:
    """Hold out ``history``'s last month; forecast it by smoothing (alpha fitted on the
    months before, per family) and naively (the month before). Returns the whole and
    each family's figures."""
    if history.shape[1] < 2:
        empty = Backtest(history.shape[1], 0, 0.0, None, None)
        return empty, {}
    before, actual = history[:, :-1], history[:, -1]
    alphas = family_alphas(before, families)
    smoothing = smoothed_levels(before, np.array([alphas[f][0] for f in families]))
    naive = before[:, -1]
    judged: np.ndarray = np.asarray(before.any(axis=1))

    def figures(rows: np.ndarray) -> Backtest:
        return Backtest(
            months=before.shape[1],
            series=int(rows.sum()),
            actual=float(actual[rows].sum()),
            wape_smoothing=wape(actual[rows], smoothing[rows]),
            wape_naive=wape(actual[rows], naive[rows]),
        )

    per_family = {int(f): figures(judged & (families == f)) for f in np.unique(families)}
    return figures(judged), per_family


def family_alphas(history: np.ndarray, families: np.ndarray) -> dict[int, tuple[float, bool]]:
    """Per family: (alpha, fitted) — fitted on its largest series, else the fallback."""
    alphas = {}
    for family in np.unique(families):
        alpha = family_alpha(history[families == family])
        alphas[int(family)] = (FALLBACK_ALPHA, False) if alpha is None else (alpha, True)
    return alphas
