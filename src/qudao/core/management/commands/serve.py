"""``qudao serve`` — the production web server (gunicorn + whitenoise)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Serve Qudao with gunicorn (static files by whitenoise)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--workers", type=int, default=2)

    def handle(self, *args: Any, **opts: Any) -> None:
        from gunicorn.app.wsgiapp import WSGIApplication

        call_command("migrate", interactive=False, verbosity=0)
        settings.QUDAO_HOME.mkdir(parents=True, exist_ok=True)
        self.stdout.write(f"Qudao at http://{opts['bind']}/  (Ctrl+C stops)")

        class Server(WSGIApplication):
            def load_config(self) -> None:
                self.cfg.set("bind", opts["bind"])
                self.cfg.set("workers", opts["workers"])
                self.cfg.set("accesslog", "-")

            def load(self) -> Any:
                from qudao.wsgi import application

                return application

        Server("%(prog)s").run()
