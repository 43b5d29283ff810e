"""Authorised territories import and export like the other master data (target
``territories``: partner, region, exclusive, valid_from, valid_to; key partner + region +
valid_from), and territory protection holds row by row."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command

from qudao.core.importing.master import import_file
from qudao.core.importing.registry import master_target
from qudao.partners.models import PartnerTerritory
from tests.conftest import World

pytestmark = pytest.mark.django_db

HEADER = "partner,region,exclusive,valid_from,valid_to\n"


def _file(tmp_path: Path, body: str, name: str = "territories.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def _held() -> set[tuple[str, str, bool, date, date | None]]:
    return {
        (t.partner.code, t.region.code, t.exclusive, t.valid_from, t.valid_to)
        for t in PartnerTerritory.objects.select_related("partner", "region")
    }


def test_territories_import_upsert_and_export_round_trip(world: World, tmp_path: Path) -> None:
    path = _file(
        tmp_path,
        "P-DE,DE,yes,2024-01-01,\n"
        "P-US,US,no,2024-01-01,2024-12-31\n"
        "P-DE-SUB,BER,no,2023-01-01,2023-12-31\n",
    )
    result = import_file(target=master_target("territories"), path=path)
    assert result.errors == [] and result.created == 3
    assert _held() == {
        ("P-DE", "DE", True, date(2024, 1, 1), None),
        ("P-US", "US", False, date(2024, 1, 1), date(2024, 12, 31)),
        ("P-DE-SUB", "BER", False, date(2023, 1, 1), date(2023, 12, 31)),
    }
    # the same key updates: P-US's authorisation now runs on, exclusively
    again = import_file(
        target=master_target("territories"),
        path=_file(tmp_path, "P-US,US,yes,2024-01-01,\n", "again.csv"),
    )
    assert (again.created, again.updated) == (0, 1)
    assert ("P-US", "US", True, date(2024, 1, 1), None) in _held()

    exported = tmp_path / "export.csv"
    call_command("export", "territories", format="csv", output=exported)
    lines = exported.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "partner,region,exclusive,valid_from,valid_to"
    assert "P-DE,DE,yes,2024-01-01," in lines
    back = import_file(target=master_target("territories"), path=exported)
    assert back.errors == [] and back.unchanged == back.rows_read == 3


def test_an_overlap_with_an_exclusive_territory_is_a_row_error_and_nothing_is_written(
    world: World, tmp_path: Path
) -> None:
    path = _file(
        tmp_path,
        "P-DE,DE,yes,2024-01-01,\n"
        # Berlin lies inside Germany, which P-DE holds exclusively from 2024
        "P-US,BER,no,2024-06-01,2024-06-30\n"
        "P-US,,no,2024-01-01,\n"
        "P-US,US,maybe,2024-01-01,\n"
        "P-US,US,no,,\n",
    )
    result = import_file(target=master_target("territories"), path=path)
    found = {(e.row, e.column, e.value) for e in result.errors}
    assert (3, "region", "BER") in found
    assert (4, "region", "") in found
    assert (5, "exclusive", "maybe") in found
    assert (6, "valid_from", "") in found
    overlap = next(e for e in result.errors if e.row == 3)
    assert "P-DE" in overlap.reason or "Berlin Bikes" in overlap.reason
    assert PartnerTerritory.objects.count() == 0  # all or nothing


def test_a_manager_imports_territories_only_inside_its_regions(
    world: World, tmp_path: Path
) -> None:
    manager = world.users["manager"]  # Europe
    inside = import_file(
        target=master_target("territories"),
        path=_file(tmp_path, "P-DE,BER,no,2024-01-01,\n"),
        actor=manager,
    )
    assert inside.errors == [] and inside.created == 1
    outside = import_file(
        target=master_target("territories"),
        path=_file(tmp_path, "P-US,US,no,2024-01-01,\n", "us.csv"),
        actor=manager,
    )
    assert [(e.row, e.column) for e in outside.errors] == [(2, "(row)")]
    assert "P-US" in outside.errors[0].reason and not outside.committed
    assert not PartnerTerritory.objects.filter(partner=world.p_us).exists()
    # finance reads only: the file is refused before any row is read
    with pytest.raises(PermissionDenied):
        import_file(
            target=master_target("territories"),
            path=_file(tmp_path, "P-DE,DE,no,2025-01-01,\n", "finance.csv"),
            actor=world.users["finance"],
        )
    assert PartnerTerritory.objects.count() == 1
