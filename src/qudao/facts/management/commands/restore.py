"""``qudao restore DIR`` — a backup into this (new) home, every file checked first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qudao.facts.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore the backup in DIR into this home, which must hold no data yet (set "
        "QUDAO_HOME, or DATABASE_URL to an empty database). Checks every file first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", metavar="DIR", type=Path)

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            summary = backup_restore(opts["folder"], progress=self.stderr.write)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(summary.text())
