"""``qudao serve`` — the web server (gunicorn + whitenoise) and the background worker.

This process only prepares the home and watches: gunicorn and the worker run as fresh
processes. Gunicorn forks its web workers from its master, and a fork of a process whose
data libraries (Polars, DuckDB, Arrow) already started their thread pools inherits locks
held by threads that do not exist in the child — its first import preview hangs until
gunicorn kills it. ``qudao demo`` builds the demo with those libraries, so serving from
its own process hung every page that read a file.

The worker is restarted when it dies (its interrupted task goes back to the queue); if
the web server stops, everything stops.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.crypto import get_random_string

from qudao.core.signals import serving_started
from qudao.core.workers import last_beat, stale_seconds

# A worker that dies this soon after starting is restarted after a growing pause.
QUICK_DEATH_SECONDS = 10.0
MAX_PAUSE_SECONDS = 30.0


def _qudao(*args: str) -> list[str]:
    return [sys.executable, "-m", "qudao.cli", *args]


class Command(BaseCommand):
    help = "Serve Qudao: gunicorn (static files by whitenoise) and the background worker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--workers", type=int, default=2, help="web worker processes")
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="do not start the background worker (run `qudao worker` apart)",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        if settings.SECRET_KEY == settings.DEVELOPMENT_SECRET_KEY and not settings.DEBUG:
            # Anyone could sign a session cookie with the published development key.
            raise CommandError(
                "SECRET_KEY is not set: set it in the environment (a long random string), "
                f"or put one in {settings.SECRET_KEY_FILE}; `qudao demo` makes one for its "
                "home. DEBUG=1 allows the development key, for development only."
            )
        call_command("migrate", interactive=False, verbosity=0)
        settings.QUDAO_HOME.mkdir(parents=True, exist_ok=True)
        serving_started.send(sender=type(self))  # e.g. the fact store recovers a killed import
        web = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [
                sys.executable,
                "-m",
                "gunicorn",
                "qudao.wsgi:application",
                "--bind",
                opts["bind"],
                "--workers",
                str(opts["workers"]),
                "--access-logfile",
                "-",
                # gunicorn's control socket lives in $HOME, shared by every server there
                "--no-control-socket",
            ]
        )
        supervisor = WorkerSupervisor(enabled=not opts["no_worker"], log=self.stderr.write)
        self.stdout.write(f"Qudao at http://{opts['bind']}/  (Ctrl+C stops)")
        self.stdout.flush()

        stopping = False

        def stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            while not stopping and web.poll() is None:
                supervisor.check()
                time.sleep(0.5)
        finally:
            for process in (web, supervisor.process):
                if process is not None and process.poll() is None:
                    process.terminate()
            for process in (web, supervisor.process):
                if process is not None:
                    try:
                        process.wait(timeout=15)
                    except subprocess.TimeoutExpired:
                        process.kill()
        if web.returncode not in (0, None, -signal.SIGTERM) and not stopping:
            sys.exit(web.returncode or 1)


class WorkerSupervisor:
    """Keeps one ``qudao worker`` running; a replacement is told which worker it replaces,
    so the task the dead one held is queued again at once."""

    def __init__(self, *, enabled: bool, log: Any) -> None:
        self.enabled, self.log = enabled, log
        self.process: subprocess.Popen[bytes] | None = None
        self.worker_id = ""
        self.started = 0.0
        self.pause = 1.0
        self.restart_at = 0.0
        if enabled:
            self._start(replaces="")

    def _start(self, *, replaces: str) -> None:
        self.worker_id = get_random_string(24)
        command = _qudao("worker", "--worker-id", self.worker_id)
        if replaces:
            command += ["--replaces", replaces]
        self.process = subprocess.Popen(command)  # noqa: S603 - our own command
        self.started = time.monotonic()

    def _kill_if_hung(self) -> None:
        """A worker whose heartbeat stopped (frozen, or stuck outside Python) is killed,
        so that it is replaced and its task queued again."""
        beat = last_beat(self.worker_id)
        started_long_ago = time.monotonic() - self.started > 3 * stale_seconds()
        if started_long_ago and (beat is None or time.time() - beat > 3 * stale_seconds()):
            self.log("serve: the background worker stopped answering; replacing it")
            self.process.kill()  # type: ignore[union-attr]
            self.process.wait()  # type: ignore[union-attr]

    def check(self) -> None:
        if not self.enabled or self.process is None:
            return
        if self.restart_at:
            if time.monotonic() >= self.restart_at:
                self.restart_at = 0.0
                self._start(replaces=self.worker_id)
            return
        code = self.process.poll()
        if code is None:
            self._kill_if_hung()
            return
        quick = time.monotonic() - self.started < QUICK_DEATH_SECONDS
        self.pause = min(self.pause * 2, MAX_PAUSE_SECONDS) if quick else 1.0
        self.log(f"serve: the background worker stopped (exit {code}); restarting it")
        self.restart_at = time.monotonic() + (self.pause if quick else 0.0)
