"""Each rule names the scorecard columns it reads, and the history the review hands the rules
is built from those names: a rule that reads a column it does not name fails here, not in
a review."""

from __future__ import annotations

import ibis
import pytest

from qudao.analytics.kpis import KPI_BY_ID
from qudao.analytics.models import Scorecard
from qudao.governance.rules import GOVERNANCE_COLUMNS, HISTORY_COLUMNS, RULES, Rule

# What the history holds besides the rules' columns (governance.selectors.rule_history).
KEYS = {"partner": "int64", "period": "string", "step": "int64", "channel_model": "string"}


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_a_rule_evaluates_over_a_history_of_only_what_it_reads(rule: Rule) -> None:
    schema = {**KEYS, "obliged": "boolean", **{column: "float64" for column in rule.reads}}
    history = ibis.table(schema, name="history")
    rule.evaluate(history, rule.defaults)  # an unnamed column raises here
    for column in rule.reads:
        narrower = ibis.table({k: v for k, v in schema.items() if k != column}, name="history")
        with pytest.raises(AttributeError):
            rule.evaluate(narrower, rule.defaults)


def test_the_history_holds_exactly_the_columns_the_rules_read() -> None:
    named = [c for rule in RULES for c in rule.reads if c not in GOVERNANCE_COLUMNS]
    assert set(HISTORY_COLUMNS) == set(named) and len(HISTORY_COLUMNS) == len(set(named))
    fields = {f.name for f in Scorecard._meta.get_fields()}
    for column in HISTORY_COLUMNS:
        assert column in fields, column
        assert column in KPI_BY_ID or column == "revenue_year_ago", column
