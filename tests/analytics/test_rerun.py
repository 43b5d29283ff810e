"""Same inputs, same figures: a run keeps the master data it read, and ``qudao review
--rerun`` makes byte-identical exports from it after that master data changed."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from qudao.analytics.kpis import KPI_VERSION
from qudao.analytics.models import GradingModel, ReviewRun, RunStatus
from qudao.analytics.services import review_run
from qudao.catalog.models import Product
from qudao.facts.services import fact_import
from qudao.governance.models import RiskRuleSetting
from qudao.partners.models import ChannelModel, Grade, Target
from tests.analytics.test_review import channel  # noqa: F401 - the fixture
from tests.conftest import World


def _export(tmp_path: Path, name: str) -> bytes:
    target = tmp_path / f"{name}.csv"
    call_command(
        "export", "scorecards", period="2020Q1", format="csv", output=target, stderr=StringIO()
    )
    return target.read_bytes()


def _change_every_input(world: World) -> None:
    """Edit each kind of master data and setting the review reads."""
    Target.objects.filter(partner=world.p_de).update(amount=Decimal("4000"))
    world.p_us.channel_model = ChannelModel.objects.exclude(pk=world.p_us.channel_model_id)[0]
    world.p_us.save()
    world.p_de.grade = Grade.objects.order_by("-pk")[0]
    world.p_de.save()
    Product.objects.filter(pk=world.product.pk).update(standard_cost=Decimal("99"))
    model = GradingModel.objects.get(is_active=True)
    model.weights = {"revenue": 1.0}
    model.save()
    RiskRuleSetting.objects.update_or_create(
        rule="target_missed",
        defaults={"enabled": True, "parameters": {"periods": 1, "below": 0.01}},
    )


def test_rerun_after_master_data_changed_gives_byte_identical_exports(
    channel: World,  # noqa: F811
    tmp_path: Path,
) -> None:
    first = review_run(period="2020Q1")
    original = _export(tmp_path, "original")
    assert set(first.input_snapshots) >= {"partners", "products", "targets", "rules.history"}
    # two runs on the same inputs: the same bytes
    review_run(period="2020Q1")
    assert _export(tmp_path, "same-inputs") == original

    _change_every_input(channel)
    fresh = review_run(period="2020Q1")
    changed = _export(tmp_path, "changed")
    assert changed != original  # the changes matter to a new review
    assert fresh.input_snapshots["targets"] != first.input_snapshots["targets"]

    out = StringIO()
    call_command("review", rerun=first.pk, stdout=out, stderr=StringIO())
    again = ReviewRun.objects.get(rerun_of=first)
    assert f"again from run {first.pk}" in out.getvalue()
    assert again.status == RunStatus.CURRENT
    assert _export(tmp_path, "rerun") == original
    assert again.input_snapshots == first.input_snapshots
    assert again.parameters == first.parameters


def test_a_rerun_is_refused_when_facts_or_definitions_changed(
    channel: World,  # noqa: F811
    tmp_path: Path,
) -> None:
    first = review_run(period="2020Q1")
    extra = tmp_path / "more.csv"
    extra.write_text(
        "order_date,order_id,line_no,partner,product,quantity,amount,cost\n"
        "2020-03-20,O9,1,P-DE,BIKE-1,1,100,60\n",
        encoding="utf-8",
    )
    batch = fact_import(fact="sell_in", path=extra).batch
    with pytest.raises(CommandError, match=rf"batches added: #{batch.pk}"):
        call_command("review", rerun=first.pk, stdout=StringIO(), stderr=StringIO())
    ReviewRun.objects.filter(pk=first.pk).update(kpi_version="1999.01-1")
    with pytest.raises(CommandError, match=f"this installation has {KPI_VERSION}"):
        call_command("review", rerun=first.pk, stdout=StringIO(), stderr=StringIO())
    with pytest.raises(CommandError, match="no review run"):
        call_command("review", rerun=99999, stdout=StringIO(), stderr=StringIO())
    assert not ReviewRun.objects.filter(rerun_of=first).exists()
