"""The background worker's pulse: heartbeats, recovery of tasks a dead worker held, and
the health the pages show.

A worker (``qudao worker``) touches ``$QUDAO_HOME/run/workers/<worker id>`` every few
seconds from a thread. A file, not a database row: on SQLite a heartbeat write would wait
behind the long transaction of the import it is reporting on. A task whose worker's file
has gone quiet is handed back to the queue (``tasks_recover``); each task then finds its
own half-done work and starts it again (see ``facts.tasks`` and ``analytics.tasks``).
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)


def stale_seconds() -> float:
    """A worker silent this long is taken for dead (QUDAO["WORKER_STALE_SECONDS"])."""
    return float(str(settings.QUDAO["WORKER_STALE_SECONDS"]))


def beat_seconds() -> float:
    return min(3.0, stale_seconds() / 4)


def _beats_dir() -> Path:
    return Path(settings.QUDAO_HOME) / "run" / "workers"


def _beat_file(worker_id: str) -> Path:
    return _beats_dir() / worker_id


def heartbeat_start(worker_id: str) -> Callable[[], None]:
    """Beat for ``worker_id`` until the returned function is called (it removes the file).

    Every few beats the thread also hands back tasks of workers that went quiet, so a
    worker that died unsupervised does not hold its task for ever."""
    _beats_dir().mkdir(parents=True, exist_ok=True)
    path = _beat_file(worker_id)
    path.write_text(
        json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "started": time.time()})
    )
    stop = threading.Event()

    def beat() -> None:
        ticks = 0
        while not stop.wait(beat_seconds()):
            path.touch()
            ticks += 1
            if ticks % 10 == 0:
                try:
                    tasks_recover()
                except Exception:  # a failed sweep must not stop the pulse
                    logger.exception("recovering the tasks of dead workers failed")
                finally:
                    close_old_connections()

    def stop_beating() -> None:
        stop.set()
        path.unlink(missing_ok=True)

    threading.Thread(target=beat, name="qudao-heartbeat", daemon=True).start()
    return stop_beating


def last_beat(worker_id: str) -> float | None:
    """When ``worker_id`` last beat (a time.time()), or None if it never did or has gone."""
    try:
        return _beat_file(worker_id).stat().st_mtime
    except FileNotFoundError:
        return None


def live_workers() -> list[str]:
    """Ids of the workers that beat within ``stale_seconds()``."""
    folder = _beats_dir()
    if not folder.exists():
        return []
    cutoff = time.time() - stale_seconds()
    live = []
    for path in folder.iterdir():
        try:
            if path.stat().st_mtime >= cutoff:
                live.append(path.name)
        except FileNotFoundError:  # removed by its worker meanwhile
            continue
    return live


def tasks_recover(*, dead: str | None = None) -> int:
    """Put back in the queue the running tasks whose worker is gone: ``dead`` (a worker
    known to have died, e.g. by its supervisor) or any whose heartbeat went quiet.
    Returns how many were handed back."""
    if dead:
        _beat_file(dead).unlink(missing_ok=True)
    live = set(live_workers())
    orphans = [
        task.pk
        for task in DBTaskResult.objects.running().only("pk", "worker_ids")
        if not task.worker_ids or task.worker_ids[-1] not in live
    ]
    if not orphans:
        return 0
    return DBTaskResult.objects.filter(pk__in=orphans, status="RUNNING").update(
        status="READY", started_at=None
    )


@dataclass(frozen=True)
class WorkerHealth:
    """What the pages that start background work show about the worker."""

    running: bool
    waiting: int  # tasks queued, not started
    oldest_wait: timedelta | None  # how long the oldest of them has waited

    @property
    def stuck(self) -> bool:
        limit = timedelta(seconds=float(str(settings.QUDAO["TASK_WAIT_WARNING_SECONDS"])))
        return self.oldest_wait is not None and self.oldest_wait > limit

    @property
    def needs_attention(self) -> bool:
        return not self.running or self.stuck


def worker_health() -> WorkerHealth:
    ready = DBTaskResult.objects.ready()
    oldest: datetime | None = (
        ready.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
    )
    return WorkerHealth(
        running=bool(live_workers()),
        waiting=ready.count(),
        oldest_wait=None if oldest is None else timezone.now() - oldest,
    )


def waiting_note(*, active: bool) -> str:
    """For a job not yet finished (``active``): why it may not move, in the user's language;
    empty when the worker is there and the queue moves."""
    if not active:
        return ""
    health = worker_health()
    if not health.running:
        return _(
            "The background worker is not running: imports and reviews wait in the queue "
            "until it starts again."
        )
    if health.stuck:
        return _("The worker is busy with earlier work; this one starts when that ends.")
    return ""
