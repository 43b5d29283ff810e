"""The channel review in real Chromium: overview with charts in Chinese, a partner's
scorecard, approving grade proposals, starting an improvement plan from a flag."""

from __future__ import annotations

from pathlib import Path

import pytest

from qudao.analytics.models import GradeProposal, ProposalStatus, ReviewRun, RunStatus
from qudao.analytics.services import review_run
from qudao.demo.build import build_demo
from qudao.governance.models import ImprovementPlan
from tests.e2e.test_console import _login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _run_reviews_in_the_request(settings) -> None:  # type: ignore[no-untyped-def]
    # No worker runs beside the test server: execute a queued review at once.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def test_director_reviews_a_quarter(page, live_server, shots: Path) -> None:  # type: ignore[no-untyped-def]
    build_demo(progress=lambda step: None, review=False)
    for quarter in ("2019Q4", "2020Q1"):
        review_run(period=quarter)
    _login(page, live_server, "director")
    page.click("button.lang:has-text('中文')")
    page.wait_for_selector("h1:has-text('概览')")
    # the last quarter is reviewed from the web: the button, then the run's record
    page.click("a.nav-item:has-text('渠道复盘')")
    page.fill("input[name='period']", "2020Q2")
    page.click("button:has-text('运行复盘')")
    page.wait_for_selector("text=2020Q2")
    run = ReviewRun.objects.get(period="2020Q2")
    assert run.status == RunStatus.CURRENT and run.row_counts["scorecards"] > 0
    page.screenshot(path=str(shots / "review-run-zh.png"), full_page=True)
    page.click("a.nav-item:has-text('复盘总览')")
    page.wait_for_selector("h1:has-text('2020年第2季度')")
    assert page.locator("section.chart svg").count() >= 1
    assert "按渠道模式" in page.inner_text("main")
    page.screenshot(path=str(shots / "review-overview-zh.png"), full_page=True)
    # the top partner's scorecard: trends and every KPI by quarter
    page.locator("a[href*='/review/partner/']").first.click()
    page.wait_for_selector("text=逐季度的全部指标")
    assert page.locator("section.chart svg").count() == 2
    page.screenshot(path=str(shots / "review-partner-zh.png"), full_page=True)
    # scorecards: the definition is on the header
    page.click("a.nav-item:has-text('计分卡')")
    header = page.locator("th[data-kpi='gross_margin_rate']")
    assert "毛利" in (header.get_attribute("title") or "")
    page.screenshot(path=str(shots / "review-scorecards-zh.png"))
    # grade proposals: approve those of one partner through the filter
    open_before = GradeProposal.objects.filter(status=ProposalStatus.PROPOSED).count()
    assert open_before > 0
    proposal = GradeProposal.objects.filter(status=ProposalStatus.PROPOSED).first()
    page.goto(f"{live_server.url}/review/proposals/?q={proposal.partner.code}&status=proposed")
    page.screenshot(path=str(shots / "review-proposals-zh.png"))
    page.click("button:has-text('批准当前显示的全部待审批建议')")
    # a confirmation with the count first, and a reason
    page.wait_for_selector("button[data-confirm-count='1']")
    assert "1 条待审批建议符合筛选条件" in page.inner_text("main")
    page.fill("input[name='note']", "季度复盘会决定")
    page.screenshot(path=str(shots / "review-proposals-confirm-zh.png"))
    page.click("button[data-confirm-count='1']")
    page.wait_for_selector(".flash")
    assert f"q={proposal.partner.code}" in page.url  # back to the same filters
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.APPROVED and proposal.note == "季度复盘会决定"
    # at-risk partners: start a plan from a flag, with the suggested actions filled in
    page.click("a.nav-item:has-text('风险伙伴')")
    page.locator("a.btn:has-text('发起计划')").first.click()
    page.wait_for_selector("textarea[name='actions']")
    assert page.input_value("textarea[name='actions']").startswith("- ")
    page.screenshot(path=str(shots / "risk-plan-zh.png"))
    page.click("button:has-text('发起计划')")
    page.wait_for_selector("h2:has-text('关闭计划')")
    assert ImprovementPlan.objects.count() == 1


def test_director_reviews_and_approves_in_english(page, live_server, shots: Path) -> None:  # type: ignore[no-untyped-def]
    build_demo(progress=lambda step: None, review=False)
    for quarter in ("2019Q4", "2020Q1", "2020Q2"):
        review_run(period=quarter)
    _login(page, live_server, "director")
    page.click("a.nav-item:has-text('Review overview')")
    page.wait_for_selector("h1:has-text('2020 Q2')")
    assert page.locator("section.chart svg").count() >= 1
    assert "By channel model" in page.inner_text("main")
    page.locator("a[href*='/review/partner/']").first.click()
    page.wait_for_selector("text=Every KPI, quarter by quarter")
    page.screenshot(path=str(shots / "review-partner-en.png"), full_page=True)
    page.click("a.nav-item:has-text('Scorecards')")
    header = page.locator("th[data-kpi='gross_margin_rate']")
    assert "Gross margin" in (header.get_attribute("title") or "")
    proposal = GradeProposal.objects.filter(status=ProposalStatus.PROPOSED).first()
    page.goto(f"{live_server.url}/review/proposals/?q={proposal.partner.code}&status=proposed")
    page.click("button:has-text('Approve every open proposal shown')")
    page.wait_for_selector("text=1 open proposal matches the filters")
    page.click("button[data-confirm-count='1']")
    page.wait_for_selector(".flash")
    proposal.refresh_from_db()
    proposal.partner.refresh_from_db()
    assert proposal.status == ProposalStatus.APPROVED
    assert proposal.partner.grade_id == proposal.to_grade_id
