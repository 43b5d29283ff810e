"""``qudao serve`` — the production web server (gunicorn + whitenoise)."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Serve Qudao with gunicorn (static files by whitenoise)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="do not start the background worker (run `qudao db_worker` apart)",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        from gunicorn.app.wsgiapp import WSGIApplication

        call_command("migrate", interactive=False, verbosity=0)
        settings.QUDAO_HOME.mkdir(parents=True, exist_ok=True)
        from qudao.facts.store import store_recover

        store_recover()  # what an earlier, killed import left behind
        worker = None
        if not opts["no_worker"]:
            # The embedded default: one background worker beside the web server.
            worker = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "qudao.cli",
                    "db_worker",
                    "--interval",
                    "1",
                    "--no-startup-delay",
                ]
            )
        self.stdout.write(f"Qudao at http://{opts['bind']}/  (Ctrl+C stops)")

        class Server(WSGIApplication):
            def load_config(self) -> None:
                self.cfg.set("bind", opts["bind"])
                self.cfg.set("workers", opts["workers"])
                self.cfg.set("accesslog", "-")

            def load(self) -> Any:
                from qudao.wsgi import application

                return application

        try:
            Server("%(prog)s").run()
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=10)
