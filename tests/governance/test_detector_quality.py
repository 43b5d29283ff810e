"""The detectors against the generator's planted cases (``ground_truth.csv``): they find
every planted case and nothing else — precision and recall 1.0 — and judge every line
(every partner holds its province, every code was shipped, every quarter has stock)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from qudao.facts.generator import generate_channel
from qudao.facts.services import generated_channel_load
from qudao.governance.models import Violation, ViolationType
from qudao.governance.services import violations_detect

pytestmark = pytest.mark.django_db


def test_detectors_find_exactly_the_planted_cases(tmp_path: Path) -> None:
    # two scans of each code not planted (the retailer's, then the consumer's): honest
    # repeats a clone detector must not take for copies
    channel = generate_channel(
        partners=200, lines=20000, seed=3, out=tmp_path / "gen", scans_per_code=2
    )
    generated_channel_load(files=channel.files)
    # buying too recent to compare with a year before: 2023, and 2024 lines of partners
    # whose first order came after the same quarter of 2023
    bought = pl.read_csv(channel.files["sell_in"], try_parse_dates=True).with_columns(
        quarter=pl.col("order_date").dt.year() * 4 + pl.col("order_date").dt.quarter()
    )
    bought = bought.with_columns(first=pl.col("quarter").min().over("partner"))
    recent = bought.filter(pl.col("first") > pl.col("quarter") - 4)
    for year in ("2023", "2024"):
        run = violations_detect(period=year)
        unjudged = run.row_counts["unjudged"]
        # 2023 has no year of buying before it to compare with: that alone is unjudged
        assert {k: v for k, v in unjudged.items() if k != "channel_stuffing:sell_in"} == {
            k: 0 for k in unjudged if k != "channel_stuffing:sell_in"
        }
        too_recent = recent.filter(pl.col("order_date").dt.year() == int(year)).height
        assert unjudged["channel_stuffing:sell_in"] == too_recent
    truth = pl.read_csv(channel.files["ground_truth"])

    def planted(anomaly: str) -> set[str]:
        return set(truth.filter(pl.col("anomaly") == anomaly).get_column("partner"))

    def planted_quarters(anomaly: str) -> set[tuple[str, str]]:
        rows = truth.filter(pl.col("anomaly") == anomaly).select("partner", "period")
        return set(rows.iter_rows())

    def found(kind: ViolationType) -> set[str]:
        return set(Violation.objects.filter(type=kind).values_list("partner__code", flat=True))

    def found_quarters(kind: ViolationType) -> set[tuple[str, str]]:
        return set(Violation.objects.filter(type=kind).values_list("partner__code", "period"))

    assert planted("cross_region") and found(ViolationType.CROSS_REGION_SALE) == planted(
        "cross_region"
    )
    assert planted("below_floor") and found(ViolationType.BELOW_FLOOR) == planted("below_floor")
    assert not found(ViolationType.CROSS_REGION_SHIP)
    for kind in (
        ViolationType.CROSS_REGION_CODE,
        ViolationType.CLONED_CODE,
        ViolationType.CHANNEL_STUFFING,
    ):
        assert planted_quarters(kind.value), kind
        assert found_quarters(kind) == planted_quarters(kind.value), kind
    # one violation per partner and quarter in which it sold outside its province
    homes = pl.read_csv(channel.files["partners"]).select(partner="code", home="home_region")
    flows = pl.read_csv(channel.files["sell_through"], try_parse_dates=True).join(homes, "partner")
    crossing = flows.filter(
        pl.col("customer_region").str.slice(0, 4) != pl.col("home").str.slice(0, 4)
    )
    crossing = crossing.select(
        "partner",
        period=pl.col("date").dt.year().cast(pl.String)
        + "Q"
        + pl.col("date").dt.quarter().cast(pl.String),
    )
    assert found_quarters(ViolationType.CROSS_REGION_SALE) == set(crossing.iter_rows())
    # a code counts once however often it was scanned; its value is its list price
    for violation in Violation.objects.filter(type=ViolationType.CLONED_CODE):
        codes = set(violation.evidence.values_list("code", flat=True))
        assert violation.quantity == len(codes)
        assert violation.value is not None and violation.value > 0
