"""The KPI dictionary is the source: the Scorecard model has exactly its KPIs, in its order,
sized by unit, and no migration is missing; the table, export, API and benchmark take
their KPI lists from it."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from bench import review as bench_review
from django.core.management import call_command

from qudao.analytics.api import ScorecardOut
from qudao.analytics.kpis import KPIS
from qudao.analytics.models import Scorecard, kpi_field
from qudao.analytics.selectors import EXPORT_COLUMNS, EXPORT_LEADING
from qudao.analytics.tables import SCORECARD_KPIS


def test_the_scorecard_model_holds_exactly_the_dictionarys_kpis() -> None:
    ids = [k.id for k in KPIS]
    stored = [f.name for f in Scorecard._meta.get_fields() if f.name in ids]
    assert stored == ids  # every KPI, in the dictionary's order
    for kpi in KPIS:
        expected = kpi_field(kpi.id)
        field = Scorecard._meta.get_field(kpi.id)
        assert type(field) is type(expected), kpi.id
        assert getattr(field, "decimal_places", None) == getattr(
            expected, "decimal_places", None
        ), kpi.id


def test_the_table_export_api_and_bench_take_every_kpi_once_in_the_dictionarys_order() -> None:
    ids = [k.id for k in KPIS]
    headline = [k.id for k in KPIS if k.headline]
    assert list(SCORECARD_KPIS) == headline + [i for i in ids if i not in headline]
    # the export contract's leading columns, then the other KPIs in dictionary order
    kpi_columns = [c for c in EXPORT_COLUMNS if c in ids]
    assert sorted(kpi_columns) == sorted(ids) and len(kpi_columns) == len(ids)
    tail = EXPORT_COLUMNS[len(EXPORT_LEADING) :]
    assert tail == [i for i in ids if i not in EXPORT_LEADING]
    assert list(ScorecardOut.resolve_kpis(_Card())) == ids
    assert [i for i in ids if i not in bench_review.BASELINES_LACK] == bench_review.KPI_COLUMNS


def test_every_kpi_has_a_formula_that_names_only_kpis_and_measures() -> None:
    """``compute`` asks for other KPIs by id; an unknown id would fail only in a review."""
    asked: list[str] = []

    class Recorder:
        def __getattr__(self, name: str) -> Any:
            return _Anything()

        def kpi(self, kpi_id: str) -> Any:
            asked.append(kpi_id)
            return _Anything()

    for kpi in KPIS:
        kpi.compute(Recorder())  # type: ignore[arg-type]
    assert asked and set(asked) <= {k.id for k in KPIS}


class _Anything:
    """Stands for any Ibis value: every operation gives another."""

    def __getattr__(self, name: str) -> _Anything:
        return _Anything()

    def __call__(self, *args: Any, **kwargs: Any) -> _Anything:
        return _Anything()

    def __sub__(self, other: Any) -> _Anything:
        return _Anything()

    __add__ = __rsub__ = __or__ = __and__ = __sub__


class _Card:
    def __getattr__(self, name: str) -> None:
        return None


@pytest.mark.django_db
def test_no_migration_is_missing() -> None:
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()
