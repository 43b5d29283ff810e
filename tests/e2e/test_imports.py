"""Uploading facts in real Chromium: a Chinese GBK file that imports, and a bad Excel file
whose errors are shown and downloaded."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from qudao.demo.build import DEMO_PASSWORD, build_demo
from qudao.facts.models import Batch, SavedMapping
from qudao.facts.store import fact_table

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MAPPING = """
target = "sell_through"
[columns]
date = "日期"
partner = "经销商编码"
customer = "客户"
product = "产品编码"
quantity = "数量"
amount = "金额"
document_id = "单据号"
"""


@pytest.fixture(autouse=True)
def _run_imports_in_the_request(settings) -> None:  # type: ignore[no-untyped-def]
    # No worker runs beside the test server: execute queued imports at once.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def test_upload_gbk_then_a_bad_workbook(page, live_server, shots: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    build_demo(progress=lambda step: None, review=False)
    SavedMapping.objects.create(name="流向月报", fact="sell_through", toml=MAPPING)
    SavedMapping.objects.create(name="库存表", fact="inventory", toml=MAPPING)
    good = tmp_path / "流向2020年1月.csv"
    good.write_bytes(
        (
            "日期,经销商编码,客户,产品编码,数量,金额,单据号\n"
            '2020年1月5日,AW00000013,张三,310,2,"￥3,578.27",LX-001\n'
            '2020/1/6,AW00000013,李四,311,1,"1,789.14",LX-002\n'
        ).encode("gbk")
    )
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "manager.eu")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button.primary")
    page.wait_for_url(f"{live_server.url}/")
    page.click("button.lang:has-text('中文')")
    page.wait_for_selector("h1:has-text('概览')")
    page.click("a.nav-item:has-text('数据导入')")
    page.wait_for_url("**/imports/")
    page.click("a.btn:has-text('新增')")
    page.wait_for_url("**/imports/upload/")
    page.select_option("#id_fact", "sell_through")
    page.set_input_files("#id_file", str(good))
    page.click("button:has-text('预览并匹配列')")
    page.wait_for_selector("#preview table.data")
    assert "张三" in page.inner_text("#preview")
    assert page.eval_on_selector("#id_col_partner", "e => e.value") == "经销商编码"
    # only the sell-through mappings are offered, each named with its fact and source
    offered = page.eval_on_selector_all(
        "#id_saved_mapping option:not([hidden])", "options => options.map(o => o.textContent)"
    )
    assert offered[1:] == ["流向月报 · 流向明细 · 任意伙伴"], offered
    page.select_option("#id_saved_mapping", label="流向月报 · 流向明细 · 任意伙伴")
    page.screenshot(path=str(shots / "import-upload-zh.png"))
    page.click("button:has-text('导入')")
    page.wait_for_selector(".badge.committed")
    assert fact_table("sell_through").count().execute() == 2
    page.screenshot(path=str(shots / "import-committed-zh.png"))

    bad = tmp_path / "inventory.xlsx"
    book = xlsxwriter.Workbook(str(bad))
    sheet = book.add_worksheet()
    for r, row in enumerate(
        [
            ["snapshot_date", "partner", "product", "quantity_on_hand"],
            ["2020-01-31", "AW00000013", "310", "5"],
            ["2020-13-01", "NOBODY", "310", "-2"],
        ]
    ):
        sheet.write_row(r, 0, row)
    book.close()
    page.click("a.nav-item:has-text('数据导入')")
    page.wait_for_url("**/imports/")
    page.click("a.btn:has-text('新增')")
    page.wait_for_url("**/imports/upload/")
    page.select_option("#id_fact", "inventory")
    page.set_input_files("#id_file", str(bad))
    page.click("button:has-text('导入')")
    page.wait_for_selector(".badge.rejected")
    table = page.inner_text("table.data")
    assert "NOBODY" in table and "2020-13-01" in table and "不存在此编码的渠道伙伴" in table
    page.screenshot(path=str(shots / "import-rejected-zh.png"))
    with page.expect_download() as download:
        page.click("text=下载 Excel")
    rows = list(
        openpyxl.load_workbook(
            io.BytesIO(Path(download.value.path()).read_bytes())
        ).active.iter_rows(values_only=True)
    )
    assert rows[0] == ("row", "column", "value", "reason") and len(rows) == 4
    assert Batch.objects.get(fact="inventory").status == "rejected"
    assert fact_table("inventory").count().execute() == 0
