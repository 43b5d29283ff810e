"""``qudao worker`` — the background worker (imports, reviews), with a heartbeat.

django-tasks-db's worker loop, plus the pulse the pages read (``core.workers``) and the
recovery of tasks that a dead worker was running: they go back to the queue.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker

from qudao.core.workers import heartbeat_start, tasks_recover


class Command(BaseCommand):
    help = "Run the background worker (imports and reviews queued from the web and the API)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between polls")
        parser.add_argument("--worker-id", default="", help="unique id (default: random)")
        parser.add_argument(
            "--replaces",
            default="",
            help="id of a worker that died: its running tasks go back to the queue at once",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        worker_id = opts["worker_id"] or get_random_string(24)
        stop_beating = heartbeat_start(worker_id)
        recovered = tasks_recover(dead=opts["replaces"] or None)
        if recovered:
            self.stderr.write(f"worker: {recovered} interrupted task(s) queued again")
        worker = Worker(
            queue_names=["default"],
            interval=opts["interval"],
            batch=False,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=worker_id,
            excluded_queue_names=[],
        )
        worker.configure_signals()
        try:
            worker.run()
        finally:
            stop_beating()
