"""The rebate pages, by role: define and load programs, simulate, settle, approve, PDF; a
partner user sees its own approved statements and its distance to the next tier."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from qudao.programs.models import Program, ProgramVersion, Settlement, SettlementJob, Statement
from qudao.programs.services import rebates_settle, settlement_approve
from qudao.programs.tasks import settle_task
from tests.conftest import World
from tests.programs.conftest import TIERS, program_toml, sale

pytestmark = pytest.mark.django_db


def _client(world: World, role: str) -> Client:
    client = Client()
    client.force_login(world.users[role])
    return client


def _form(**extra: str) -> dict[str, str]:
    data = {
        "code": "WEB-1",
        "name_en": "Web rebate",
        "name_zh": "网页返利",
        "kind": "retroactive",
        "base": "sell_in",
        "measure": "amount",
        "settlement": "quarter",
        "valid_from": "2020-01-01",
        "valid_to": "2020-12-31",
        "enrol_partners": "P-DE, P-US",
        "tiers": "0 0.02\n100000 0.03\n250000 0.04",
    }
    data.update(extra)
    return data


def test_director_defines_a_program_in_the_form(world: World) -> None:
    client = _client(world, "director")
    response = client.post(reverse("programs:program_add"), _form())
    version = ProgramVersion.objects.get(program__code="WEB-1")
    assert response.status_code == 302 and version.status == "draft"
    assert [t.start for t in version.rules.tiers] == [0, 100000, 250000]
    # the same checks as a file: overlapping tiers refused, named, nothing saved
    bad = client.post(reverse("programs:program_add"), _form(code="WEB-2", tiers="0 0.02\n0 0.03"))
    assert bad.status_code == 200 and "overlaps" in bad.content.decode()
    assert not Program.objects.filter(code="WEB-2").exists()
    # a key the kind does not use
    bad = client.post(reverse("programs:program_add"), _form(code="WEB-3", threshold="5"))
    assert "threshold" in bad.content.decode() and not Program.objects.filter(code="WEB-3").exists()


def test_program_file_upload_and_chinese_error(world: World) -> None:
    client = _client(world, "director")
    client.cookies["django_language"] = "zh-hans"
    bad = client.post(
        reverse("programs:program_load"),
        {"text": program_toml("F", "retroactive", TIERS, extra="colour = 1")},
    )
    assert "colour" in bad.content.decode() and "未知" in bad.content.decode()
    ok = client.post(
        reverse("programs:program_load"),
        {"text": program_toml("F", "retroactive", TIERS), "publish": "on"},
    )
    assert ok.status_code == 302
    assert ProgramVersion.objects.get(program__code="F").status == "published"


@pytest.mark.parametrize("role", ["manager", "finance", "sales", "partner_admin", "partner_user"])
def test_only_directors_define_programs(world: World, role: str) -> None:
    client = _client(world, role)
    refused = 404 if role.startswith("partner") else 403  # partners: the page is not there
    assert client.post(reverse("programs:program_add"), _form()).status_code == refused
    assert (
        client.post(
            reverse("programs:program_load"), {"text": program_toml("F", "retroactive", TIERS)}
        ).status_code
        == refused
    )
    assert not Program.objects.exists()


def test_simulate_beside_the_version_in_force(world: World, load_lines, load_program) -> None:
    load_lines(sale("2020-02-10", "SO1", 120000), sale("2020-02-11", "SO2", 90000, partner="P-US"))
    load_program(program_toml("SIM", "retroactive", TIERS, enrol='partners = ["P-DE", "P-US"]'))
    draft = load_program(
        program_toml("SIM", "flat", "rate = 0.05", enrol='partners = ["P-DE", "P-US"]'),
        publish=False,
    )
    page = _client(world, "director").get(
        reverse("programs:simulate", args=[draft.pk]), {"period": "2020Q1"}
    )
    text = page.content.decode()
    assert page.status_code == 200
    assert "10,500.00" in text  # 5 % of 210k
    assert "5,400.00" in text  # in force: 3,600 + 1,800
    assert not Settlement.objects.exists()  # a simulation pays nothing


def test_settle_approve_and_pdf_in_chinese(world: World, load_lines, load_program) -> None:
    load_lines(sale("2020-02-10", "SO1", 120000))
    load_program(program_toml("VOL", "retroactive", TIERS))
    finance = _client(world, "finance")
    response = finance.post(reverse("programs:settle"), {"period": "2020Q1"})
    job = SettlementJob.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert job.status == "queued" and not Settlement.objects.exists()  # the worker settles
    waiting = finance.get(job.get_absolute_url())
    assert waiting.status_code == 200 and 'role="progressbar"' in waiting.content.decode()
    settle_task.call(job.pk)
    settlement = Settlement.objects.get()
    assert settlement.status == "draft"
    job.refresh_from_db()
    assert (job.status, job.progress, job.settlement) == ("done", 1, settlement)
    done = finance.get(job.get_absolute_url())  # follows on to the settlement
    assert done.status_code == 302 and done["Location"] == settlement.get_absolute_url()
    polled = finance.get(
        job.get_absolute_url(), headers={"HX-Request": "true", "HX-Target": "job-status"}
    )
    assert polled["HX-Redirect"] == settlement.get_absolute_url()
    statement = Statement.objects.get(settlement=settlement)
    page = finance.get(reverse("programs:statement", args=[statement.pk]))
    assert "3,600.00" in page.content.decode() and "Tier 2 reached" in page.content.decode()
    finance.post(reverse("programs:statement", args=[statement.pk]))
    statement.refresh_from_db()
    assert statement.status == "approved"
    pdf = finance.get(
        reverse("programs:statement", args=[statement.pk]), {"format": "pdf", "language": "zh-hans"}
    )
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    payments = finance.get(
        reverse("programs:settlement", args=[settlement.pk]), {"payments": "csv"}
    )
    assert "3600.00" in payments.content.decode("utf-8-sig")


@pytest.mark.parametrize("role", ["manager", "sales", "partner_admin"])
def test_others_cannot_settle_or_approve(world: World, role: str, load_lines, load_program) -> None:
    load_lines(sale("2020-02-10", "SO1", 120000))
    load_program(program_toml("VOL", "retroactive", TIERS))
    refused = 404 if role.startswith("partner") else 403
    assert (
        _client(world, role).post(reverse("programs:settle"), {"period": "2020Q1"}).status_code
        == refused
    )
    assert not Settlement.objects.exists() and not SettlementJob.objects.exists()
    settlement = rebates_settle(period="2020Q1")
    statement = Statement.objects.get(settlement=settlement)
    _client(world, role).post(reverse("programs:statement", args=[statement.pk]))
    _client(world, role).post(reverse("programs:settlement_approve", args=[settlement.pk]))
    statement.refresh_from_db()
    assert statement.status == "draft"


def test_partner_sees_its_approved_statements_and_distance_to_the_next_tier(
    world: World, load_lines, load_program
) -> None:
    load_lines(sale("2020-02-10", "SO1", 80000), sale("2020-02-10", "SO2", 50000, partner="P-US"))
    load_program(program_toml("VOL", "retroactive", TIERS, enrol='partners = ["P-DE", "P-US"]'))
    settlement = rebates_settle(period="2020Q1")
    mine = Statement.objects.get(settlement=settlement, partner=world.p_de)
    theirs = Statement.objects.get(settlement=settlement, partner=world.p_us)
    partner = _client(world, "partner_user")
    assert (
        partner.get(reverse("programs:statement", args=[mine.pk])).status_code == 404
    )  # still a draft
    settlement_approve(settlement=settlement)
    assert partner.get(reverse("programs:statement", args=[mine.pk])).status_code == 200
    assert partner.get(reverse("programs:statement", args=[theirs.pk])).status_code == 404
    assert (
        partner.get(reverse("programs:statement", args=[theirs.pk]), {"format": "pdf"}).status_code
        == 404
    )
    listing = partner.get(reverse("programs:statement_list")).content.decode()
    assert "P-DE" in listing and "P-US" not in listing
    assert partner.get(reverse("programs:settlement_list")).status_code in (200, 404)
    assert "P-US" not in partner.get(reverse("programs:settlement_list")).content.decode()
    page = partner.get(reverse("programs:mine"), {"as_of": "2020-03-31"}).content.decode()
    assert "20,000.00" in page  # 80k → 100k reaches tier 2
    assert "1,400.00" in page  # 3 % of 100k − 2 % of 80k = 3,000 − 1,600
    assert partner.get(reverse("programs:partner", args=[world.p_us.pk])).status_code == 404


def test_manager_sees_partner_progress_in_scope_only(
    world: World, load_lines, load_program
) -> None:
    load_program(program_toml("VOL", "retroactive", TIERS, enrol='partners = ["P-DE", "P-US"]'))
    manager = _client(world, "manager")
    assert manager.get(reverse("programs:partner", args=[world.p_de.pk])).status_code == 200
    assert manager.get(reverse("programs:partner", args=[world.p_us.pk])).status_code == 404
    assert Decimal(0) == 0


def test_the_lines_behind_a_base_restated_returns_included(
    world: World, load_lines, load_program
) -> None:
    load_lines(sale("2020-02-10", "SO1", 120000), sale("2020-04-10", "SO2", 50000))
    load_program(program_toml("VOL", "retroactive", TIERS, enrol='partners = ["P-DE", "P-US"]'))
    rebates_settle(period="2020Q1", approve=True)
    load_lines(sale("2020-05-02", "RT1", -30000, quantity=-1, original="SO1"))
    q2 = rebates_settle(period="2020Q2", approve=True)
    statement = Statement.objects.get(settlement=q2, partner=world.p_de)
    adjustment = statement.lines.get(kind="adjustment")
    url = reverse("programs:statement_lines", args=[statement.pk, adjustment.pk, "csv"])
    text = _client(world, "finance").get(url).content.decode("utf-8-sig")
    rows = [line.split(",") for line in text.strip().splitlines()]
    assert rows[0][:3] == ["day_counted", "own_day", "document"]
    # Q1 as known at the end of Q2: the order, and the return restated to its day
    assert [(r[0], r[1], r[2]) for r in rows[1:]] == [
        ("2020-02-10", "2020-02-10", "SO1/1"),
        ("2020-02-10", "2020-05-02", "RT1/1"),
    ]
    other = Statement.objects.get(settlement=q2, partner=world.p_us)
    theirs = reverse("programs:statement_lines", args=[other.pk, other.lines.get().pk, "csv"])
    assert _client(world, "partner_user").get(theirs).status_code == 404
    assert _client(world, "partner_user").get(url).status_code == 200  # its own, approved


def test_a_queued_settlement_fails_in_the_language_of_who_asked(
    world: World, load_lines, load_program
) -> None:
    """The worker runs the job as the person who queued it, in their language: their right
    to settle is checked again when it runs (it may have been taken away meanwhile)."""
    load_lines(sale("2020-02-10", "SO1", 120000))
    load_program(program_toml("VOL", "retroactive", TIERS))
    finance = _client(world, "finance")
    finance.post(
        reverse("programs:settle"), {"period": "2020Q1"}, headers={"Accept-Language": "zh-hans"}
    )
    job = SettlementJob.objects.get()
    assert job.language == "zh-hans"
    finance_user = world.users["finance"]
    finance_user.groups.set([Group.objects.get(name="sales")])
    settle_task.call(job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and not Settlement.objects.exists()
    assert job.message == "您无权修改结算。"
    listed = _client(world, "director").get(reverse("programs:settlement_list"))
    assert job.message in listed.content.decode()  # the reason stays in sight on the list


def test_a_settlement_job_refuses_a_bad_period_before_queueing(world: World) -> None:
    response = _client(world, "finance").post(reverse("programs:settle"), {"period": "2020Q7"})
    assert response.status_code == 302 and not SettlementJob.objects.exists()
