"""Mutation check of the KPI formulas: for each KPI family, a near-miss formula — the kind
of slip a reviewer would not see — must make the hand-computed test fail.

Each mutant is one textual change to ``analytics/metrics.py``; the mutated module replaces
the engine's ``partner_kpis`` for one review (with its own SQL-cache key), and
``assert_hand_computed_kpis`` must then raise.
"""

from __future__ import annotations

import types
from pathlib import Path

import pytest

from qudao.analytics import engine, metrics
from tests.analytics.test_review import assert_hand_computed_kpis, channel  # noqa: F401
from tests.conftest import World

pytestmark = pytest.mark.django_db

# (family, the formula as written, the near miss)
MUTANTS = [
    (
        "customers: churn over this period's active customers",
        "churn_rate=_ratio(churned, t.previous_customers)",
        "churn_rate=_ratio(churned, t.active_customers)",
    ),
    (
        "customers: every active customer counted as new",
        "new_customers = when(reported, t.new_customers.coalesce(zero))",
        "new_customers = when(reported, t.active_customers.coalesce(zero))",
    ),
    (
        "revenue: lines at standard cost counted twice",
        "revenue = when(si, t.revenue.coalesce(zero))",
        "revenue = when(si, t.revenue.coalesce(zero) + t.fallback_revenue.coalesce(zero))",
    ),
    (
        "margin: the standard cost of uncosted lines forgotten",
        "margin = when(costed, costed_revenue - t.cost.coalesce(zero)"
        " - t.fallback_cost.coalesce(zero))",
        "margin = when(costed, costed_revenue - t.cost.coalesce(zero))",
    ),
    (
        "growth: year on year against the previous quarter",
        "revenue_growth_yoy=_ratio(revenue, t.ya_revenue) - 1",
        "revenue_growth_yoy=_ratio(revenue, t.prev_revenue) - 1",
    ),
    (
        "growth: change over this quarter instead of the last",
        "revenue_growth_qoq=_ratio(revenue, t.prev_revenue) - 1",
        "revenue_growth_qoq=_ratio(revenue - t.prev_revenue, revenue)",
    ),
    (
        "attainment: sell-through against the target",
        "target_attainment=_ratio(revenue, t.target)",
        "target_attainment=_ratio(t.st_revenue, t.target)",
    ),
    (
        "inventory: turnover over the closing stock, not the average",
        "inventory_turnover=_ratio(t.st_quantity, t.average_stock)",
        "inventory_turnover=_ratio(t.st_quantity, t.inventory_on_hand)",
    ),
    (
        "inventory: days of supply from the average stock",
        "days_of_supply=_ratio(t.inventory_on_hand, daily_flow)",
        "days_of_supply=_ratio(t.average_stock, daily_flow)",
    ),
    (
        "customers: acquisition cost over all active customers",
        "customer_acquisition_cost=_ratio(spend, new_customers)",
        "customer_acquisition_cost=_ratio(spend, t.active_customers)",
    ),
]


def _mutated(original: str, near_miss: str) -> types.ModuleType:
    path = Path(str(metrics.__file__))
    source = path.read_text(encoding="utf-8")
    assert source.count(original) == 1, f"the formula moved: {original}"
    module = types.ModuleType("qudao.analytics.metrics_mutant")
    module.__file__ = str(path)
    code = compile(source.replace(original, near_miss), str(path), "exec")
    exec(code, module.__dict__)  # noqa: S102 - a mutated copy of our own metrics module
    return module


@pytest.mark.parametrize(("family", "original", "near_miss"), MUTANTS, ids=[m[0] for m in MUTANTS])
def test_a_near_miss_formula_fails_the_hand_computation(
    channel: World,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    family: str,
    original: str,
    near_miss: str,
) -> None:
    mutant = _mutated(original, near_miss)
    monkeypatch.setattr(engine, "partner_kpis", mutant.partner_kpis)
    # compiled SQL is cached by the code's digest: the mutant gets its own
    monkeypatch.setattr(engine, "_CODE_DIGEST", f"mutant {family}")
    monkeypatch.setattr(engine, "_COMPILED", {})
    with pytest.raises(AssertionError):
        assert_hand_computed_kpis(channel)


def test_the_harness_passes_the_formulas_as_written(
    channel: World,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The harness itself: the module as written, loaded and cached the same way, passes —
    so each mutant above fails for its formula, not for the loading."""
    original = MUTANTS[0][1]
    monkeypatch.setattr(engine, "partner_kpis", _mutated(original, original).partner_kpis)
    monkeypatch.setattr(engine, "_CODE_DIGEST", "unmutated")
    monkeypatch.setattr(engine, "_COMPILED", {})
    assert_hand_computed_kpis(channel)
