"""``qudao demo [--no-serve]`` — build the AdventureWorks demo (idempotent) and serve it."""

from __future__ import annotations

import os
import secrets
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from qudao.demo.build import DEMO_LOGINS, DEMO_PASSWORD, build_demo


def secret_key_ensure() -> bool:
    """Give the demo's home a random secret key (read by the settings of every later
    command) unless SECRET_KEY is set or one is there; True if one was made."""
    if os.environ.get("SECRET_KEY") or settings.SECRET_KEY_FILE.exists():
        return False
    settings.SECRET_KEY_FILE.parent.mkdir(parents=True, exist_ok=True)
    handle = os.open(settings.SECRET_KEY_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(secrets.token_urlsafe(50))
    return True


# steps that generate what the dataset lacks: how many they made (0: there already)
GENERATED = {
    "competitor_notes": "competitor notes",
    "pilots": "pilots",
    "training": "training records",
    "activities": "activities",
    "agreements": "agreements",
    "deals": "deal registrations",
    "feedback": "product feedback",
    "campaigns": "joint marketing campaigns",
}


class Command(BaseCommand):
    help = "Build a demo instance from the bundled AdventureWorks channel data and serve it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-serve", action="store_true", help="only build")
        parser.add_argument("--bind", default="127.0.0.1:8000")

    def handle(self, *args: Any, **opts: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        results = build_demo(progress=lambda step: self.stderr.write(f"demo: {step}"))
        for name, result in results.items():
            if name == "sell_in":
                self.stdout.write(f"sell_in: batch {result.pk}, {result.rows_accepted:,} lines")
            elif name == "targets":
                self.stdout.write(f"demo targets: {result:,} partner-quarters")
            elif name == "reviews":
                span = f" ({result[0]} to {result[-1]})" if result else ""
                self.stdout.write(f"reviews: {len(result)} quarters{span}")
            elif name == "rebates":
                settled = ", ".join(result) if result else "already there"
                self.stdout.write(f"rebates: 3 programs, settled {settled}")
            elif name in GENERATED:
                what = GENERATED[name]
                self.stdout.write(
                    f"{what}: {result} generated" if result else f"{what}: already there"
                )
            elif name == "recruitment":
                made = result["applicants"]
                self.stdout.write(
                    f"recruitment: {made} applicants generated, {result['signed']} signed"
                    if made
                    else "recruitment: applicants already there"
                )
            else:
                self.stdout.write(result.summary())
        self.stdout.write(f"Logins (password “{DEMO_PASSWORD}”):")
        for login in DEMO_LOGINS:
            self.stdout.write(f"  {login.username:<12} {login.role:<18} {login.scope}")
        key_made = secret_key_ensure()
        if key_made:
            self.stdout.write(f"A secret key for this home is in {settings.SECRET_KEY_FILE}")
        if not opts["no_serve"]:
            # Served by a fresh process: this one holds the build's memory and the data
            # libraries' thread pools (see the serve command).
            sys.stdout.flush()
            sys.stderr.flush()
            command = [sys.executable, "-m", "qudao.cli", "serve", "--bind", opts["bind"]]
            os.execv(sys.executable, command)  # noqa: S606 - our own command
