"""The worker's pulse: dead workers' tasks go back to the queue, interrupted imports and
reviews start again, and the pages and the API say when nothing moves."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult

from qudao.analytics.models import ReviewRun, RunStatus
from qudao.analytics.services import review_enqueue
from qudao.core.workers import heartbeat_start, live_workers, tasks_recover, worker_health
from qudao.facts.choices import BatchStatus
from qudao.facts.models import Batch
from qudao.facts.selectors import batch_errors
from qudao.facts.services import upload_enqueue
from qudao.facts.store import staging_dir, store_recover
from tests.conftest import World, run_queued_tasks

FLOW = (
    "date,partner,customer,product,quantity,amount,document_id\n"
    "2020-01-05,P-DE,C1,BIKE-1,2,300,D1\n"
    "2020-01-06,P-DE,C2,BIKE-1,1,150,D2\n"
)


def _dead_pid() -> int:
    """The pid of a process that has exited."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])  # noqa: S603
    child.wait()
    return child.pid


def _queued_import(world: World) -> Batch:
    with TestCase.captureOnCommitCallbacks(execute=True):
        return upload_enqueue(
            fact="sell_through",
            uploaded=SimpleUploadedFile("flow.csv", FLOW.encode()),
            mapping_toml="",
            mode="all-or-nothing",
            actor=world.users["director"],
        )


def _claimed_by(worker_id: str) -> None:
    DBTaskResult.objects.update(status="RUNNING", worker_ids=[worker_id], started_at=timezone.now())


def test_a_dead_workers_task_goes_back_to_the_queue_and_its_import_starts_again(
    world: World,
) -> None:
    batch = _queued_import(world)
    # A worker took the import, wrote part of it, and was killed.
    _claimed_by("killed-worker")
    Batch.objects.filter(pk=batch.pk).update(worker_pid=_dead_pid(), progress=0.4, rows_read=1)
    staging_dir(batch.pk).mkdir(parents=True)
    (staging_dir(batch.pk) / "part-0.parquet").write_bytes(b"half a file")

    # A live worker's task is left alone; the dead one's is handed back.
    stop = heartbeat_start("live-worker")
    try:
        assert live_workers() == ["live-worker"]
        assert tasks_recover() == 1
    finally:
        stop()
    assert DBTaskResult.objects.get().status == "READY"

    run_queued_tasks()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMMITTED and batch.rows_accepted == 2
    assert batch.worker_pid == os.getpid()
    assert not staging_dir(batch.pk).exists()


def test_store_recovery_keeps_a_queued_import_for_its_retry(world: World) -> None:
    batch = _queued_import(world)
    Batch.objects.filter(pk=batch.pk).update(worker_pid=_dead_pid())
    assert store_recover() == [batch.pk]
    batch.refresh_from_db()
    # not failed: the upload is there and the task will run it again
    assert batch.status == BatchStatus.PENDING and batch.worker_pid is None
    # an import started from the CLI has no upload to retry from: it fails, as before
    Batch.objects.filter(pk=batch.pk).update(worker_pid=_dead_pid(), upload="")
    store_recover()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED


def test_an_interrupted_review_runs_again(world: World) -> None:
    with TestCase.captureOnCommitCallbacks(execute=True):
        run = review_enqueue(period="2020Q1", actor=world.users["director"])
    _claimed_by("killed-worker")
    ReviewRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, progress=0.3)
    assert tasks_recover(dead="killed-worker") == 1
    run_queued_tasks()
    run.refresh_from_db()
    assert run.status == RunStatus.CURRENT


def test_pages_and_api_say_when_the_worker_is_missing_or_the_queue_is_stuck(
    world: World, settings
) -> None:  # type: ignore[no-untyped-def]
    batch = _queued_import(world)
    client = Client()
    client.force_login(world.users["director"])
    health = worker_health()
    assert not health.running and health.waiting == 1

    page = client.get(batch.get_absolute_url()).content.decode()
    assert "background worker is not running" in page
    listing = client.get(reverse("facts:batch_list")).content.decode()
    assert "background worker is not running" in listing
    api = client.get(f"/api/imports/{batch.pk}").json()
    assert "not running" in api["waiting_note"]

    # in the user's language
    client.post(reverse("set_language"), {"language": "zh-hans"})
    assert "后台任务进程未运行" in client.get(batch.get_absolute_url()).content.decode()
    client.post(reverse("set_language"), {"language": "en"})

    # A worker beats: no warning while the job is young, one once it has waited too long.
    stop = heartbeat_start("busy-worker")
    try:
        assert "data-worker-health" not in client.get(batch.get_absolute_url()).content.decode()
        settings.QUDAO = {**settings.QUDAO, "TASK_WAIT_WARNING_SECONDS": 60}
        DBTaskResult.objects.update(enqueued_at=timezone.now() - timedelta(minutes=3))
        page = client.get(batch.get_absolute_url()).content.decode()
        assert "1 job is waiting, for 3 min." in page
        assert "busy with earlier work" in page
    finally:
        stop()

    # once the import is done, nothing is said
    run_queued_tasks()
    assert "data-worker-health" not in client.get(batch.get_absolute_url()).content.decode()
    assert client.get(f"/api/imports/{batch.pk}").json()["waiting_note"] == ""


def test_a_queued_import_answers_in_the_uploaders_language(world: World) -> None:
    """The worker has no request and no language of its own: it writes the row errors in
    the language of whoever uploaded the file (here Chinese, whatever is active when the
    worker runs)."""
    bad = (
        "date,partner,customer,product,quantity,amount,document_id\n"
        "2020-13-45,NOPE,C1,BIKE-1,2,300,D1\n"
    )
    with translation.override("zh-hans"), TestCase.captureOnCommitCallbacks(execute=True):
        batch = upload_enqueue(
            fact="sell_through",
            uploaded=SimpleUploadedFile("flow.csv", bad.encode()),
            mapping_toml="",
            mode="all-or-nothing",
            actor=world.users["director"],
        )
    assert batch.language == "zh-hans"
    with translation.override("en"):
        run_queued_tasks()
    batch.refresh_from_db()
    errors, total = batch_errors(batch)
    reasons = " ".join(str(e["reason"]) for e in errors)
    assert batch.status != BatchStatus.COMMITTED and total >= 1
    assert "不是有效日期" in reasons and "不存在此编码的" in reasons, reasons
    assert "Not a date" not in reasons and "No partner" not in reasons
