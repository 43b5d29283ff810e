"""Importing from the browser: upload, background import, result, report, revert — by role."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from qudao.facts.choices import BatchStatus
from qudao.facts.models import Batch, SavedMapping
from qudao.facts.store import fact_table
from tests.conftest import World, run_queued_tasks

CSV = (
    "snapshot_date,partner,product,quantity_on_hand\n"
    "2020-01-31,P-DE,BIKE-1,5\n2020-01-31,P-US,BIKE-1,oops\n2020-02-29,P-DE,BIKE-1,7\n"
)


def _upload(client: Client, content: str = CSV, **extra: str):
    from django.test import TestCase

    data = {
        "fact": "inventory",
        "mode": "all-or-nothing",
        "mapping": "",
        "file": SimpleUploadedFile("stock.csv", content.encode("gb18030")),
    }
    data.update(extra)
    # The view queues the import when its transaction commits; the test's transaction
    # never commits, so run those callbacks here.
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(reverse("facts:upload"), data)


def test_upload_runs_in_the_background_and_shows_the_errors(world: World) -> None:
    client = Client()
    client.force_login(world.users["manager"])
    # Given an upload with one bad row
    response = _upload(client)
    batch = Batch.objects.get()
    assert response.status_code == 302 and response["Location"] == batch.get_absolute_url()
    # it waits in the queue, showing progress, until the worker takes it
    assert batch.status == BatchStatus.PENDING
    assert 'hx-trigger="every 1s"' in client.get(batch.get_absolute_url()).content.decode()
    run_queued_tasks()
    batch.refresh_from_db()
    # then nothing is committed, and the page lists the problem with its row and column
    assert batch.status == BatchStatus.REJECTED and batch.rows_rejected == 1
    page = client.get(batch.get_absolute_url()).content.decode()
    assert "quantity_on_hand" in page and "oops" in page and "every 1s" not in page
    report = client.get(reverse("facts:batch_report", args=[batch.pk, "xlsx"]))
    assert report.status_code == 200 and report["Content-Disposition"].endswith('.xlsx"')
    assert fact_table("inventory").count().execute() == 0


def test_accept_valid_upload_then_revert(world: World) -> None:
    client = Client()
    client.force_login(world.users["director"])
    _upload(client, mode="accept-valid")
    run_queued_tasks()
    batch = Batch.objects.get()
    assert batch.status == BatchStatus.COMMITTED and batch.rows_accepted == 2
    assert fact_table("inventory").count().execute() == 2
    # the same file again is refused at once, naming the batch
    again = _upload(client, mode="accept-valid")
    assert again.status_code == 200 and f"batch {batch.pk}" in again.content.decode()
    client.post(reverse("facts:batch_revert", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == BatchStatus.REVERTED and fact_table("inventory").count().execute() == 0


INVENTORY_TOML = """
target = "inventory"
[columns]
snapshot_date = "日期"
partner = "经销商"
product = "产品"
quantity_on_hand = "库存"
"""


def test_saved_mapping_with_chinese_headers(world: World) -> None:
    SavedMapping.objects.create(name="月度库存", fact="inventory", toml=INVENTORY_TOML)
    client = Client()
    client.force_login(world.users["director"])
    csv = '日期,经销商,产品,库存\n2020年3月31日,P-DE,BIKE-1,"1,200"\n'
    _upload(client, csv, saved_mapping=str(SavedMapping.objects.get().pk))
    run_queued_tasks()
    assert Batch.objects.values_list("status", "message").get() == (BatchStatus.COMMITTED, "")
    assert fact_table("inventory").to_polars().get_column("quantity_on_hand").to_list()[0] == 1200


def test_upload_offers_saved_mappings_by_fact_and_refuses_a_mismatch(world: World) -> None:
    stock = SavedMapping.objects.create(
        name="库存月报", fact="inventory", partner=world.p_de, toml=INVENTORY_TOML
    )
    SavedMapping.objects.create(
        name="流向", fact="sell_through", toml=INVENTORY_TOML.replace("inventory", "sell_through")
    )
    client = Client()
    client.force_login(world.users["director"])
    page = client.get(reverse("facts:upload")).content.decode()
    # each option names its fact and source, and carries the fact the page narrows by
    assert 'data-fact="inventory"' in page and 'data-fact="sell_through"' in page
    assert "库存月报 · " in page and " · P-DE</option>" in page
    # choosing a sell-through mapping for an inventory file is refused, nothing is queued
    wrong = SavedMapping.objects.get(name="流向")
    response = _upload(client, saved_mapping=str(wrong.pk))
    assert response.status_code == 200 and not Batch.objects.exists()
    assert "“流向” maps sell_through files, not inventory." in response.content.decode()
    _upload(
        client, "日期,经销商,产品,库存\n2020-03-31,P-DE,BIKE-1,5\n", saved_mapping=str(stock.pk)
    )
    assert Batch.objects.get().mapping == INVENTORY_TOML


def test_who_may_import_and_see_batches(world: World) -> None:
    director = Client()
    director.force_login(world.users["director"])
    _upload(director, mode="accept-valid")
    run_queued_tasks()
    batch = Batch.objects.get()
    for role, sees, imports in (
        ("director", 200, 200),
        ("manager", 200, 200),
        ("finance", 200, 403),  # read-only: sees every batch, imports nothing
        ("sales", 200, 403),
        ("partner_admin", 404, 200),  # uploads its own flow and stock; not the brand's files
        ("partner_user", 404, 403),
        ("no_role", 404, 403),
    ):
        client = Client()
        client.force_login(world.users[role])
        assert client.get(batch.get_absolute_url()).status_code == sees, role
        assert client.get(reverse("facts:batch_report", args=[batch.pk, "csv"])).status_code in (
            (sees,) if sees == 404 else (200,)
        ), role
        assert client.get(reverse("facts:upload")).status_code == imports, role
        listed = client.get(reverse("facts:batch_list")).content.decode()
        assert ("stock.csv" in listed) == (sees == 200), role
    revert = Client()
    revert.force_login(world.users["sales"])
    assert revert.post(reverse("facts:batch_revert", args=[batch.pk])).status_code == 404
    # a read-only role's writes are refused and change nothing, by every door
    finance = Client()
    finance.force_login(world.users["finance"])
    before = (Batch.objects.count(), SavedMapping.objects.count())
    assert _upload(finance).status_code == 403
    added = finance.post(
        reverse("facts:mapping_add"),
        {"name": "mine", "fact": "inventory", "toml": INVENTORY_TOML},
    )
    assert added.status_code == 403
    assert finance.post(reverse("facts:batch_revert", args=[batch.pk])).status_code in (403, 404)
    from qudao.core.services import api_token_create

    api = Client(
        HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=world.users['finance'], name='f')[1]}"
    )
    refused = api.post(
        "/api/imports", {"fact": "inventory", "file": SimpleUploadedFile("x.csv", CSV.encode())}
    )
    assert refused.status_code == 403
    assert api.post(f"/api/imports/{batch.pk}/revert").status_code in (403, 404)
    batch.refresh_from_db()
    assert batch.status == "committed"
    assert (Batch.objects.count(), SavedMapping.objects.count()) == before
    assert Client().get(batch.get_absolute_url()).status_code == 302


def test_api_upload_and_poll(world: World) -> None:
    from django.test import TestCase

    from qudao.core.services import api_token_create

    _token, key = api_token_create(user=world.users["director"], name="erp")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = api.post(
            "/api/imports",
            {
                "fact": "inventory",
                "mode": "accept-valid",
                "file": SimpleUploadedFile("stock.csv", CSV.encode()),
            },
        )
    assert response.status_code == 202 and response.json()["status"] == "pending"
    batch_id = response.json()["id"]
    run_queued_tasks()
    polled = api.get(f"/api/imports/{batch_id}").json()
    assert (polled["status"], polled["rows_accepted"], polled["rows_rejected"]) == (
        "committed",
        2,
        1,
    )
    assert polled["errors"][0]["row"] == 3 and polled["errors"][0]["column"] == "quantity_on_hand"
    sales = Client(
        HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=world.users['sales'], name='s')[1]}"
    )
    assert (
        sales.post(
            "/api/imports", {"fact": "inventory", "file": SimpleUploadedFile("x.csv", b"a")}
        ).status_code
        == 403
    )
    partner = Client(
        HTTP_AUTHORIZATION=(
            f"Bearer {api_token_create(user=world.users['partner_user'], name='p')[1]}"
        )
    )
    assert partner.get(f"/api/imports/{batch_id}").status_code == 404


def test_a_queued_upload_survives_another_import(world: World, tmp_path) -> None:
    from qudao.facts.services import fact_import

    # Given an upload waiting in the queue
    client = Client()
    client.force_login(world.users["director"])
    _upload(client, mode="accept-valid")
    queued = Batch.objects.get()
    # when someone imports another file from the command line (which cleans up first)
    other = tmp_path / "spend.csv"
    other.write_text("date,partner,campaign,amount\n2020-01-01,P-DE,Spring,10\n")
    fact_import(fact="marketing_spend", path=other)
    # then the queued upload is still waiting, and imports normally afterwards
    queued.refresh_from_db()
    assert queued.status == BatchStatus.PENDING and queued.message == ""
    run_queued_tasks()
    queued.refresh_from_db()
    assert queued.status == BatchStatus.COMMITTED and queued.message == ""


def test_match_columns_in_the_browser_and_save_the_mapping(world: World) -> None:
    client = Client()
    client.force_login(world.users["manager"])
    csv = "盘点日期,经销商编码,SKU,库存,备注\n2020-03-31,P-DE,BIKE-1,4,ok\n"
    # Given a file whose headers are not the canonical ones, the preview proposes matches
    preview = client.post(
        reverse("facts:preview"),
        {"fact": "inventory", "file": SimpleUploadedFile("stock.csv", csv.encode("gbk"))},
    )
    page = preview.content.decode()
    assert preview.status_code == 200 and "<td>P-DE</td>" in page
    assert '<option value="盘点日期" selected>' in page and '<option value="库存" selected>' in page
    # when the person confirms the matches and names the mapping
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(
            reverse("facts:upload"),
            {
                "fact": "inventory",
                "mode": "all-or-nothing",
                "mapping": "",
                "save_as": "门店月报",
                "col_snapshot_date": "盘点日期",
                "col_partner": "经销商编码",
                "col_product": "SKU",
                "col_quantity_on_hand": "库存",
                "file": SimpleUploadedFile("stock.csv", csv.encode("gbk")),
            },
        )
    run_queued_tasks()
    # then the file is imported with them, and the mapping waits for next month's file
    assert Batch.objects.get().status == BatchStatus.COMMITTED
    saved = SavedMapping.objects.get(name="门店月报")
    assert 'quantity_on_hand = "库存"' in saved.toml
    bad = client.post(
        reverse("facts:preview"), {"fact": "inventory", "file": SimpleUploadedFile("x.csv", b"")}
    )
    assert "empty" in bad.content.decode()
    assert Client().post(reverse("facts:preview")).status_code == 302


def test_saved_mappings_page(world: World) -> None:
    client = Client()
    client.force_login(world.users["director"])
    add = reverse("facts:mapping_add")
    # a mapping that names a field the fact does not have is refused next to the field
    bad = client.post(
        add,
        {
            "name": "坏的",
            "fact": "inventory",
            "partner": "",
            "toml": 'target = "inventory"\n[columns]\nshoe = "x"\n',
        },
    )
    assert bad.status_code == 200 and "shoe" in bad.content.decode()
    good_toml = (
        'target = "inventory"\n[columns]\nsnapshot_date = "日期"\npartner = "经销商"\n'
        'product = "产品"\nquantity_on_hand = "库存"\n'
    )
    response = client.post(
        add, {"name": "门店", "fact": "inventory", "partner": world.p_de.pk, "toml": good_toml}
    )
    assert response.status_code == 302
    saved = SavedMapping.objects.get(name="门店")
    assert saved.partner == world.p_de and saved.created_by == world.users["director"]
    listing = client.get(reverse("facts:mapping_list")).content.decode()
    assert "门店" in listing
    edit = reverse("facts:mapping_edit", args=[saved.pk])
    client.post(edit, {"name": "门店月报", "fact": "inventory", "partner": "", "toml": good_toml})
    saved.refresh_from_db()
    assert saved.name == "门店月报" and saved.partner is None
    for role, status in (("manager", 200), ("sales", 404), ("partner_admin", 404)):
        other = Client()
        other.force_login(world.users[role])
        assert other.get(edit).status_code == status, role
        assert ("门店月报" in other.get(reverse("facts:mapping_list")).content.decode()) == (
            role != "partner_admin"
        ), role


def test_a_manager_imports_sees_and_reverts_only_inside_its_scope(world: World) -> None:
    """Batches have the scope of the partners they hold: the Europe manager neither imports
    rows of a US partner, nor sees, downloads or reverts a batch holding one."""
    from qudao.facts.services import fact_import

    manager = Client()
    manager.force_login(world.users["manager"])
    # the manager's own upload: the P-US row is refused with that reason, P-DE's accepted
    _upload(
        manager,
        content="snapshot_date,partner,product,quantity_on_hand\n"
        "2020-01-31,P-DE,BIKE-1,5\n2020-01-31,P-US,BIKE-1,3\n",
        mode="accept-valid",
    )
    run_queued_tasks()
    mine = Batch.objects.get()
    assert (mine.status, mine.rows_accepted, mine.rows_rejected) == ("committed", 1, 1)
    page = manager.get(mine.get_absolute_url()).content.decode()
    assert "outside the partners you may import for" in page
    # a director's batch of US rows only, and one of both regions
    world_tmp = tempfile.mkdtemp()
    us_only = Path(world_tmp) / "us.csv"
    us_only.write_text(
        "snapshot_date,partner,product,quantity_on_hand\n2020-02-29,P-US,BIKE-1,4\n",
        encoding="utf-8",
    )
    us_batch = fact_import(fact="inventory", path=us_only, actor=world.users["director"]).batch
    mixed = Path(world_tmp) / "mixed.csv"
    mixed.write_text(
        "snapshot_date,partner,product,quantity_on_hand\n"
        "2020-03-31,P-US,BIKE-1,4\n2020-03-31,P-DE,BIKE-1,2\n",
        encoding="utf-8",
    )
    mixed_batch = fact_import(fact="inventory", path=mixed, actor=world.users["director"]).batch
    de_only = Path(world_tmp) / "de.csv"
    de_only.write_text(
        "snapshot_date,partner,product,quantity_on_hand\n2020-04-30,P-DE,BIKE-1,4\n",
        encoding="utf-8",
    )
    de_batch = fact_import(fact="inventory", path=de_only, actor=world.users["director"]).batch
    for batch, visible in ((us_batch, False), (mixed_batch, False), (de_batch, True)):
        status = 200 if visible else 404
        assert manager.get(batch.get_absolute_url()).status_code == status, batch
        assert manager.get(f"/api/imports/{batch.pk}").status_code == status, batch
        refused = manager.post(reverse("facts:batch_revert", args=[batch.pk]))
        assert refused.status_code == (302 if visible else 404), batch
        api_revert = manager.post(f"/api/imports/{batch.pk}/revert")
        assert api_revert.status_code in ((200, 400, 422) if visible else (404,)), batch
        batch.refresh_from_db()
        assert (batch.status == "committed") == (not visible), batch
    listed = {b["id"] for b in manager.get("/api/imports").json()["items"]}
    assert listed == {mine.pk, de_batch.pk}
    # and the batch records its checksum with its commit
    assert us_batch.checksum and len(us_batch.checksum) == 64


def test_a_very_wide_header_is_refused_at_once_and_in_little_memory(
    world: World, tmp_path: Path
) -> None:
    """A 3.9 MB file whose header has 400,000 columns: refused before anything else is
    read, in well under a second and a few megabytes (it once held a web worker 30 s)."""
    import time
    import tracemalloc

    wide = ",".join(f"c{i}" for i in range(400_000)) + "\n" + "1," * 399_999 + "1\n"
    client = Client()
    client.force_login(world.users["director"])
    tracemalloc.start()
    started = time.perf_counter()
    response = client.post(
        reverse("facts:preview"),
        {"fact": "sell_through", "file": SimpleUploadedFile("wide.csv", wide.encode())},
    )
    took = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    page = response.content.decode()
    assert response.status_code == 200 and "header line is longer than 65,536" in page
    assert len(page) < 20_000  # the refusal, not a 75 MB table
    assert took < 1.0, took
    assert peak < 40 * 1024 * 1024, peak  # the upload itself is 3.9 MB
    # the import refuses it the same way
    path = tmp_path / "wide.csv"
    path.write_text(wide, encoding="utf-8")
    from qudao.core.importing.errors import SourceError
    from qudao.facts.services import fact_import

    with pytest.raises(SourceError, match="header line is longer"):
        fact_import(fact="sell_through", path=path)
    # a header within that length but of too many columns is refused by its count
    many = tmp_path / "many.csv"
    many.write_text(",".join("c" for _ in range(5000)) + "\n", encoding="utf-8")
    with pytest.raises(SourceError, match="5,000 columns; at most 1,000"):
        fact_import(fact="sell_through", path=many)
    assert not Batch.objects.exists()


def test_a_huge_rejected_cell_is_echoed_cut_and_the_list_carries_no_errors(
    world: World, tmp_path: Path
) -> None:
    """A rejected 5 MB cell: the report, the batch page and the API show 200 characters and
    say it was cut; the import list holds no errors at all."""
    from qudao.core.services import api_token_create
    from qudao.facts.services import fact_import

    huge = "x" * 5_000_000
    path = tmp_path / "huge.csv"
    path.write_text(
        "snapshot_date,partner,product,quantity_on_hand\n"
        f"2020-01-31,P-DE,BIKE-1,{huge}\n2020-01-31,P-DE,BIKE-1,1\n",
        encoding="utf-8",
    )
    batch = fact_import(fact="inventory", path=path, actor=world.users["director"]).batch
    assert batch.status == "rejected"
    report = Path(batch.error_report)
    assert report.stat().st_size < 10_000
    assert "x" * 200 + "… [5000000 characters, cut]" in report.read_text(encoding="utf-8-sig")
    client = Client()
    client.force_login(world.users["director"])
    page = client.get(batch.get_absolute_url())
    assert len(page.content) < 100_000 and b"characters, cut]" in page.content
    api = Client(
        HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=world.users['director'], name='a')[1]}"
    )
    detail = api.get(f"/api/imports/{batch.pk}")
    assert len(detail.content) < 20_000
    listed = api.get("/api/imports").json()["items"]
    assert listed and all("errors" not in item for item in listed)
