from __future__ import annotations

import hashlib
from io import StringIO
from pathlib import Path

import polars as pl
import pytest
from django.core.management import call_command

from qudao.facts.generator import generate_channel
from qudao.facts.store import fact_table
from qudao.partners.models import Partner


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    a = generate_channel(partners=60, lines=3000, seed=7, out=tmp_path / "a")
    b = generate_channel(partners=60, lines=3000, seed=7, out=tmp_path / "b")
    c = generate_channel(partners=60, lines=3000, seed=8, out=tmp_path / "c")
    assert {k: _digest(p) for k, p in a.files.items()} == {
        k: _digest(p) for k, p in b.files.items()
    }
    assert _digest(a.files["sell_through"]) != _digest(c.files["sell_through"])


def test_planted_anomalies_are_in_the_data(tmp_path: Path) -> None:
    channel = generate_channel(partners=200, lines=20000, seed=3, out=tmp_path)
    truth = pl.read_csv(channel.files["ground_truth"])
    assert set(truth.get_column("anomaly")) == {
        "cross_region",
        "below_floor",
        "channel_stuffing",
        "cross_region_code",
        "cloned_code",
        "chronic_target_miss",
        "declining",
        "churning",
        "silent",
    }
    flows = pl.read_csv(channel.files["sell_through"])
    partners = pl.read_csv(channel.files["partners"]).select("code", "home_region")
    moved = (
        flows.join(partners, left_on="partner", right_on="code")
        .with_columns(
            (
                pl.col("customer_region").str.slice(0, 4) != pl.col("home_region").str.slice(0, 4)
            ).alias("elsewhere")
        )
        .group_by("partner")
        .agg(pl.col("elsewhere").mean())
    )
    crossers = set(truth.filter(pl.col("anomaly") == "cross_region").get_column("partner"))
    flagged = set(moved.filter(pl.col("elsewhere") > 0).get_column("partner"))
    assert flagged == crossers  # exactly the planted ones sell across provinces
    prices = pl.read_csv(channel.files["price_list"]).select("product", "floor_price")
    below = set(
        flows.join(prices, on="product")
        .filter(pl.col("unit_price") < pl.col("floor_price"))
        .get_column("partner")
    )
    assert below == set(truth.filter(pl.col("anomaly") == "below_floor").get_column("partner"))

    def planted(anomaly: str) -> set[str]:
        return set(truth.filter(pl.col("anomaly") == anomaly).get_column("partner"))

    flows = flows.with_columns(pl.col("date").str.to_date(), pl.col("partner"))
    in_2024 = pl.col("date").dt.year() == 2024
    # silent partners send nothing for 2024; everyone else does
    reporting = set(flows.filter(in_2024).get_column("partner"))
    assert planted("silent") and not planted("silent") & reporting
    # decliners buy far less in 2024 than in 2023; the others about as much
    bought = pl.read_csv(channel.files["sell_in"], try_parse_dates=True)
    yearly = bought.group_by("partner").agg(
        (pl.col("amount").filter(pl.col("order_date").dt.year() == 2024).sum()
         / pl.col("amount").filter(pl.col("order_date").dt.year() == 2023).sum()).alias("ratio")
    )  # fmt: skip
    low = set(yearly.filter(pl.col("ratio") < 0.45).get_column("partner"))
    assert planted("declining") <= low
    others = yearly.filter(~pl.col("partner").is_in(list(planted("declining"))))
    assert 0.8 < others.get_column("ratio").median() < 1.25  # ordinary partners hold steady
    # churners' customers never buy in two different quarters
    quarters = flows.group_by("partner", "customer").agg(
        pl.col("date").dt.quarter().n_unique().alias("q")
    )
    repeat = set(quarters.filter(pl.col("q") > 1).get_column("partner"))
    assert planted("churning") and not planted("churning") & repeat


@pytest.mark.django_db
def test_generate_and_load(tmp_path: Path) -> None:
    out = StringIO()
    call_command(
        "generate",
        partners=40,
        lines=2000,
        seed=2,
        out=tmp_path,
        load=True,
        stdout=out,
        stderr=StringIO(),
    )
    assert "40 partners" in out.getvalue()
    assert Partner.objects.filter(code__startswith="G").count() == 40
    assert Partner.objects.filter(depth=3).exists()  # three tiers
    assert fact_table("sell_through").count().execute() == 2000
    for fact in (
        "sell_in",
        "inventory",
        "code_assignment",
        "code_scan",
        "marketing_spend",
        "receivable",
    ):
        assert fact_table(fact).count().execute() > 0, fact
