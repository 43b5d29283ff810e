"""A partner's admin uploads its own sell-through and inventory through the same upload
page: rows of partners outside its own tree are rejected with that reason, its valid rows
kept; it sees its company's files only; the submission calendar turns the month in."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from qudao.core.periods import month_start
from qudao.facts.models import Batch
from qudao.facts.selectors import (
    Submission,
    batch_errors,
    batch_list,
    calendar_months,
    obliged_partners,
    submission_calendar,
)
from qudao.facts.services import upload_enqueue
from qudao.partners.models import Partner
from tests.conftest import World, run_queued_tasks

HEADER = "date,partner,customer,product,quantity,unit_price,amount,document_id\n"


def _flow(*partners: str, day: date) -> bytes:
    return (
        HEADER
        + "".join(f"{day},{p},C{i},BIKE-1,1,100,100,D{day}-{i}\n" for i, p in enumerate(partners))
    ).encode()


def _upload(actor: Any, content: bytes, fact: str = "sell_through") -> Batch:
    with TestCase.captureOnCommitCallbacks(execute=True):
        batch = upload_enqueue(
            fact=fact,
            uploaded=SimpleUploadedFile("flow.csv", content),
            mapping_toml="",
            mode="accept-valid",
            actor=actor,
        )
    run_queued_tasks()
    batch.refresh_from_db()
    return batch


def test_rows_of_another_partner_are_rejected_with_the_reason(world: World) -> None:
    admin = world.users["partner_admin"]
    day = timezone.localdate().replace(day=1)
    batch = _upload(admin, _flow("P-DE", "P-DE-SUB", "P-US", day=day))
    assert (batch.status, batch.rows_accepted, batch.rows_rejected) == ("committed", 2, 1)
    errors, count = batch_errors(batch)
    assert count == 1
    (error,) = errors
    assert error["value"] == "P-US" and "outside the partners you may import for" in error["reason"]


def test_a_partner_uploads_flow_and_stock_only(world: World) -> None:
    before = Batch.objects.count()
    sell_in = (
        b"order_date,order_id,line_no,partner,product,quantity,amount\n"
        b"2026-11-02,O1,1,P-DE,BIKE-1,1,100\n"
    )
    with pytest.raises(PermissionDenied):
        upload_enqueue(
            fact="sell_in",
            uploaded=SimpleUploadedFile("in.csv", sell_in),
            mapping_toml="",
            mode="accept-valid",
            actor=world.users["partner_admin"],
        )
    with pytest.raises(PermissionDenied):  # a partner's plain user reads only
        _upload(world.users["partner_user"], _flow("P-DE", day=date(2026, 11, 2)))
    assert Batch.objects.count() == before


def test_a_partner_sees_its_own_companys_files_only(world: World) -> None:
    mine = _upload(world.users["partner_admin"], _flow("P-DE", day=date(2026, 10, 5)))
    brand = _upload(world.users["director"], _flow("P-US", day=date(2026, 10, 6)))
    seen = set(batch_list(user=world.users["partner_user"]).values_list("pk", flat=True))
    assert seen == {mine.pk}
    assert brand.pk in set(batch_list(user=world.users["director"]).values_list("pk", flat=True))
    client = Client()
    client.force_login(world.users["partner_user"])
    assert client.get(reverse("facts:batch_detail", args=[brand.pk])).status_code == 404
    assert client.get(reverse("facts:batch_detail", args=[mine.pk])).status_code == 200


def _cell(world: World, partner: Partner, month: date, today: date) -> Any:
    (row,) = submission_calendar(
        partners=[partner], fact="sell_through", months=calendar_months(today), today=today
    )
    return next(c for c in row.cells if c.month == month)


def test_the_calendar_turns_a_month_in_late_or_missing(world: World) -> None:
    Partner.objects.filter(pk=world.p_de.pk).update(reports_sell_through=True)
    today = timezone.localdate()
    last_month = month_start(today, -1)
    two_ago = month_start(today, -2)
    assert _cell(world, world.p_de, two_ago, today).state == Submission.MISSING
    batch = _upload(world.users["partner_admin"], _flow("P-DE", day=last_month + timedelta(days=3)))
    assert _cell(world, world.p_de, last_month, today).state == Submission.IN
    # a file for two months ago, committed 20 days after that month ended: late (due in 15)
    late = _upload(world.users["partner_admin"], _flow("P-DE", day=two_ago + timedelta(days=1)))
    ended = month_start(two_ago, 1) - timedelta(days=1)
    Batch.objects.filter(pk=late.pk).update(
        committed_at=timezone.make_aware(datetime.combine(ended + timedelta(days=20), time(9)))
    )
    cell = _cell(world, world.p_de, two_ago, today)
    assert (cell.state, cell.batch_id) == (Submission.LATE, late.pk)
    # the sub-partner had no rows in either file
    assert _cell(world, world.p_de_sub, last_month, today).state in (
        Submission.DUE,
        Submission.MISSING,
    )
    assert batch.pk != late.pk


def test_the_calendar_shows_a_partner_its_own_tree(world: World) -> None:
    Partner.objects.update(reports_sell_through=True)
    seen = set(obliged_partners(user=world.users["partner_admin"]).values_list("code", flat=True))
    assert seen == {"P-DE", "P-DE-SUB"}
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(world.users["partner_admin"])
    page = client.get(reverse("facts:calendar")).content.decode()
    assert 'data-partner="P-DE"' in page and 'data-partner="P-US"' not in page
    export = client.get(reverse("facts:calendar"), {"export": "xlsx"})
    assert export.status_code == 200
