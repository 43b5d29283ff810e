"""Master data imported from the browser: check (a dry run read row by row), commit, undo —
the same engine as ``qudao import``, the same rules for every role."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from qudao.facts.choices import MasterImportStatus
from qudao.facts.models import MasterImport, SavedMapping
from qudao.facts.services import master_import_check, master_import_commit, master_import_undo
from qudao.partners.models import Partner, PartnerTerritory
from qudao.partners.services import partner_update
from qudao.territories.models import Region
from tests.conftest import World

# Chinese headers (a clerk's own sheet): one new partner, one renamed, one as it is.
PARTNERS_CSV = (
    "编码,英文名称,渠道模式,所在区域,授信额度\n"
    "P-NEW,New Wheels,reseller,DE,1000.50\n"
    "P-DE,Berlin Bikes GmbH,reseller,BER,\n"
    "P-US,Austin Cycles,reseller,US,\n"
)
MATCHES = {
    "col_code": "编码",
    "col_name_en": "英文名称",
    "col_channel_model": "渠道模式",
    "col_home_region": "所在区域",
    "col_credit_limit": "授信额度",
}
MAPPING = """target = "partners"
[columns]
code = "编码"
name_en = "英文名称"
channel_model = "渠道模式"
home_region = "所在区域"
credit_limit = "授信额度"
"""


def _file(text: str = PARTNERS_CSV, name: str = "partners.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"))


def _partners() -> dict[str, tuple[str, Decimal | None]]:
    return {p.code: (p.name_en, p.credit_limit) for p in Partner.objects.all()}


def test_a_check_writes_nothing_and_says_what_each_row_would_do(world: World) -> None:
    before = _partners()
    record = master_import_check(
        target="partners", uploaded=_file(), mapping_toml=MAPPING, actor=world.users["director"]
    )
    assert record.status == MasterImportStatus.CHECKED
    assert (record.rows_new, record.rows_updated, record.rows_unchanged) == (1, 1, 1)
    assert _partners() == before
    by_row = {o["row"]: o for o in record.outcomes}
    assert by_row[2]["outcome"] == "new" and by_row[2]["key"] == "P-NEW"
    assert by_row[3]["before"]["name_en"] == "Berlin Bikes"
    assert by_row[3]["after"]["name_en"] == "Berlin Bikes GmbH"


def test_commit_then_undo_puts_every_record_back(world: World) -> None:
    director = world.users["director"]
    before = _partners()
    record = master_import_check(
        target="partners", uploaded=_file(), mapping_toml=MAPPING, actor=director
    )
    master_import_commit(record=record, actor=director)
    assert record.status == MasterImportStatus.COMMITTED
    assert Partner.objects.get(code="P-NEW").credit_limit == Decimal("1000.50")
    assert Partner.objects.get(code="P-DE").name_en == "Berlin Bikes GmbH"

    master_import_undo(record=record, actor=director)
    assert _partners() == before
    assert record.status == MasterImportStatus.UNDONE and record.undone_by == director
    # audited: the rename and its undo are in the partner's history, by the director
    history = Partner.history.filter(code="P-DE").order_by("history_date")
    assert [h.name_en for h in history][-2:] == ["Berlin Bikes GmbH", "Berlin Bikes"]
    assert history.last().history_user == director
    assert Partner.history.filter(code="P-NEW", history_type="-").exists()


def test_undo_is_refused_when_a_record_changed_since_and_nothing_moves(world: World) -> None:
    director = world.users["director"]
    record = master_import_check(
        target="partners", uploaded=_file(), mapping_toml=MAPPING, actor=director
    )
    master_import_commit(record=record, actor=director)
    partner_update(
        partner=Partner.objects.get(code="P-DE"), name_en="Berlin Bikes AG", actor=director
    )
    with pytest.raises(ValidationError, match="P-DE"):
        master_import_undo(record=record, actor=director)
    assert Partner.objects.get(code="P-DE").name_en == "Berlin Bikes AG"
    assert Partner.objects.filter(code="P-NEW").exists()
    record.refresh_from_db()
    assert record.status == MasterImportStatus.COMMITTED


def test_undo_is_refused_while_a_new_record_is_in_use(world: World) -> None:
    director = world.users["director"]
    record = master_import_check(
        target="partners", uploaded=_file(), mapping_toml=MAPPING, actor=director
    )
    master_import_commit(record=record, actor=director)
    new = Partner.objects.get(code="P-NEW")
    PartnerTerritory.objects.create(partner=new, region=world.de, valid_from="2024-01-01")
    with pytest.raises(ValidationError, match="P-NEW"):
        master_import_undo(record=record, actor=director)
    assert Partner.objects.get(code="P-DE").name_en == "Berlin Bikes GmbH"  # all or nothing


def test_only_the_latest_import_of_a_kind_is_undone(world: World) -> None:
    director = world.users["director"]
    first = master_import_check(
        target="partners", uploaded=_file(), mapping_toml=MAPPING, actor=director
    )
    master_import_commit(record=first, actor=director)
    second = master_import_check(
        target="partners",
        uploaded=_file(PARTNERS_CSV.replace("New Wheels", "Newer Wheels")),
        mapping_toml=MAPPING,
        actor=director,
    )
    master_import_commit(record=second, actor=director)
    with pytest.raises(ValidationError):
        master_import_undo(record=first, actor=director)
    master_import_undo(record=second, actor=director)
    assert Partner.objects.get(code="P-NEW").name_en == "New Wheels"
    master_import_undo(record=first, actor=director)  # now the latest committed
    assert not Partner.objects.filter(code="P-NEW").exists()


def test_a_region_tree_is_undone_children_first(world: World) -> None:
    director = world.users["director"]
    csv = "code,name_en,kind,parent\nSEA,South-East Asia,group,\nSG,Singapore,country,SEA\n"
    record = master_import_check(
        target="regions", uploaded=_file(csv, "regions.csv"), mapping_toml="", actor=director
    )
    assert record.rows_new == 2
    master_import_commit(record=record, actor=director)
    assert Region.objects.get(code="SG").parent.code == "SEA"
    master_import_undo(record=record, actor=director)
    assert not Region.objects.filter(code__in=["SEA", "SG"]).exists()


@pytest.mark.parametrize("role", ["finance", "sales", "partner_admin", "partner_user", "no_role"])
def test_roles_that_change_no_partners_are_refused_the_file(world: World, role: str) -> None:
    with pytest.raises(PermissionDenied):
        master_import_check(
            target="partners", uploaded=_file(), mapping_toml=MAPPING, actor=world.users[role]
        )
    assert not MasterImport.objects.exists()


def test_a_managers_row_outside_its_regions_is_rejected_and_nothing_is_written(
    world: World,
) -> None:
    manager = world.users["manager"]  # manages EU: P-US is not theirs to rename
    before = _partners()
    renamed = PARTNERS_CSV.replace("Austin Cycles", "Austin Cycles LLC")
    record = master_import_check(
        target="partners", uploaded=_file(renamed), mapping_toml=MAPPING, actor=manager
    )
    assert record.status == MasterImportStatus.REJECTED
    assert [e[0] for e in record.errors] == [4]  # the P-US row
    with pytest.raises(ValidationError):
        master_import_commit(record=record, actor=manager)
    assert _partners() == before


def test_a_commit_rechecks_rows_that_changed_meanwhile(world: World) -> None:
    director = world.users["director"]
    record = master_import_check(
        target="partners", uploaded=_file(), mapping_toml=MAPPING, actor=director
    )
    Region.objects.filter(code="BER").update(code="BER-OLD")  # the row's region went away
    master_import_commit(record=record, actor=director)
    assert record.status == MasterImportStatus.REJECTED
    assert any("BER" in e[2] for e in record.errors)
    assert not Partner.objects.filter(code="P-NEW").exists()


def test_the_browser_flow_matches_columns_checks_commits_and_undoes(world: World) -> None:
    client = Client()
    client.force_login(world.users["director"])
    preview = client.post(
        reverse("facts:master_import_preview"), {"target": "partners", "file": _file()}
    )
    assert preview.status_code == 200
    page = preview.content.decode()
    assert 'name="col_code"' in page and "编码" in page

    response = client.post(
        reverse("facts:master_import_new"),
        {"target": "partners", "file": _file(), "save_as": "Clerk sheet", **MATCHES},
    )
    record = MasterImport.objects.get()
    assert response.status_code == 302 and response["Location"] == record.get_absolute_url()
    saved = SavedMapping.objects.get(name="Clerk sheet")
    assert saved.fact == "partners" and 'code = "编码"' in saved.toml

    detail = client.get(record.get_absolute_url()).content.decode()
    assert 'data-outcome="new"' in detail and "Berlin Bikes GmbH" in detail
    assert 'data-action="commit"' in detail

    client.post(reverse("facts:master_import_commit", args=[record.pk]))
    assert Partner.objects.filter(code="P-NEW").exists()
    assert 'data-action="undo"' in client.get(record.get_absolute_url()).content.decode()
    client.post(reverse("facts:master_import_undo", args=[record.pk]))
    assert not Partner.objects.filter(code="P-NEW").exists()

    # the saved mapping is offered for partners files only
    form_page = client.get(reverse("facts:master_import_new")).content.decode()
    assert 'data-fact="partners"' in form_page


def test_a_file_too_large_is_refused_before_it_is_read(world: World) -> None:
    big = SimpleUploadedFile("partners.csv", b"code,name_en\n" + b"x" * 20_000_001)
    with pytest.raises(ValidationError, match="20 MB"):
        master_import_check(
            target="partners", uploaded=big, mapping_toml="", actor=world.users["director"]
        )
    assert not MasterImport.objects.exists()
