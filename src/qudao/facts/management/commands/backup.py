"""``qudao backup DIR`` — the database and the fact store, consistent while the app runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qudao.facts.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Back up this home into DIR (new or empty): the database at one moment and the "
        "fact files of the batches committed at that moment, attachments and reports."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", metavar="DIR", type=Path)

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            summary = backup_create(opts["folder"], progress=self.stderr.write)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(summary.text())
