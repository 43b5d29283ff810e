"""Violation pages: the list with its filters and Excel export, the breakdown by region and
type with its trend, the violation page's workflow, comments and files, the partner's
governance tab — in both languages, each side seeing its own part."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from qudao.governance.models import Penalty, Violation, ViolationComment, ViolationStatus
from tests.conftest import World, make_user
from tests.governance.test_violation_workflow import INTO_US, detected  # noqa: F401
from tests.governance.test_violations import traded  # noqa: F401

pytestmark = pytest.mark.django_db


def _client(user: Any, language: str = "en") -> Client:
    client = Client(headers={"accept-language": language})
    client.force_login(user)
    return client


def test_the_list_filters_and_exports_what_it_shows(detected: Any, world: World) -> None:  # noqa: F811
    director = _client(world.users["director"])
    url = reverse("governance:violation_list")
    below = director.get(url, {"type": "below_floor", "export": "xlsx"})
    workbook = openpyxl.load_workbook(io.BytesIO(below.content))
    listed = list(workbook.active.iter_rows(values_only=True))
    assert {(r[1], r[2]) for r in listed[1:]} == {
        ("Below the floor price", "P-US"),
        ("Below the floor price", "P-DE"),
    }
    # region: the offender's home region or below it (P-DE lives in Berlin, in Europe)
    europe = director.get(url, {"region": world.eu.pk, "export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(europe.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("Violation", "Type", "Partner", "Name", "Injured partner")
    assert {r[2] for r in rows[1:]} == {"P-DE"} and len(rows) == 5
    assert "Nothing matches these filters" in director.get(url, {"period": "2019"}).content.decode()
    # the manager (Europe) sees P-DE's, not P-US's
    manager_page = _client(world.users["manager"]).get(url).content.decode()
    assert "Berlin Bikes" in manager_page and "Austin Cycles" not in manager_page


def test_the_breakdown_counts_by_region_and_type_with_a_trend(detected: Any, world: World) -> None:  # noqa: F811
    director = _client(world.users["director"], "zh-hans")
    url = reverse("governance:violation_breakdown")
    page = director.get(url).content.decode()
    assert "<svg" in page and "违规" in page
    sheet = openpyxl.load_workbook(
        io.BytesIO(director.get(url, {"export": "xlsx", "level": 1}).content)
    ).active
    rows = {r[0]: r for r in sheet.iter_rows(values_only=True)}
    header = rows.pop("区域")
    by_region = {region: dict(zip(header, row, strict=True)) for region, row in rows.items()}
    # P-DE (Europe): 2 cross-region sales, 1 shipment, 1 below floor; P-US: 1 below floor
    north_america = world.na.name_zh  # the factory's Chinese name
    assert by_region["欧洲"]["合计"] == 4 and by_region[north_america]["合计"] == 1
    assert by_region[north_america]["低于最低限价"] == 1
    assert by_region["欧洲"]["窜货销售"] == 2 and by_region["欧洲"]["值"] == 810


def test_confirming_with_a_penalty_and_the_partners_appeal_in_the_browser(
    detected: Any,  # noqa: F811
    world: World,
) -> None:
    violation = Violation.objects.get(identity=INTO_US)
    url = violation.get_absolute_url()
    manager = _client(world.users["manager"], "zh-hans")
    page = manager.get(url).content.decode()
    assert "确认违规" in page and "证据" in page and "P-US" in page  # the injured party
    response = manager.post(
        url,
        {"action": "confirm", "note": "发票 D2", "warning": "on", "fine": "500.00"},
    )
    assert response.status_code == 302
    violation.refresh_from_db()
    assert violation.status == ViolationStatus.CONFIRMED
    assert sorted(Penalty.objects.values_list("kind", flat=True)) == ["fine", "warning"]
    manager.post(url, {"action": "comment", "text": "内部：再查其他发票", "internal": "on"})
    # the offender's clerk reads the evidence, never the injured party nor internal notes
    clerk = _client(world.users["partner_user"], "zh-hans")
    seen = clerk.get(url).content.decode()
    # the evidence: the file's row 3, its date and region
    assert '<td class="num">3</td><td>2020年1月11日</td><td>US</td>' in seen
    assert "P-US" not in seen and "Austin" not in seen and "内部" not in seen
    assert "罚款" in seen and "发送申诉" in seen
    clerk.post(
        url,
        {
            "action": "comment",
            "text": "客户已搬迁，附租约",
            "attachment": SimpleUploadedFile("lease.pdf", b"%PDF-1.4 lease"),
        },
    )
    appeal = ViolationComment.objects.get(appeal=True)
    assert appeal.text == "客户已搬迁，附租约" and appeal.author == world.users["partner_user"]
    file_url = reverse("governance:violation_attachment", args=[violation.pk, appeal.pk])
    download = _client(world.users["director"]).get(file_url)
    assert b"".join(download.streaming_content) == b"%PDF-1.4 lease"
    assert "attachment" in download["Content-Disposition"]
    # the clerk cannot move the case
    assert clerk.post(url, {"action": "close", "note": ""}).status_code == 403
    # another partner's user does not find it
    stranger = make_user("stranger", "partner_user", partner=world.p_us)
    assert _client(stranger).get(url).status_code == 404
    assert _client(stranger).get(file_url).status_code == 404
    internal = ViolationComment.objects.get(internal=True)
    hidden = reverse("governance:violation_attachment", args=[violation.pk, internal.pk])
    assert clerk.get(hidden).status_code == 404


def test_the_partner_page_has_a_governance_tab(detected: Any, world: World) -> None:  # noqa: F811
    url = world.p_de.get_absolute_url() + "?tab=governance"
    page = _client(world.users["director"]).get(url).content.decode()
    assert "Violations (4)" in page and "Cross-region sale" in page
    clerk_page = _client(world.users["partner_user"], "zh-hans").get(url).content.decode()
    assert "违规 (4)" in clerk_page
