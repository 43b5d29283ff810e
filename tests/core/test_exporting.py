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
