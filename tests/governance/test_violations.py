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
from qudao.governance.services import violations_detect
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
    assert "3 line(s) could not be judged" in out.getvalue()
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
    assert run.parameters["detectors"] == {"below_floor": {"tolerance": 0.0}}
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
