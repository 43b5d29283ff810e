"""A channel manager's first session, in real Chromium, on the AdventureWorks demo data."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest

from qudao.demo.build import DEMO_PASSWORD, build_demo
from qudao.partners.models import Partner

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _login(page, live_server, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button.primary")
    page.wait_for_url(f"{live_server.url}/")


def test_director_works_in_chinese(page, live_server, shots: Path) -> None:  # type: ignore[no-untyped-def]
    build_demo(progress=lambda step: None, review=False)
    page.goto(f"{live_server.url}/login/")
    page.screenshot(path=str(shots / "login.png"))
    _login(page, live_server, "director")
    page.screenshot(path=str(shots / "overview-en.png"))

    # Switch to Chinese: the whole console follows, and the choice sticks.
    page.click("button.lang:has-text('中文')")
    page.wait_for_selector("h1:has-text('概览')")
    page.click("a.nav-item:has-text('渠道伙伴')")
    page.wait_for_selector("h1:has-text('渠道伙伴')")
    assert page.locator("th:has-text('渠道模式')").count() == 1
    assert "共 701 条" in page.inner_text(".pager")

    # Filter: distributors whose name mentions "Bike".
    page.select_option("select[name=channel_model]", label="分销商")
    # (locators, not wait_for_function: the page's policy forbids evaluating strings)
    page.wait_for_selector(".pager:has-text('共 232 条')")
    page.fill("#id_q", "Bike")
    page.wait_for_url("**q=Bike**")
    expected = Partner.objects.filter(
        channel_model__code="distributor", name_en__icontains="Bike"
    ).count()
    page.wait_for_selector(f".pager:has-text('共 {expected} 条')")
    assert f"共 {expected} 条" in page.inner_text(".pager")
    page.screenshot(path=str(shots / "partners-zh.png"))

    # Export exactly these rows to Excel.
    with page.expect_download() as download:
        page.click("text=导出 Excel")
    book = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:3] == ("编码", "名称", "渠道模式") and len(rows) == expected + 1

    # Open a partner and edit its Chinese name.
    page.click("table.data tbody tr:first-child td:first-child a")
    page.wait_for_selector(".detail-head")
    code = page.inner_text(".detail-head .meta span:first-child")
    page.screenshot(path=str(shots / "partner-zh.png"))
    page.click("a.btn:has-text('编辑')")
    page.fill("#id_name_zh", "测试自行车行")
    page.fill("#id_credit_limit", "-1")
    page.click("button:has-text('保存')")
    page.wait_for_selector(".field.has-error")
    page.screenshot(path=str(shots / "partner-edit-error-zh.png"))
    page.fill("#id_credit_limit", "250000")
    page.click("button:has-text('保存')")
    page.wait_for_url(lambda url: not url.endswith("/edit/"))
    page.wait_for_selector(".detail-head h1:has-text('测试自行车行')")
    partner = Partner.objects.get(code=code)
    assert partner.name_zh == "测试自行车行" and str(partner.credit_limit) == "250000.00"

    # The change is in the history with who made it.
    page.click("nav.tabs a:has-text('变更历史')")
    page.wait_for_selector("table.history")
    history = page.inner_text("table.history")
    assert "director" in history and "250000" in history.replace(",", "")
    page.screenshot(path=str(shots / "partner-history-zh.png"))


def test_partner_user_sees_only_its_own_partner(page, live_server, shots: Path) -> None:  # type: ignore[no-untyped-def]
    build_demo(progress=lambda step: None, review=False)
    _login(page, live_server, "partner")
    page.goto(f"{live_server.url}/partners/")
    assert "1–1 of 1" in page.inner_text(".pager")
    assert page.locator("table.data tbody tr").count() == 1
    other = Partner.objects.exclude(code="AW00000001").first()
    response = page.goto(f"{live_server.url}/partners/{other.pk}/")
    assert response.status == 404
    page.goto(f"{live_server.url}/partners/")
    page.screenshot(path=str(shots / "partner-portal-en.png"))
