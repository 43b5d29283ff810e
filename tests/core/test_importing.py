"""Master-data import: encodings, Excel, mappings, row errors, all-or-nothing, dry runs, upserts."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qudao.core.importing.errors import MappingError, SourceError
from qudao.core.importing.mapping import parse_mapping
from qudao.core.importing.master import import_file, run_master_import
from qudao.core.importing.registry import master_target
from qudao.partners.models import Partner
from qudao.territories.models import Region
from tests.conftest import World

CHINESE_MAPPING = """
target = "partners"
[source]
encoding = "auto"
null_values = ["", "无"]
[columns]
code = "伙伴编码"
name_en = "英文名称"
name_zh = "中文名称"
channel_model = "渠道模式"
home_region = "所在区域"
parent = "上级伙伴"
credit_limit = "信用额度"
joined_on = "加入日期"
[values.channel_model]
"经销商" = "reseller"
"分销商" = "distributor"
"""

HEADER = [
    "伙伴编码",
    "英文名称",
    "中文名称",
    "渠道模式",
    "所在区域",
    "上级伙伴",
    "信用额度",
    "加入日期",
]


def _csv(rows: list[list[str]], encoding: str, header: list[str] = HEADER) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


GOOD_ROWS = [
    [
        "CN-001",
        "Shanghai Bikes",
        "上海单车",
        "分销商",
        "BER",
        "无",
        "￥1,200,000.50",
        "2020年1月5日",
    ],
    ["CN-002", "Pudong Cycles", "浦东车行", "经销商", "DE", "CN-001", "３０００", "2020/2/1"],
]


@pytest.mark.parametrize("encoding", ["gb18030", "gbk", "utf-8", "utf-8-sig"])
def test_chinese_headers_in_any_encoding(world: World, tmp_path: Path, encoding: str) -> None:
    # Given a partner list with Chinese headers, saved by Excel in this encoding
    path = _write(tmp_path, "partners.csv", _csv(GOOD_ROWS, encoding))
    # when it is imported through a mapping
    result = import_file(
        target=master_target("partners"), path=path, mapping=parse_mapping(CHINESE_MAPPING)
    )
    # then both partners exist, the child below the parent defined a row earlier
    assert result.errors == [] and result.created == 2
    parent, child = Partner.objects.get(code="CN-001"), Partner.objects.get(code="CN-002")
    assert parent.name_zh == "上海单车" and parent.channel_model.code == "distributor"
    assert parent.credit_limit == Decimal("1200000.50")
    assert child.parent == parent and child.depth == 2 and child.credit_limit == Decimal("3000")
    assert str(parent.joined_on) == "2020-01-05" and str(child.joined_on) == "2020-02-01"


def test_any_bad_row_rejects_the_whole_file(world: World, tmp_path: Path) -> None:
    rows = GOOD_ROWS + [
        ["CN-003", "", "", "经销商", "BER", "", "", ""],  # missing name
        ["CN-004", "Bad Region", "", "经销商", "NOWHERE", "", "", ""],  # unknown region
        ["CN-005", "Bad Money", "", "经销商", "BER", "", "12,3x", ""],  # not a number
        ["CN-006", "Bad Date", "", "经销商", "BER", "", "", "2020-02-30"],  # no such day
        ["CN-007", "Bad Model", "", "批发", "BER", "", "", ""],  # unknown channel model
        ["CN-008", "Negative", "", "经销商", "BER", "", "-5", ""],  # below minimum
    ]
    path = _write(tmp_path, "partners.csv", _csv(rows, "gb18030"))
    result = import_file(
        target=master_target("partners"), path=path, mapping=parse_mapping(CHINESE_MAPPING)
    )
    # every bad row is reported with its spreadsheet row number, column, value and reason
    found = {(e.row, e.column, e.value) for e in result.errors}
    assert found == {
        (4, "英文名称", ""),
        (5, "所在区域", "NOWHERE"),
        (6, "信用额度", "12,3x"),
        (7, "加入日期", "2020-02-30"),
        (8, "渠道模式", "批发"),
        (9, "信用额度", "-5"),
    }
    assert all(e.reason for e in result.errors)
    # and nothing at all was written, not even the good rows
    assert not Partner.objects.filter(code__startswith="CN-").exists()
    assert result.report_path is not None and result.report_path.exists()
    report = result.report_path.read_text(encoding="utf-8-sig")
    assert report.splitlines()[0] == "row,column,value,reason" and "NOWHERE" in report


def test_errors_are_translated(world: World, tmp_path: Path) -> None:
    from django.utils import translation

    path = _write(tmp_path, "p.csv", _csv([["X", "", "", "经销商", "BER", "", "", ""]], "utf-8"))
    with translation.override("zh-hans"):
        result = import_file(
            target=master_target("partners"), path=path, mapping=parse_mapping(CHINESE_MAPPING)
        )
    assert result.errors[0].reason == "此项必填。"


def test_dry_run_validates_but_writes_nothing(world: World, tmp_path: Path) -> None:
    path = _write(tmp_path, "partners.csv", _csv(GOOD_ROWS, "utf-8"))
    result = import_file(
        target=master_target("partners"),
        path=path,
        mapping=parse_mapping(CHINESE_MAPPING),
        dry_run=True,
    )
    assert result.errors == [] and result.created == 2 and not result.committed
    assert not Partner.objects.filter(code__startswith="CN-").exists()


def test_reimport_is_an_upsert(world: World, tmp_path: Path) -> None:
    mapping = parse_mapping(CHINESE_MAPPING)
    path = _write(tmp_path, "partners.csv", _csv(GOOD_ROWS, "utf-8"))
    import_file(target=master_target("partners"), path=path, mapping=mapping)
    again = import_file(target=master_target("partners"), path=path, mapping=mapping)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    changed = [GOOD_ROWS[0][:2] + ["上海单车集团"] + GOOD_ROWS[0][3:], GOOD_ROWS[1]]
    path = _write(tmp_path, "partners2.csv", _csv(changed, "utf-8"))
    third = import_file(target=master_target("partners"), path=path, mapping=mapping)
    assert (third.created, third.updated, third.unchanged) == (0, 1, 1)
    assert Partner.objects.get(code="CN-001").name_zh == "上海单车集团"


def test_xlsx_with_named_sheet(world: World, tmp_path: Path) -> None:
    path = tmp_path / "regions.xlsx"
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("说明").write(0, 0, "ignore me")
    sheet = book.add_worksheet("区域")
    for r, row in enumerate(
        [["编码", "名称", "上级"], ["HH", "Hamburg", "DE"], [123, "Numeric", "DE"]]
    ):
        sheet.write_row(r, 0, row)
    book.close()
    mapping = parse_mapping(
        'target = "regions"\n[source]\nsheet = "区域"\n'
        '[columns]\ncode = "编码"\nname_en = "名称"\nparent = "上级"\n'
    )
    result = import_file(target=master_target("regions"), path=path, mapping=mapping)
    assert result.errors == [] and result.created == 2
    assert Region.objects.get(code="HH").parent == world.de
    assert Region.objects.get(code="123").depth == 3


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ('target = "partners"\n[columns]\nname_en = "n"\n', "code"),
        (
            'target = "partners"\n[columns]\ncode = "c"\nname_en = "n"\nchannel_model = "m"\n'
            'home_region = "r"\nshoe_size = "s"\n',
            "shoe_size",
        ),
        ('target = "partners"\n[source]\nencoding = "latin-9"\n', "latin-9"),
        ('[columns]\ncode = "c"\n', "target"),
        ('target = "partners"\n[columns\n', "TOML"),
        ('target = "partners"\n[colums]\n', "colums"),
    ],
)
def test_mapping_is_validated_before_any_row_is_read(
    world: World, tmp_path: Path, mapping: str, message: str
) -> None:
    # The file does not even exist: the mapping is refused first.
    with pytest.raises(MappingError, match=message):
        import_file(
            target=master_target("partners"),
            path=tmp_path / "absent.csv",
            mapping=parse_mapping(mapping),
        )


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.csv", b"", "empty"),
        ("latin1.csv", "code,name_en\nX,Caf\xe9\xff".encode("latin-1"), "UTF-8"),
        ("partners.pdf", b"%PDF", "Unsupported"),
        ("broken.xlsx", b"PK\x03\x04 not really a zip", "Excel"),
    ],
)
def test_unreadable_files_are_refused(
    world: World, tmp_path: Path, name: str, data: bytes, message: str
) -> None:
    with pytest.raises(SourceError, match=message):
        import_file(target=master_target("partners"), path=_write(tmp_path, name, data))


def test_missing_mapped_column_is_named(world: World, tmp_path: Path) -> None:
    path = _write(tmp_path, "p.csv", _csv(GOOD_ROWS, "utf-8", header=HEADER[:-1] + ["日期"]))
    with pytest.raises(SourceError, match="加入日期"):
        import_file(
            target=master_target("partners"), path=path, mapping=parse_mapping(CHINESE_MAPPING)
        )


def test_export_reimports_unchanged(world: World, tmp_path: Path) -> None:
    from django.core.management import call_command

    # formula-like text is neutralised in the export and read back as it was
    Partner.objects.filter(pk=world.p_de.pk).update(name_en="=HYPERLINK(1)", notes="@SUM(1)")
    Region.objects.filter(pk=world.de.pk).update(name_zh="-2+3")
    exported = tmp_path / "partners-check.csv"
    call_command("export", "partners", format="csv", output=exported)
    assert "'=HYPERLINK(1)" in exported.read_text(encoding="utf-8-sig")
    for name in ("regions", "partners", "products", "price_list", "targets"):
        out = tmp_path / f"{name}.csv"
        call_command("export", name, format="csv", output=out)
        result = import_file(target=master_target(name), path=out)
        assert result.errors == [] and result.created == result.updated == 0, name
        assert result.unchanged == result.rows_read > 0, name


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cells=st.lists(st.text(max_size=12), min_size=1, max_size=8))
def test_accepted_plus_rejected_rows_equal_rows_read(world: World, cells: list[str]) -> None:
    # Whatever lands in the credit-limit column, every row is either accepted or rejected.
    rows = [
        (
            i + 2,
            {
                "code": f"H{i}",
                "name_en": "n",
                "channel_model": "reseller",
                "home_region": "BER",
                "credit_limit": c,
            },
        )
        for i, c in enumerate(cells)
    ]
    target = master_target("partners")
    from qudao.core.importing.mapping import Mapping

    mapping = Mapping.identity(
        "partners", ["code", "name_en", "channel_model", "home_region", "credit_limit"]
    )
    result = run_master_import(target=target, mapping=mapping, rows=rows, dry_run=True)
    assert result.accepted + len({e.row for e in result.errors}) == result.rows_read == len(cells)


def test_mapping_to_toml_reads_back_the_same(world: World) -> None:
    from pathlib import Path as _Path

    from qudao.core.importing.mapping import load_mapping

    demo = _Path(__file__).resolve().parents[2] / "docs/mappings/adventureworks-sell-in.toml"
    for mapping in (parse_mapping(CHINESE_MAPPING), load_mapping(demo)):
        assert parse_mapping(mapping.to_toml()) == mapping


def test_tab_separated_text_is_read_as_columns() -> None:
    from qudao.core.importing.sources import read_csv

    table = read_csv("代码\t名称, 全称\t区域\nP1\tA, Ltd\tDE\n".encode("gb18030"))
    assert table.headers == ["代码", "名称, 全称", "区域"]
    assert list(table.rows) == [(2, {"代码": "P1", "名称, 全称": "A, Ltd", "区域": "DE"})]
    assert read_csv(b"a,b\n1,2\n").headers == ["a", "b"]


def test_error_reports_neutralise_formulas(world: World, tmp_path: Path) -> None:
    """A rejected cell that a spreadsheet would run comes back inert, in every report."""
    from qudao.facts.services import fact_import

    hostile = ['=HYPERLINK("http://x")', "@SUM(1)", "-2+3"]
    facts = tmp_path / "flow.csv"
    facts.write_text(
        "date,partner,customer,product,quantity,amount,document_id\n"
        + "".join(f"2020-01-0{i + 1},{v},C,BIKE-1,1,1,D{i}\n" for i, v in enumerate(hostile)),
        encoding="utf-8",
    )
    result = fact_import(fact="sell_through", path=facts)
    report = list(csv.reader(io.StringIO(result.report_path.read_text(encoding="utf-8-sig"))))
    values = {row[2] for row in report[1:]}
    assert values == {"'" + v for v in hostile}
    master = tmp_path / "partners.csv"
    master.write_text(
        "code,name_en,channel_model,home_region\n"
        + "".join(f"X{i},n,{v},DE\n" for i, v in enumerate(hostile)),
        encoding="utf-8",
    )
    outcome = import_file(target=master_target("partners"), path=master)
    report = list(csv.reader(io.StringIO(outcome.report_path.read_text(encoding="utf-8-sig"))))
    assert {row[2] for row in report[1:]} == {"'" + v for v in hostile}


TRADITIONAL = (
    "code,name_en,name_zh,channel_model,home_region\nTW-001,Taipei Bikes,自行車店,reseller,DE\n"
)


def test_big5_text_is_read_as_big5_not_garbled(world: World, tmp_path: Path) -> None:
    """Big5 bytes also "decode" as GB18030 — into 「︽ó┍」. They are read as what they
    are, and the dry run says "1 new", with the right name."""
    path = _write(tmp_path, "taipei.csv", TRADITIONAL.encode("big5"))
    dry = import_file(target=master_target("partners"), path=path, dry_run=True)
    assert dry.errors == [] and dry.created == 1 and dry.updated == 0
    import_file(target=master_target("partners"), path=path)
    assert Partner.objects.get(code="TW-001").name_zh == "自行車店"


def test_excel_unicode_text_is_read(world: World, tmp_path: Path) -> None:
    """Excel's "Unicode text": UTF-16 with a byte-order mark, tab-separated."""
    data = TRADITIONAL.replace(",", "\t").encode("utf-16")
    result = import_file(target=master_target("partners"), path=_write(tmp_path, "u.txt", data))
    assert result.errors == [] and result.created == 1
    assert Partner.objects.get(code="TW-001").name_zh == "自行車店"


def test_a_legacy_xls_workbook_is_read(world: World) -> None:
    path = Path(__file__).parent.parent / "fixtures" / "legacy" / "partners.xls"
    result = import_file(target=master_target("partners"), path=path)
    assert result.errors == [] and result.created == 2
    legacy = Partner.objects.get(code="XLS-001")
    assert legacy.name_zh == "旧表格车行" and legacy.credit_limit == Decimal("1200.50")
