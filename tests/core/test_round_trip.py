"""Every master-data target, exported as CSV and as Excel, re-imports unchanged: the dry
run of its own export finds every row "unchanged" and nothing new, updated or rejected —
what a clerk relies on when they fix a few cells in an export and import it back."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from qudao.core.importing.master import import_file
from qudao.core.importing.registry import master_target, master_targets
from tests.factories import make_user


@pytest.fixture
def channel(db: object, tmp_path: Path) -> None:
    from qudao.partners.seeds import reference_data_ensure

    reference_data_ensure()
    call_command(
        "generate", "--partners", "12", "--lines", "300", "--out", str(tmp_path / "data"),
        "--load", stdout=StringIO(), stderr=StringIO(),
    )  # fmt: skip
    # the generator makes no segments: two, one with a formula-like name (kept as it was)
    segments = tmp_path / "segments.csv"
    segments.write_text(
        "code,name_en,name_zh,kind\nEDU,Education,教育,industry\n"
        "PRO,=Pro riders,专业车手,customer_group\n",
        encoding="utf-8",
    )
    assert import_file(target=master_target("segments"), path=segments).created == 2
    # nor any market potential: one with both figures, one with outlets only
    from qudao.territories.models import Region

    first, second = Region.objects.order_by("code").values_list("code", flat=True)[:2]
    potential = tmp_path / "potential.csv"
    potential.write_text(
        "region,period,potential_amount,potential_outlets,source\n"
        f"{first},2024,1250000.50,120,market study\n{second},2024Q3,,35,\n",
        encoding="utf-8",
    )
    assert import_file(target=master_target("region_potential"), path=potential).created == 2
    # nor direct accounts: one with everything (a lower-case tax id, stored upper), one bare
    make_user("rep", "sales")
    accounts = tmp_path / "accounts.csv"
    accounts.write_text(
        "customer_name,tax_id,region,owner\n"
        f"深圳市万科企业股份有限公司,91440300708461136t,{first},rep\n"
        '"Fabrikam, Inc.",,,\n',
        encoding="utf-8",
    )
    assert import_file(target=master_target("direct_accounts"), path=accounts).created == 2


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("name", sorted(master_targets()))
def test_an_export_reimports_unchanged(channel: None, tmp_path: Path, name: str, fmt: str) -> None:
    target = master_target(name)
    rows = target.export_queryset().count()
    assert rows > 0, f"the generated channel has no {name}"
    path = tmp_path / f"{name}.{fmt}"
    call_command("export", name, "--format", fmt, "-o", str(path), stderr=StringIO())
    result = import_file(target=target, path=path, dry_run=True)
    assert result.errors == [], [(e.row, e.column, e.value, e.reason) for e in result.errors[:3]]
    assert (result.created, result.updated, result.unchanged) == (0, 0, rows)
