"""Mutation check of the KPI formulas: for each KPI family, a near-miss formula — the kind
of slip a reviewer would not see — must make the hand-computed test fail.

Each mutant is one textual change to a KPI's ``compute`` in the dictionary
(``analytics/kpis.py``); the mutated dictionary replaces the one the metrics read for one
review (with its own SQL-cache key), and ``assert_hand_computed_kpis`` must then raise.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from qudao.analytics import engine, kpis, metrics
from tests.analytics.test_review import assert_hand_computed_kpis, channel  # noqa: F401
from tests.conftest import World

pytestmark = pytest.mark.django_db

# (family, the formula as written, the near miss)
MUTANTS = [
    (
        "customers: churn over this period's active customers",
        'm.ratio(m.kpi("churned_customers"), m.t.previous_customers)',
        'm.ratio(m.kpi("churned_customers"), m.t.active_customers)',
    ),
    (
        "customers: every active customer counted as new",
        "m.when(m.reported, m.t.new_customers.coalesce(m.zero))",
        "m.when(m.reported, m.t.active_customers.coalesce(m.zero))",
    ),
    (
        "revenue: lines at standard cost counted twice",
        "m.when(m.sold, m.t.revenue.coalesce(m.zero))",
        "m.when(m.sold, m.t.revenue.coalesce(m.zero) + m.t.fallback_revenue.coalesce(m.zero))",
    ),
    (
        "margin: the standard cost of uncosted lines forgotten",
        "m.costed_revenue - m.t.cost.coalesce(m.zero) - m.t.fallback_cost.coalesce(m.zero),",
        "m.costed_revenue - m.t.cost.coalesce(m.zero),",
    ),
    (
        "growth: year on year against the previous quarter",
        'm.ratio(m.kpi("revenue"), m.t.ya_revenue) - 1',
        'm.ratio(m.kpi("revenue"), m.t.prev_revenue) - 1',
    ),
    (
        "growth: change over this quarter instead of the last",
        'm.ratio(m.kpi("revenue"), m.t.prev_revenue) - 1',
        'm.ratio(m.kpi("revenue") - m.t.prev_revenue, m.kpi("revenue"))',
    ),
    (
        "attainment: sell-through against the target",
        'm.ratio(m.kpi("revenue"), m.t.target)',
        "m.ratio(m.t.st_revenue, m.t.target)",
    ),
    (
        "inventory: turnover over the closing stock, not the average",
        "m.ratio(m.t.st_quantity, m.t.average_stock)",
        "m.ratio(m.t.st_quantity, m.t.inventory_on_hand)",
    ),
    (
        "inventory: days of supply from the average stock",
        "m.ratio(m.t.inventory_on_hand, m.ratio(m.t.st_quantity, m.t.days))",
        "m.ratio(m.t.average_stock, m.ratio(m.t.st_quantity, m.t.days))",
    ),
    (
        "customers: acquisition cost over all active customers",
        'm.ratio(m.kpi("marketing_spend"), m.kpi("new_customers"))',
        'm.ratio(m.kpi("marketing_spend"), m.t.active_customers)',
    ),
]


def _mutated(original: str, near_miss: str, monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    path = Path(str(kpis.__file__))
    source = path.read_text(encoding="utf-8")
    assert source.count(original) == 1, f"the formula moved: {original}"
    module = types.ModuleType("qudao.analytics.kpis_mutant")
    module.__file__ = str(path)
    monkeypatch.setitem(sys.modules, module.__name__, module)  # dataclasses look it up
    code = compile(source.replace(original, near_miss), str(path), "exec")
    exec(code, module.__dict__)  # noqa: S102 - a mutated copy of our own KPI dictionary
    return module


@pytest.mark.parametrize(("family", "original", "near_miss"), MUTANTS, ids=[m[0] for m in MUTANTS])
def test_a_near_miss_formula_fails_the_hand_computation(
    channel: World,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    family: str,
    original: str,
    near_miss: str,
) -> None:
    mutant = _mutated(original, near_miss, monkeypatch)
    monkeypatch.setattr(metrics, "KPIS", mutant.KPIS)
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
    monkeypatch.setattr(metrics, "KPIS", _mutated(original, original, monkeypatch).KPIS)
    monkeypatch.setattr(engine, "_CODE_DIGEST", "unmutated")
    monkeypatch.setattr(engine, "_COMPILED", {})
    assert_hand_computed_kpis(channel)
