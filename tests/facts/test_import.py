"""Fact import: sources, parsing, errors, modes, duplicates, the store's visibility rules."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import polars as pl
import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qudao.core.importing.errors import MappingError, SourceError
from qudao.core.importing.mapping import parse_mapping
from qudao.facts.choices import BatchStatus
from qudao.facts.models import Batch
from qudao.facts.services import DuplicateBatchError, batch_revert, fact_import
from qudao.facts.store import committed_files, fact_table
from tests.conftest import World

CN_MAPPING = """
target = "sell_through"
[source]
null_values = ["", "无"]
[columns]
date = "日期"
partner = "经销商编码"
customer = "客户"
customer_region = "客户区域"
product = "产品编码"
quantity = "数量"
unit_price = "单价"
amount = "金额"
document_id = "单据号"
"""
CN_HEADER = ["日期", "经销商编码", "客户", "客户区域", "产品编码", "数量", "单价", "金额", "单据号"]


def _csv(
    tmp_path: Path,
    rows: list[list[str]],
    *,
    header: list[str] = CN_HEADER,
    encoding: str = "gb18030",
    name: str = "flow.csv",
) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    path = tmp_path / name
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def _rows(fact: str) -> pl.DataFrame:
    return fact_table(fact).to_polars().sort(by=fact_table(fact).columns)


GOOD = [
    ["2020-01-05", "P-DE", "C001", "BER", "BIKE-1", "2", "￥1,200.50", "2,401.00", "D1"],
    ["2020/1/6", "P-DE", "C002", "无", "BIKE-1", "３", "100", "300", "D2"],
    ["2020年1月7日", "P-DE-SUB", "C003", "DE", "BIKE-1", "-1", "100", "-100", "D3"],
    ["43838", "P-DE", "C004", "", "BIKE-1", "1.5", "10%", "0.15", "D4"],
]


def test_chinese_gbk_file_reads_back_exactly(world: World, tmp_path: Path) -> None:
    # Given a GBK sell-through report with Chinese headers and Chinese number habits
    path = _csv(tmp_path, GOOD)
    # when it is imported
    result = fact_import(
        fact="sell_through",
        path=path,
        mapping=parse_mapping(CN_MAPPING),
        actor=world.users["director"],
    )
    # then it is one committed batch with every row, read back with exact values
    assert result.committed and result.rows_accepted == 4 and result.rows_rejected == 0
    batch = result.batch
    assert (batch.first_date, batch.last_date) == (date(2020, 1, 5), date(2020, 1, 8))
    rows = fact_table("sell_through").to_polars().sort("document_id")
    assert rows.get_column("date").to_list() == [
        date(2020, 1, 5),
        date(2020, 1, 6),
        date(2020, 1, 7),
        date(2020, 1, 8),
    ]
    assert rows.get_column("unit_price").to_list() == [
        Decimal("1200.5"),
        Decimal("100"),
        Decimal("100"),
        Decimal("0.1"),
    ]
    assert rows.get_column("quantity").to_list() == [
        Decimal(2),
        Decimal(3),
        Decimal(-1),
        Decimal("1.5"),
    ]
    assert rows.get_column("customer_region").to_list() == ["BER", None, "DE", None]


def test_all_or_nothing_rejects_the_file_and_reports_every_problem(
    world: World, tmp_path: Path
) -> None:
    rows = GOOD + [
        ["2020-02-30", "P-DE", "C9", "", "BIKE-1", "1", "1", "1", "E1"],  # row 6: no such day
        ["2020-02-01", "NOPE", "C9", "", "BIKE-1", "1", "1", "1", "E2"],  # row 7: unknown partner
        ["2020-02-01", "P-DE", "", "", "BIKE-1", "1", "1", "1", "E3"],  # row 8: no customer
        ["2020-02-01", "P-DE", "C9", "", "BIKE-1", "abc", "1", "1", "E4"],  # row 9: not a number
        ["2020-02-01", "P-DE", "C9", "", "BIKE-1", "1", "-1", "1", "E5"],  # row 10: price < 0
        ["2020-01-05", "P-DE", "C9", "", "BIKE-1", "1", "1", "1", "D1"],  # row 11: repeats row 2
    ]
    result = fact_import(
        fact="sell_through", path=_csv(tmp_path, rows), mapping=parse_mapping(CN_MAPPING)
    )
    found = {(r["row"], r["column"]) for r in result.errors.iter_rows(named=True)}
    assert found == {
        (6, "日期"),
        (7, "经销商编码"),
        (8, "客户"),
        (9, "数量"),
        (10, "单价"),
        (11, "partner + document_id + product"),
    }
    assert result.rows_rejected == 6 and result.rows_accepted == 0
    assert result.batch.status == BatchStatus.REJECTED
    assert fact_table("sell_through").count().execute() == 0
    assert committed_files("sell_through") == []
    report = result.report_path.read_text(encoding="utf-8-sig").splitlines()
    assert report[0] == "row,column,value,reason" and len(report) == 7
    sheet = openpyxl.load_workbook(result.report_path.with_suffix(".xlsx")).active
    assert sheet.max_row == 7


def test_accept_valid_commits_the_good_rows(world: World, tmp_path: Path) -> None:
    rows = GOOD + [["2020-02-01", "NOPE", "C9", "", "BIKE-1", "1", "1", "1", "E2"]]
    result = fact_import(
        fact="sell_through",
        path=_csv(tmp_path, rows),
        mapping=parse_mapping(CN_MAPPING),
        mode="accept-valid",
    )
    assert (result.rows_read, result.rows_accepted, result.rows_rejected) == (5, 4, 1)
    assert result.committed and fact_table("sell_through").count().execute() == 4


def test_duplicates_across_batches_and_identical_files(world: World, tmp_path: Path) -> None:
    mapping = parse_mapping(CN_MAPPING)
    first = fact_import(fact="sell_through", path=_csv(tmp_path, GOOD), mapping=mapping)
    # the very same file again: refused by checksum, naming the earlier batch
    with pytest.raises(DuplicateBatchError, match=f"batch {first.batch.pk}"):
        fact_import(fact="sell_through", path=_csv(tmp_path, GOOD), mapping=mapping)
    # a different file repeating one line: that line is rejected, naming the batch
    again = GOOD[:1] + [["2020-03-01", "P-DE", "C5", "", "BIKE-1", "1", "1", "1", "D9"]]
    second = fact_import(
        fact="sell_through",
        path=_csv(tmp_path, again, name="b.csv"),
        mapping=mapping,
        mode="accept-valid",
    )
    assert second.rows_accepted == 1 and second.rows_rejected == 1
    assert f"batch {first.batch.pk}" in second.errors.get_column("reason")[0]
    assert fact_table("sell_through").count().execute() == 5
    # after a revert the first file may come in again, and readers no longer see it
    batch_revert(batch=first.batch, actor=world.users["director"])
    assert fact_table("sell_through").count().execute() == 1
    third = fact_import(fact="sell_through", path=_csv(tmp_path, GOOD), mapping=mapping)
    assert third.committed and fact_table("sell_through").count().execute() == 5
    reverted = Batch.objects.get(pk=first.batch.pk)
    assert reverted.status == BatchStatus.REVERTED
    assert reverted.history.first().history_user == world.users["director"]


def test_dry_run_leaves_no_trace(world: World, tmp_path: Path) -> None:
    result = fact_import(
        fact="sell_through",
        path=_csv(tmp_path, GOOD),
        mapping=parse_mapping(CN_MAPPING),
        dry_run=True,
    )
    assert result.rows_accepted == 4 and result.batch is None
    assert not Batch.objects.exists() and fact_table("sell_through").count().execute() == 0


def test_xlsx_and_parquet_sources(world: World, tmp_path: Path) -> None:
    workbook = tmp_path / "inventory.xlsx"
    book = xlsxwriter.Workbook(str(workbook))
    sheet = book.add_worksheet("库存")
    sheet.write_row(0, 0, ["snapshot_date", "partner", "product", "quantity_on_hand"])
    sheet.write_datetime(
        1,
        0,
        __import__("datetime").datetime(2020, 3, 31),
        book.add_format({"num_format": "yyyy-mm-dd"}),
    )
    sheet.write_row(1, 1, ["P-DE", "BIKE-1"])
    sheet.write_number(1, 3, 12)
    sheet.write_row(2, 0, ["2020-03-31", "P-US", "BIKE-1", "-3"])
    book.close()
    result = fact_import(fact="inventory", path=workbook, mode="accept-valid")
    assert result.rows_accepted == 1 and result.errors.get_column("row").to_list() == [3]
    assert fact_table("inventory").to_polars().row(0) == (
        date(2020, 3, 31),
        "P-DE",
        "BIKE-1",
        Decimal("12"),
    )
    parquet = tmp_path / "spend.parquet"
    pl.DataFrame(
        {
            "date": [date(2020, 1, 1)],
            "partner": ["P-US"],
            "campaign": ["Spring"],
            "amount": [Decimal("500.25")],
        }
    ).write_parquet(parquet)
    spend = fact_import(fact="marketing_spend", path=parquet)
    assert spend.committed and fact_table("marketing_spend").to_polars().get_column(
        "amount"
    ).to_list() == [Decimal("500.25")]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"date,partner\n", "required field"),
        (b"snapshot_date,partner,product,quantity_on_hand\n", "no rows"),
        (b'snapshot_date,partner,product,quantity_on_hand\n2020-01-01,P-DE,"BIKE-1,3\n', "broken"),
        (
            "snapshot_date,partner,product,quantity_on_hand\n2020-01-01,P-DE,BIKE-1,\xff\n".encode(
                "latin-1"
            ),
            "GB18030",
        ),
    ],
)
def test_hostile_files_are_refused_with_a_reason(
    world: World, tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "inventory.csv"
    path.write_bytes(content)
    with pytest.raises((SourceError, MappingError), match=message):
        fact_import(fact="inventory", path=path)
    assert fact_table("inventory").count().execute() == 0


def test_formula_looking_and_long_cells_are_kept_as_text_or_refused(
    world: World, tmp_path: Path
) -> None:
    rows = [
        ["2020-01-05", "P-DE", '=HYPERLINK("x")', "", "BIKE-1", "1", "1", "1", "F1"],
        ["2020-01-05", "P-DE", "x" * 101, "", "BIKE-1", "1", "1", "1", "F2"],
    ]
    result = fact_import(
        fact="sell_through",
        path=_csv(tmp_path, rows, encoding="utf-8"),
        mapping=parse_mapping(CN_MAPPING),
        mode="accept-valid",
    )
    assert result.rows_accepted == 1 and result.errors.get_column("row").to_list() == [3]
    assert fact_table("sell_through").to_polars().get_column("customer").to_list() == [
        '=HYPERLINK("x")'
    ]


def test_line_numbers_within_orders_and_padded_codes(world: World, tmp_path: Path) -> None:
    mapping = parse_mapping("""
target = "sell_in"
[columns]
order_date = "d"
order_id = "o"
line_no = { number_within = "o" }
partner = { column = "p", template = "P-{}" }
product = "sku"
quantity = "q"
amount = "a"
""")
    path = _csv(
        tmp_path,
        [
            ["2020-01-01", "A", "DE", "BIKE-1", "1", "1"],
            ["2020-01-01", "B", "US", "BIKE-1", "1", "1"],
            ["2020-01-01", "A", "DE", "BIKE-1", "2", "2"],
        ],
        header=["d", "o", "p", "sku", "q", "a"],
        encoding="utf-8",
    )
    fact_import(fact="sell_in", path=path, mapping=mapping)
    rows = fact_table("sell_in").to_polars().sort("order_id", "line_no")
    assert rows.select("order_id", "line_no", "partner").rows() == [
        ("A", 1, "P-DE"),
        ("A", 2, "P-DE"),
        ("B", 1, "P-US"),
    ]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    quantities=st.lists(
        st.one_of(
            st.integers(-(10**6), 10**6).map(str), st.text(alphabet="0123456789.,-x ", max_size=8)
        ),
        min_size=1,
        max_size=30,
    )
)
def test_every_row_is_accepted_or_rejected_and_reads_back(
    world: World, tmp_path_factory, quantities: list[str]
) -> None:
    tmp_path = tmp_path_factory.mktemp("h")
    rows = [
        ["2020-01-01", "P-DE", f"C{i}", "", "BIKE-1", q, "1", "1", f"H{i}"]
        for i, q in enumerate(quantities)
    ]
    result = fact_import(
        fact="sell_through",
        path=_csv(tmp_path, rows, encoding="utf-8"),
        mapping=parse_mapping(CN_MAPPING),
        mode="accept-valid",
        dry_run=True,
    )
    assert result.rows_accepted + result.rows_rejected == result.rows_read == len(quantities)
    for row in result.errors.iter_rows(named=True):
        assert row["column"] == "数量" and row["reason"]


def test_a_corrected_resubmission_replaces_a_period_explicitly(
    world: World, tmp_path: Path
) -> None:
    mapping = parse_mapping(CN_MAPPING)
    first = [
        ["2020-01-05", "P-DE", "C1", "", "BIKE-1", "1", "1", "100", "D1"],
        ["2020-02-05", "P-DE", "C1", "", "BIKE-1", "1", "1", "200", "D2"],
        ["2020-04-05", "P-DE", "C1", "", "BIKE-1", "1", "1", "400", "D4"],
        ["2020-01-07", "P-US", "C9", "", "BIKE-1", "1", "1", "900", "U1"],
    ]
    original = fact_import(fact="sell_through", path=_csv(tmp_path, first), mapping=mapping)
    # Without saying so, the same keys again are duplicates, never a silent replacement.
    corrected = [
        ["2020-01-05", "P-DE", "C1", "", "BIKE-1", "1", "1", "150", "D1"],
        ["2020-03-01", "P-DE", "C2", "", "BIKE-1", "1", "1", "300", "D3"],
    ]
    silent = fact_import(
        fact="sell_through", path=_csv(tmp_path, corrected, name="fix.csv"), mapping=mapping
    )
    assert not silent.committed and "batch" in silent.errors.get_column("reason")[0]
    # Saying so: P-DE's Q1 rows are replaced; its Q2 row and P-US's rows stay.
    fix = fact_import(
        fact="sell_through",
        path=_csv(tmp_path, corrected, name="fix2.csv"),
        mapping=mapping,
        replace=(date(2020, 1, 1), date(2020, 3, 31)),
    )
    assert fix.committed and fix.batch.replaced_partners == ["P-DE"]

    def amounts() -> dict[str, Decimal]:
        rows = fact_table("sell_through").to_polars()
        return dict(zip(rows.get_column("document_id"), rows.get_column("amount"), strict=True))

    assert amounts() == {
        "D1": Decimal(150),
        "D3": Decimal(300),
        "D4": Decimal(400),
        "U1": Decimal(900),
    }
    # A row outside the replaced period is refused.
    outside = [["2020-04-20", "P-DE", "C3", "", "BIKE-1", "1", "1", "1", "D5"]]
    late = fact_import(
        fact="sell_through",
        path=_csv(tmp_path, outside, name="late.csv"),
        mapping=mapping,
        replace=(date(2020, 1, 1), date(2020, 3, 31)),
    )
    assert not late.committed and "Outside the period" in late.errors.get_column("reason")[0]
    # Reverting the correction brings the original rows back.
    batch_revert(batch=fix.batch)
    assert amounts() == {
        "D1": Decimal(100),
        "D2": Decimal(200),
        "D4": Decimal(400),
        "U1": Decimal(900),
    }
    assert original.committed


def test_cells_are_cleaned_alike_in_clean_and_spaced_columns(world: World, tmp_path: Path) -> None:
    # The quick pass reads number and date cells as they are and strips only columns whose
    # bytes may hold white space; every other cell must come out as the full way reads it.
    rows = [
        ["2020-01-05", "P-DE", "C1", "BER", "BIKE-1", "2", "10", "20", "D1"],
        ["2020-01-05", " P-DE", "C2\u3000", "无", "BIKE-1", " 3 ", "无", "30", "D2"],
        ["2020-01-05 ", "P-DE", "C3", "", "BIKE-1", "４", "", "1,000", "D3\t"],
        # rounded once to the stored four places (not to six, then four)
        ["2020-01-05", "P-DE", "C4", "BER", "BIKE-1", "1", "1.23454999", "12.5%", "D4"],
    ]
    result = fact_import(
        fact="sell_through",
        path=_csv(tmp_path, rows, encoding="utf-8"),
        mapping=parse_mapping(CN_MAPPING),
    )
    assert result.committed, result.errors
    stored = _rows("sell_through").select(
        "partner", "customer", "customer_region", "quantity", "unit_price", "amount", "document_id"
    )
    assert stored.rows() == [
        ("P-DE", "C1", "BER", Decimal(2), Decimal(10), Decimal(20), "D1"),
        ("P-DE", "C2", None, Decimal(3), None, Decimal(30), "D2"),
        ("P-DE", "C3", None, Decimal(4), None, Decimal(1000), "D3"),
        ("P-DE", "C4", "BER", Decimal(1), Decimal("1.2345"), Decimal("0.125"), "D4"),
    ]
    assert _rows("sell_through").get_column("date").to_list() == [date(2020, 1, 5)] * 4


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (["abc", "G0001", "北京"], False),
        (["abc", " G0001"], True),
        (["abc", "x\u3000"], True),
        (["a\tb"], True),
        (["x\u00a0"], True),
        ([], False),
    ],
)
def test_white_space_is_found_where_a_strip_would_remove_it(
    cells: list[str], expected: bool
) -> None:
    from qudao.facts.pipeline import columns_with_spaces

    frame = pl.DataFrame(
        {"a": cells, "b": ["x"] * len(cells)}, schema={"a": pl.String, "b": pl.String}
    )
    assert columns_with_spaces(frame, ["a", "b"]) == ({"a"} if expected else set())
    stripped = frame.get_column("a").str.strip_chars()
    assert (stripped.to_list() != cells) is expected or "a\tb" in cells


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_rows_keep_their_line_numbers_around_blank_and_short_rows(
    world: World, tmp_path: Path, encoding: str
) -> None:
    header = ",".join(CN_HEADER)
    lines = [
        header,
        "2020-01-05,P-DE,C1,BER,BIKE-1,2,10,20,D1",  # row 2
        "",  # row 3: a blank line, skipped
        ",,,,,,,,",  # row 4: every cell empty (a sheet's trailing row), skipped
        "2020-01-05,NOPE,C2,BER,BIKE-1,2,10,20,D2",  # row 5: unknown partner
        "2020-01-05,P-DE,C3,BER,BIKE-1,2,10,20",  # row 6: one cell short, a required one
    ]
    path = tmp_path / "flow.csv"
    path.write_text("\n".join(lines) + "\n\n", encoding=encoding)
    result = fact_import(
        fact="sell_through", path=path, mapping=parse_mapping(CN_MAPPING), mode="accept-valid"
    )
    assert (result.rows_read, result.rows_accepted) == (3, 1)
    found = {(r["row"], r["column"]) for r in result.errors.iter_rows(named=True)}
    assert found == {(5, "经销商编码"), (6, "单据号")}
    from django.conf import settings

    # a GBK file is read through a UTF-8 copy, which is gone afterwards
    assert not list((Path(settings.QUDAO_HOME) / "tmp").glob("*.csv"))


def test_utf8_files_broken_after_the_first_megabyte_are_refused(
    world: World, tmp_path: Path
) -> None:
    good = "2020-01-05,P-DE,C1,BER,BIKE-1,2,10,20,D{}\n"
    body = "".join(good.format(i) for i in range(40_000))  # ~1.6 MB
    for name, tail, message in (
        ("long.csv", b"2020-01-05,P-DE,C1,BER,BIKE-1,2,10,20,X1,extra\n", "broken line"),
        ("latin.csv", b"2020-01-05,P-DE,C\xff,BER,BIKE-1,2,10,20,X2\n", "broken line"),
        ("gbk.csv", b"2020-01-05,P-DE,C\xff,BER,BIKE-1,2,10,20,X3\n", "broken line"),
    ):
        path = tmp_path / name
        encoding = "gb18030" if name == "gbk.csv" else "utf-8"
        path.write_bytes((",".join(CN_HEADER) + "\n" + body).encode(encoding) + tail)
        with pytest.raises(SourceError, match=message):
            fact_import(fact="sell_through", path=path, mapping=parse_mapping(CN_MAPPING))
        assert fact_table("sell_through").count().execute() == 0


def test_progress_rises_to_the_end(world: World, tmp_path: Path) -> None:
    seen: list[float] = []
    rows = [
        ["2020-01-05", "P-DE", f"C{i}", "BER", "BIKE-1", "1", "1", "1", f"D{i}"]
        for i in range(2_000)
    ]
    fact_import(
        fact="sell_through",
        path=_csv(tmp_path, rows, encoding="utf-8"),
        mapping=parse_mapping(CN_MAPPING),
        progress=lambda fraction, _rows: seen.append(fraction),
    )
    assert seen == sorted(seen) and seen[0] > 0 and seen[-1] == 1.0
    # a dry run and a rejected file end at 100 % too
    for mode_rows, dry_run in (([*rows[:2], rows[0]], False), (rows[:2], True)):
        seen.clear()
        fact_import(
            fact="sell_through",
            path=_csv(tmp_path, mode_rows, encoding="utf-8", name=f"p{dry_run}.csv"),
            mapping=parse_mapping(CN_MAPPING),
            dry_run=dry_run,
            progress=lambda fraction, _rows: seen.append(fraction),
        )
        assert seen[-1] == 1.0


def test_an_identical_file_hashed_during_the_import_is_refused_before_commit(
    world: World, tmp_path: Path
) -> None:
    mapping = parse_mapping(CN_MAPPING)
    first = fact_import(fact="sell_through", path=_csv(tmp_path, GOOD), mapping=mapping)
    # No committed batch of this size: the file is hashed while its rows are checked, and
    # the refusal comes after the checks, before anything is published.
    Batch.objects.filter(pk=first.batch.pk).update(size_bytes=1)
    with pytest.raises(DuplicateBatchError, match=f"batch {first.batch.pk}"):
        fact_import(fact="sell_through", path=_csv(tmp_path, GOOD), mapping=mapping)
    assert fact_table("sell_through").count().execute() == len(GOOD)
    assert Batch.objects.filter(status=BatchStatus.COMMITTED).count() == 1
    assert len(committed_files("sell_through")) == 1  # the first batch's one part


@pytest.mark.parametrize("in_memory", [True, False], ids=["in-memory", "duckdb-spilling"])
def test_duplicates_are_found_alike_in_memory_and_in_duckdb(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_memory: bool
) -> None:
    from qudao.facts import duplicates as keys

    if not in_memory:  # as a file or store too large for memory would be checked
        monkeypatch.setattr(keys, "KEYS_IN_MEMORY", 0)
    mapping = parse_mapping(CN_MAPPING)
    fact_import(fact="sell_through", path=_csv(tmp_path, GOOD), mapping=mapping)
    rows = [
        ["2020-03-01", "P-DE", "C5", "", "BIKE-1", "1", "1", "1", "N1"],  # row 2: new
        GOOD[1],  # row 3: in the committed batch
        ["2020-03-02", "P-DE", "C6", "", "BIKE-1", "1", "1", "1", "N1"],  # row 4: repeats row 2
        ["2020-03-03", "P-DE", "C7", "", "BIKE-1", "1", "1", "1", "N2"],  # row 5: new
    ]
    result = fact_import(
        fact="sell_through",
        path=_csv(tmp_path, rows, name="b.csv"),
        mapping=mapping,
        mode="accept-valid",
    )
    reasons = {r["row"]: r["reason"] for r in result.errors.iter_rows(named=True)}
    assert set(reasons) == {3, 4}
    assert "batch" in reasons[3] and "row 2" in reasons[4]
    assert result.rows_accepted == 2 and fact_table("sell_through").count().execute() == 6


def test_every_part_has_its_key_file_and_old_batches_get_theirs_again(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import polars as pl

    from qudao.facts import duplicates as keys
    from qudao.facts.store import batch_dir, batch_files

    mapping = parse_mapping(CN_MAPPING)
    dropped = GOOD + [GOOD[0]]  # accept-valid drops the repeat and rewrites the part
    first = fact_import(
        fact="sell_through",
        path=_csv(tmp_path, dropped),
        mapping=mapping,
        mode="accept-valid",
    )
    folder = batch_dir("sell_through", first.batch.pk)
    key_files = sorted(folder.glob(f"_keys-{keys.KEY_TAG}-*.hashes"))
    assert len(key_files) == len(batch_files("sell_through", first.batch.pk)) == 1
    assert pl.read_parquet(key_files[0]).height == len(GOOD)
    # a glob for the facts' Parquet, as DuckDB or any tool would use, finds rows only
    assert sorted(folder.glob("*.parquet")) == batch_files("sell_through", first.batch.pk)
    # After a Polars upgrade (another tag) the batch's hashes are made again, into the
    # cache, and a repeat of its rows is still caught.
    monkeypatch.setattr(keys, "KEY_TAG", "upgraded")
    again = fact_import(
        fact="sell_through",
        path=_csv(tmp_path, GOOD[:1], name="b.csv"),
        mapping=mapping,
        mode="accept-valid",
    )
    assert again.rows_rejected == 1 and f"batch {first.batch.pk}" in again.errors["reason"][0]
    from django.conf import settings

    cached = Path(settings.QUDAO_HOME) / "cache" / "keys" / "upgraded" / "sell_through"
    assert pl.read_parquet(cached / f"{first.batch.pk}.hashes").height == len(GOOD)


@pytest.mark.parametrize(("name", "encoding"), [("flow.tsv", "utf-8"), ("flow.txt", "gb18030")])
def test_tab_separated_files_import_in_either_encoding(
    world: World, tmp_path: Path, name: str, encoding: str
) -> None:
    lines = ["\t".join(CN_HEADER), "\t".join(GOOD[0]), "\t".join(GOOD[1])]
    path = tmp_path / name
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    result = fact_import(fact="sell_through", path=path, mapping=parse_mapping(CN_MAPPING))
    assert result.committed and result.rows_accepted == 2, result.errors
    assert _rows("sell_through").get_column("unit_price").to_list() == [
        Decimal("1200.5"),  # ￥1,200.50, dated 2020-01-05
        Decimal("100"),
    ]


def test_utf8_copies_left_by_killed_imports_are_removed(world: World) -> None:
    import os

    from django.conf import settings

    from qudao.facts.store import store_recover

    folder = Path(settings.QUDAO_HOME) / "tmp"
    folder.mkdir(parents=True, exist_ok=True)
    orphan = folder / "utf8-999999999-x1.csv"  # no such process
    running = folder / f"utf8-{os.getpid()}-x2.csv"  # an import in this process
    for path in (orphan, running):
        path.write_text("date\n", encoding="utf-8")
    store_recover()
    assert not orphan.exists() and running.exists()
    running.unlink()


def test_an_import_keeps_a_bounded_list_of_problems(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Values are cut as they are rejected and only so many problems are kept; the count of
    rejected rows stays exact and the report says how many it leaves out."""
    import polars as pl

    from qudao.facts import services

    # a 60 MB rejected value takes no more than its cut echo
    problems = services._Problems()
    huge = pl.DataFrame(
        {"row": [2], "column": ["partner"], "value": ["x" * (60 << 20)], "reason": ["unknown"]}
    )
    problems.keep(huge)
    del huge
    assert problems.frame().estimated_size() < 4096
    # beyond the limit, problems are counted, not kept
    monkeypatch.setattr(services, "REPORT_MAX_PROBLEMS", 5)
    path = tmp_path / "stock.csv"
    bad = "".join(f"2020-01-31,P-DE,BIKE-1,bad{n}\n" for n in range(12))
    path.write_text("snapshot_date,partner,product,quantity_on_hand\n" + bad, encoding="utf-8")
    result = services.fact_import(fact="inventory", path=path)
    assert result.rows_rejected == 12 and result.errors.height == 5
    assert result.report_path is not None
    lines = result.report_path.read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 1 + 5 + 1, lines
    assert "7 more problems, not listed" in lines[-1]


def test_a_legacy_xls_stock_report_is_imported(world: World) -> None:
    path = Path(__file__).parent.parent / "fixtures" / "legacy" / "stock.xls"
    result = fact_import(fact="inventory", path=path, actor=world.users["director"])
    assert result.committed and result.rows_accepted == 2
    rows = fact_table("inventory").to_polars().sort("partner")
    assert rows.get_column("snapshot_date").to_list() == [date(2021, 3, 31)] * 2
    assert rows.get_column("quantity_on_hand").to_list() == [Decimal(9), Decimal(4)]


def test_a_big5_stock_report_reads_as_big5(world: World, tmp_path: Path) -> None:
    """Traditional Chinese headers from a Taiwanese partner's Excel, mapped."""
    content = "盤點日期,經銷商,產品,庫存數量\n2021-03-31,P-DE,BIKE-1,9\n"
    path = tmp_path / "stock.csv"
    path.write_bytes(content.encode("big5"))
    mapping = parse_mapping(
        'target = "inventory"\n[columns]\nsnapshot_date = "盤點日期"\npartner = "經銷商"\n'
        'product = "產品"\nquantity_on_hand = "庫存數量"\n'
    )
    result = fact_import(
        fact="inventory", path=path, mapping=mapping, actor=world.users["director"]
    )
    assert result.committed and result.rows_accepted == 1
