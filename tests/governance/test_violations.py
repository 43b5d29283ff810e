"""Violations found by the detectors, against hand-worked data: which rows, which partner
is injured, quantity and value, what cannot be judged; re-runs add nothing, a revert
withdraws evidence."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command

from qudao.analytics.services import review_run
from qudao.facts.models import Batch
from qudao.facts.services import batch_revert, fact_import
from qudao.governance.models import (
    RiskRuleSetting,
    Severity,
    Violation,
    ViolationEvidence,
    ViolationStatus,
)
from qudao.governance.selectors import violation_list, violations_export
from qudao.governance.services import DETECTOR_DEFAULTS, violations_detect
from qudao.partners.services import partner_territory_create
from tests.conftest import World

pytestmark = pytest.mark.django_db


def _load(tmp_path: Path, fact: str, header: str, *lines: str) -> Batch:
    path = tmp_path / f"{fact}.csv"
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    result = fact_import(fact=fact, path=path)
    assert result.committed, result.errors
    return Batch.objects.filter(fact=fact).latest("pk")


@pytest.fixture
def traded(world: World, tmp_path: Path) -> dict[str, Batch]:
    """P-DE holds Germany (Berlin lies below it), not exclusively; P-US holds the US
    exclusively. The floor price of BIKE-1 is 70 from 2020 (the world's price list)."""
    partner_territory_create(partner=world.p_de, region=world.de, valid_from=date(2019, 1, 1))
    partner_territory_create(
        partner=world.p_us, region=world.us, exclusive=True, valid_from=date(2019, 1, 1)
    )
    sell_through = _load(
        tmp_path,
        "sell_through",
        "date,partner,customer,customer_region,product,quantity,unit_price,amount,document_id",
        "2020-01-10,P-DE,C1,BER,BIKE-1,2,90,180,D1",  # inside: Berlin lies in Germany
        "2020-01-11,P-DE,C2,US,BIKE-1,3,90,270,D2",  # into P-US's exclusive territory
        "2020-02-11,P-DE,C3,EU,BIKE-1,1,90,90,D3",  # Europe is above Germany: outside
        "2020-02-12,P-DE,C4,,BIKE-1,1,90,90,D4",  # no region: not judged
        "2020-02-13,P-DE,C5,DE,BIKE-1,4,60,240,D5",  # 10 below the floor, 4 units
        "2020-02-14,P-DE,C6,DE,BIKE-1,2,,130,D6",  # no unit price: 130 / 2 = 65
        "2019-12-30,P-DE,C7,US,BIKE-1,1,90,90,D7",  # another quarter
        "2020-03-01,P-US,C8,US,BIKE-1,5,50,250,D8",  # 20 below the floor, 5 units
        "2020-01-20,P-DE-SUB,C9,US,BIKE-1,1,90,90,D9",  # holds no territory: not judged
    )
    sell_in = _load(
        tmp_path,
        "sell_in",
        "order_date,order_id,line_no,partner,product,quantity,unit_price,amount,ship_to_region",
        "2020-01-05,O1,1,P-DE,BIKE-1,10,80,800,DE",
        "2020-01-06,O2,1,P-DE,BIKE-1,5,80,400,US",  # shipped into P-US's territory
        "2020-01-07,O3,1,P-US,BIKE-1,2,65,130,",  # no ship-to: not judged for region
    )
    return {"sell_through": sell_through, "sell_in": sell_in}


def _found() -> dict[str, tuple[Decimal, Decimal | None, int, str]]:
    return {
        v.identity: (v.quantity, v.value, v.evidence_count, v.status)
        for v in Violation.objects.all()
    }


EXPECTED = {
    "cross_region_sale|P-DE|P-US|2020Q1": (Decimal(3), Decimal("270.00"), 1, "open"),
    "cross_region_sale|P-DE|-|2020Q1": (Decimal(1), Decimal("90.00"), 1, "open"),
    "cross_region_ship|P-DE|P-US|2020Q1": (Decimal(5), Decimal("400.00"), 1, "open"),
    # (70 − 60) × 4 + (70 − 65) × 2
    "below_floor|P-DE|-|2020Q1": (Decimal(6), Decimal("50.00"), 2, "open"),
    # (70 − 50) × 5 + (70 − 65) × 2, from sell-through and sell-in alike
    "below_floor|P-US|-|2020Q1": (Decimal(7), Decimal("110.00"), 2, "open"),
}


def test_detectors_find_the_worked_cases_and_count_what_they_cannot_judge(
    traded: dict[str, Batch],
) -> None:
    run = violations_detect(period="2020Q1")
    assert _found() == EXPECTED
    assert run.row_counts["unjudged"] == {
        "cross_region_sale:sell_through": 2,  # D4 names no region; P-DE-SUB holds none
        "cross_region_ship:sell_in": 1,
        "below_floor:sell_through": 0,
        "below_floor:sell_in": 0,
        "cross_region_code:code_scan": 0,
        "cloned_code:code_scan": 0,
        # no stock on record for the quarters: P-DE's two lines and P-US's one
        "channel_stuffing:sell_in": 3,
    }
    into_us = Violation.objects.get(identity="cross_region_sale|P-DE|P-US|2020Q1")
    assert into_us.injured_partner.code == "P-US" and into_us.severity == Severity.HIGH
    evidence = into_us.evidence.get()
    # the file's own row: the header is row 1, D2 is on row 3
    assert (evidence.fact, evidence.batch_id, evidence.row) == (
        "sell_through",
        traded["sell_through"].pk,
        3,
    )
    assert (evidence.day, evidence.region, evidence.quantity) == (date(2020, 1, 11), "US", 3)


@pytest.fixture
def scanned(world: World, tmp_path: Path) -> None:
    """Codes K1, K2, K4 shipped to P-DE (holds Germany), K3 to P-US (holds the US
    exclusively); K9 was never shipped. BIKE-1's list price is 100."""
    partner_territory_create(partner=world.p_de, region=world.de, valid_from=date(2019, 1, 1))
    partner_territory_create(
        partner=world.p_us, region=world.us, exclusive=True, valid_from=date(2019, 1, 1)
    )
    _load(
        tmp_path,
        "code_assignment",
        "code,product,partner,shipped_date",
        *(f"{code},BIKE-1,{partner},2020-01-02" for code, partner in
          (("K1", "P-DE"), ("K2", "P-DE"), ("K3", "P-US"), ("K4", "P-DE"))),
    )  # fmt: skip
    _load(
        tmp_path,
        "code_scan",
        "scanned_at,code,region,scan_type",
        "2020-01-10 10:00:00,K1,BER,consumer",  # inside
        "2020-01-10 20:00:00,K1,US,consumer",  # 10 h later in P-US's exclusive US: cloned
        "2020-02-01 09:00:00,K2,EU,consumer",  # Europe is above Germany: outside
        "2020-02-01 12:00:00,K2,DE,consumer",  # Germany lies in Europe: no clone
        *(f"2020-03-0{day} 08:00:00,K3,US,consumer" for day in range(1, 7)),  # the 6th: cloned
        "2020-01-15 08:00:00,K9,DE,consumer",  # never shipped: not judged
        "2020-01-20 08:00:00,K4,,consumer",  # no region: not judged
    )


def test_codes_scanned_outside_the_territory_or_copied_are_found(scanned: None) -> None:
    run = violations_detect(period="2020Q1")
    price = Decimal("100.00")
    assert _found() == {
        "cross_region_code|P-DE|P-US|2020Q1": (Decimal(1), price, 1, "open"),
        "cross_region_code|P-DE|-|2020Q1": (Decimal(1), price, 1, "open"),
        # one code, both its scans the evidence
        "cloned_code|P-DE|-|2020Q1": (Decimal(1), price, 2, "open"),
        # the scan beyond the limit of 5
        "cloned_code|P-US|-|2020Q1": (Decimal(1), price, 1, "open"),
    }
    assert run.row_counts["unjudged"]["cross_region_code:code_scan"] == 2  # K9, K4
    assert run.row_counts["unjudged"]["cloned_code:code_scan"] == 2
    copied = Violation.objects.get(identity="cloned_code|P-DE|-|2020Q1").evidence.all()
    assert [(e.code, e.region, str(e.time)) for e in copied] == [
        ("K1", "BER", "10:00:00"),
        ("K1", "US", "20:00:00"),
    ]
    repeated = Violation.objects.get(identity="cloned_code|P-US|-|2020Q1").evidence.get()
    assert repeated.day == date(2020, 3, 6)


def test_the_clone_window_and_scan_limit_are_settings(scanned: None) -> None:
    RiskRuleSetting.objects.create(rule="cloned_code", parameters={"hours": 8, "max_scans": 6})
    violations_detect(period="2020Q1")
    assert not Violation.objects.filter(type="cloned_code").exists()
    assert Violation.objects.filter(type="cross_region_code").count() == 2


def test_channel_stuffing_needs_a_spike_unsold_stock_and_a_rising_inventory(
    world: World, tmp_path: Path
) -> None:
    """Against the quarter before (periods = 1): P-US buys 100 after 10, sells 5 on, and its
    stock rises: stuffing. P-DE does the same but sells 50 on (100 < 3 × 50): not.
    P-DE-SUB does the same with no stock on record: not judged."""
    RiskRuleSetting.objects.create(rule="channel_stuffing", parameters={"periods": 1})
    lines, sold, stock = [], [], []
    for n, (partner, on) in enumerate((("P-US", 5), ("P-DE", 50), ("P-DE-SUB", 5))):
        lines += [
            f"2019-11-02,O{n}a,1,{partner},BIKE-1,10,80,800,",
            f"2020-03-02,O{n}b,1,{partner},BIKE-1,60,80,4800,",
            f"2020-03-20,O{n}c,1,{partner},BIKE-1,40,80,3200,",
        ]
        sold.append(f"2020-03-25,{partner},C1,,BIKE-1,{on},90,{on * 90},D{n}")
        if partner != "P-DE-SUB":
            stock += [f"2019-12-31,{partner},BIKE-1,10", f"2020-03-31,{partner},BIKE-1,90"]
    header = "order_date,order_id,line_no,partner,product,quantity,unit_price,amount,ship_to_region"
    batch = _load(tmp_path, "sell_in", header, *lines)
    _load(
        tmp_path,
        "sell_through",
        "date,partner,customer,customer_region,product,quantity,unit_price,amount,document_id",
        *sold,
    )
    _load(tmp_path, "inventory", "snapshot_date,partner,product,quantity_on_hand", *stock)
    run = violations_detect(period="2020Q1")
    stuffed = Violation.objects.get(type="channel_stuffing")
    assert (stuffed.identity, stuffed.quantity, stuffed.value) == (
        "channel_stuffing|P-US|-|2020Q1",
        Decimal(100),
        Decimal("8000.00"),
    )
    assert sorted(stuffed.evidence.values_list("batch_id", "row")) == [(batch.pk, 3), (batch.pk, 4)]
    assert run.row_counts["unjudged"]["channel_stuffing:sell_in"] == 2  # P-DE-SUB's 2020 lines


def test_detecting_again_adds_nothing_and_a_revert_withdraws_evidence(
    traded: dict[str, Batch],
) -> None:
    violations_detect(period="2020Q1")
    ids = set(Violation.objects.values_list("pk", flat=True))
    violations_detect(period="2020Q1")
    assert _found() == EXPECTED and set(Violation.objects.values_list("pk", flat=True)) == ids
    assert ViolationEvidence.objects.count() == 7

    batch_revert(batch=traded["sell_in"])
    violations_detect(period="2020Q1")
    found = _found()
    shipped = Violation.objects.get(identity="cross_region_ship|P-DE|P-US|2020Q1")
    assert found[shipped.identity] == (Decimal(0), None, 0, ViolationStatus.CLOSED)
    assert "withdrawn" in shipped.closed_reason
    assert found["below_floor|P-US|-|2020Q1"] == (Decimal(5), Decimal("100.00"), 1, "open")


def test_the_floor_tolerance_is_a_share_of_the_floor(traded: dict[str, Batch]) -> None:
    RiskRuleSetting.objects.create(rule="below_floor", parameters={"tolerance": 0.1})
    violations_detect(period="2020Q1")  # the bar is 63: 60 and 50 are below it, 65 is not
    found = _found()
    assert found["below_floor|P-DE|-|2020Q1"] == (Decimal(4), Decimal("40.00"), 1, "open")
    assert found["below_floor|P-US|-|2020Q1"] == (Decimal(5), Decimal("100.00"), 1, "open")


def test_the_cli_detects_and_the_export_keeps_its_contract(
    traded: dict[str, Batch], tmp_path: Path
) -> None:
    out = StringIO()
    call_command("governance", "detect", "2020Q1", stdout=out)
    assert "2020Q1: 5 violation(s)" in out.getvalue()
    assert (
        "not judged (no region, territory, price, holder or stock on record): "
        "cross_region_sale:sell_through 2, cross_region_ship:sell_in 1, "
        "channel_stuffing:sell_in 3"
    ) in out.getvalue()
    exported = tmp_path / "violations.csv"
    call_command("export", "violations", period="2020Q1", format="csv", output=exported)
    rows = list(csv.DictReader(io.StringIO(exported.read_text(encoding="utf-8-sig"))))
    assert list(rows[0])[:9] == [
        "violation_id",
        "type",
        "partner_code",
        "injured_partner_code",
        "period",
        "quantity",
        "value",
        "evidence_count",
        "status",
    ]
    got = {
        (r["type"], r["partner_code"], r["injured_partner_code"]): (
            r["period"],
            r["quantity"],
            r["value"],
            r["evidence_count"],
            r["status"],
        )
        for r in rows
    }
    assert got == {
        ("cross_region_sale", "P-DE", "P-US"): ("2020Q1", "3", "270.00", "1", "open"),
        ("cross_region_sale", "P-DE", ""): ("2020Q1", "1", "90.00", "1", "open"),
        ("cross_region_ship", "P-DE", "P-US"): ("2020Q1", "5", "400.00", "1", "open"),
        ("below_floor", "P-DE", ""): ("2020Q1", "6", "50.00", "2", "open"),
        ("below_floor", "P-US", ""): ("2020Q1", "7", "110.00", "2", "open"),
    }
    other = tmp_path / "2019.csv"
    call_command("export", "violations", period="2019Q4", format="csv", output=other)
    assert other.read_text(encoding="utf-8-sig").strip().count("\n") == 0  # header only


def test_the_detectors_run_with_every_review_and_only_brand_reviewers_run_them(
    traded: dict[str, Batch], world: World
) -> None:
    run = review_run(period="2020Q1")
    assert run.row_counts["violations"] == 5 and "violations" in run.timings
    assert run.parameters["detectors"] == DETECTOR_DEFAULTS  # recorded: a re-run replays them
    assert _found() == EXPECTED
    before = Violation.objects.count(), ViolationEvidence.objects.count()
    for role in ("finance", "sales", "partner_admin", "no_role"):
        with pytest.raises(PermissionDenied):
            violations_detect(period="2020Q1", actor=world.users[role])
    assert (Violation.objects.count(), ViolationEvidence.objects.count()) == before
    violations_detect(period="2020Q1", actor=world.users["manager"])
    assert _found() == EXPECTED


def test_partner_users_see_only_the_violations_against_them(
    traded: dict[str, Batch], world: World
) -> None:
    violations_detect(period="2020Q1")
    own = violation_list(user=world.users["partner_user"])  # staff of P-DE
    assert {v.partner.code for v in own} == {"P-DE"} and own.count() == 4
    assert violation_list(user=world.users["no_role"]).count() == 0
    columns, rows = violations_export("2020Q1", world.users["partner_admin"])
    assert {row[2] for row in rows} == {"P-DE"}
    # who was injured is the brand's to know: the offender reads only that someone was
    injured = columns.index("injured_partner_code")
    assert {row[injured] for row in rows} == {""}
    _columns, rows = violations_export("2020Q1", world.users["director"])
    assert {row[injured] for row in rows} == {"", "P-US"}


def test_the_cli_refuses_a_bad_period_an_unknown_user_and_a_reader(
    traded: dict[str, Batch],
) -> None:
    for args, says in (
        (["2020Q5"], "2020Q5"),
        (["2020Q1", "--user", "nobody"], "no user 'nobody'"),
        (["2020Q1", "--user", "finance"], "may not"),
    ):
        with pytest.raises(CommandError, match=says):
            call_command("governance", "detect", *args)
    assert not Violation.objects.exists()
