"""The forecast against statsmodels and against its near misses."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from qudao.supply.forecast import backtest, smoothed_levels, wape


def test_smoothing_forecasts_what_statsmodels_forecasts_for_the_same_alpha() -> None:
    from statsmodels.tsa.holtwinters import SimpleExpSmoothing

    rng = np.random.default_rng(5)
    for alpha in (0.1, 0.35, 0.8):
        level = 40 * np.exp(np.cumsum(rng.normal(0, 0.15, 18)))
        series = rng.poisson(level).astype(float)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = SimpleExpSmoothing(series, initialization_method="estimated").fit(
                smoothing_level=alpha, optimized=True
            )
        ours = smoothed_levels(series[None, :], np.array([alpha]))[0]
        assert ours == pytest.approx(fit.forecast(1)[0], rel=1e-6)


def test_smoothing_by_hand_and_its_near_misses() -> None:
    # [10, 20] at alpha ½: the initial level that makes the one-step errors least is 14
    # (errors −4 and 8), so the level is ½·10 + ½·14 = 12, then ½·20 + ½·12 = 16.
    history = np.array([[10.0, 20.0], [0.0, 0.0], [0.0, 10.0]])
    levels = smoothed_levels(history, np.array([0.5, 0.5, 0.5]))
    assert levels[0] == pytest.approx(16)
    # not the last month (20, naive), nor the mean (15), nor a level started at 10 (15)
    assert levels[0] not in (20, 15)
    # no sales: 0; a series starts at its first month with sales — [0, 10] is [10]
    assert levels[1] == 0
    assert levels[2] == pytest.approx(10)
    leading = smoothed_levels(np.array([[0.0, 0.0, 10.0, 20.0]]), np.array([0.5]))
    assert leading[0] == pytest.approx(16)


def test_wape_weighs_errors_by_what_was_sold() -> None:
    actual, forecast = np.array([100.0, 10.0]), np.array([90.0, 20.0])
    # (10 + 10) ÷ 110, not the mean of 10 % and 100 %
    assert wape(actual, forecast) == pytest.approx(20 / 110)
    assert wape(np.zeros(2), forecast) is None


def test_backtest_holds_the_last_month_out() -> None:
    # flat with noise: the naive forecast repeats the noise, smoothing averages it away
    rng = np.random.default_rng(11)
    history = rng.poisson(50, (60, 24)).astype(float)
    whole, by_family = backtest(history, np.array([0] * 30 + [1] * 30))
    naive = np.abs(history[:, -1] - history[:, -2]).sum() / history[:, -1].sum()
    assert whole.wape_naive == pytest.approx(naive)
    assert whole.months == 23 and whole.series == 60
    assert whole.wape_smoothing < whole.wape_naive
    assert set(by_family) == {0, 1} and by_family[0].series == 30
