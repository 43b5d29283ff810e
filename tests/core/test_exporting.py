"""Exports from list pages: the filtered rows, all pages, safe to open in Excel."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
from django.test import Client

from qudao.core.exporting import neutralise, to_csv
from qudao.partners.services import partner_update
from tests.conftest import World
from tests.factories import PartnerFactory


def test_formula_cells_are_neutralised() -> None:
    for dangerous in ("=1+1", "+SUM(A1)", "-2+3", "@cmd", "\t=x"):
        assert neutralise(dangerous).startswith("'")
    assert neutralise("Berlin Bikes") == "Berlin Bikes"
    assert neutralise(-5) == -5  # numbers stay numbers
    # a signed number written as text is no formula (exported rates: "-0.1577")
    assert neutralise("-0.1577") == "-0.1577" and neutralise("+12") == "+12"
    assert neutralise("-1+2").startswith("'") and neutralise("-A1").startswith("'")
    assert (
        to_csv(["a"], [['=HYPERLINK("x")']])
        .decode("utf-8-sig")
        .splitlines()[1]
        .startswith("\"'=HYPERLINK")
    )


def test_excel_export_follows_filters_and_spans_pages(world: World) -> None:
    # Given 60 more partners in Germany (more than one page) and a formula-looking name
    for i in range(60):
        PartnerFactory(code=f"DE-{i:02d}", home_region=world.de)
    partner_update(partner=world.p_de, name_en="=cmd|' /C calc'!A0", credit_limit=Decimal("1234.5"))
    client = Client()
    client.force_login(world.users["director"])
    # when the director exports the list filtered to Europe
    response = client.get("/partners/", {"region": world.eu.pk, "export": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(
        openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)
    )
    # then every matching row is there, on one sheet, and nothing else
    codes = {r[0] for r in rows[1:]}
    assert len(codes) == 62 and "P-US" not in codes and {"P-DE", "P-DE-SUB"} <= codes
    header = rows[0]
    assert header[:2] == ("Code", "Name")
    p_de = next(r for r in rows if r[0] == "P-DE")
    assert p_de[1] == "'=cmd|' /C calc'!A0"
    assert p_de[header.index("Credit limit")] == 1234.5


def test_export_headers_follow_the_language(world: World) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(world.users["director"])
    csv = client.get("/partners/", {"export": "csv"}).content.decode("utf-8-sig")
    assert csv.splitlines()[0].startswith("编码,名称,渠道模式")
    assert "柏林单车" in csv


def test_excel_dates_are_real_and_local_and_cjk_columns_wide_enough(settings) -> None:  # type: ignore[no-untyped-def]
    """A date-time is stored as one, in the deployment's time zone (not text in UTC); a
    column of Chinese text is sized counting each character twice."""
    from datetime import UTC, date, datetime

    from qudao.core.exporting import Money, Percent, to_xlsx

    settings.TIME_ZONE = "Asia/Shanghai"
    moment = datetime(2026, 11, 30, 22, 33, 35, 557654, tzinfo=UTC)
    name = "柏林自行车贸易有限公司"
    data = to_xlsx(
        ["when", "day", "name", "amount", "rate", "count"],
        [[moment, date(2020, 1, 31), name, Money("1234.5"), Percent("0.1234"), 7]],
    )
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    when, day, _name, amount, rate, count = sheet[2]
    assert when.is_date and when.value == datetime(2026, 12, 1, 6, 33, 35)  # noqa: DTZ001 - UTC+8, as Excel keeps it
    assert day.is_date and day.value == datetime(2020, 1, 31)  # noqa: DTZ001
    assert sheet.column_dimensions["C"].width >= 2 * len(name)
    assert (amount.value, rate.value, count.value) == (1234.5, 0.1234, 7)
    assert rate.number_format == "0.00%" and count.number_format == "#,##0"


def test_a_list_export_is_named_for_what_it_holds_in_the_readers_language(
    world: World,
) -> None:
    client = Client()
    user = world.users["director"]
    user.language = "zh-hans"
    user.save(update_fields=["language"])
    client.force_login(user)
    response = client.get("/partners/", {"export": "xlsx"})
    disposition = response["Content-Disposition"]
    assert "filename*=utf-8''" in disposition.lower()
    assert "%E6%B8%A0%E9%81%93%E4%BC%99%E4%BC%B4.xlsx" in disposition  # 渠道伙伴.xlsx
