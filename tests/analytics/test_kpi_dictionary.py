"""The KPI dictionary is the source: the Scorecard model has exactly its KPIs, in its order,
sized by unit, and no migration is missing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from qudao.analytics.kpis import KPIS
from qudao.analytics.models import Scorecard, kpi_field
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


def test_the_scorecard_table_shows_every_kpi_once() -> None:
    assert sorted(SCORECARD_KPIS) == sorted(k.id for k in KPIS)


@pytest.mark.django_db
def test_no_migration_is_missing() -> None:
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()
