"""``qudao export DATASET --format csv|xlsx|json [-o FILE]`` — master data in canonical columns.

The columns are the canonical fields, so an export re-imports unchanged.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qudao.core.exporting import WRITERS
from qudao.core.importing.errors import MappingError
from qudao.core.importing.registry import master_target, master_targets
from qudao.core.models import User


class Command(BaseCommand):
    help = "Export master data as CSV, Excel or JSON (stdout when no -o)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dataset", help=", ".join(master_targets()))
        parser.add_argument("--format", choices=sorted(WRITERS), default="csv")
        parser.add_argument("-o", "--output", type=Path)
        parser.add_argument("--user", help="export only what this user may see")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            target = master_target(opts["dataset"])
        except MappingError as exc:
            raise CommandError(str(exc)) from exc
        queryset = target.export_queryset()
        if opts["user"]:
            try:
                queryset = queryset.restrict(User.objects.get(username=opts["user"]))
            except User.DoesNotExist as exc:
                raise CommandError(f"no user {opts['user']!r}") from exc
        headers = target.field_names
        rows = [[target.export_row(obj)[h] for h in headers] for obj in queryset.iterator()]
        data = WRITERS[opts["format"]](headers, rows)
        if opts["output"]:
            opts["output"].write_bytes(data)
            self.stderr.write(f"{target.name}: {len(rows)} rows written to {opts['output']}")
        elif opts["format"] == "xlsx":
            raise CommandError("xlsx needs -o FILE")
        else:
            sys.stdout.buffer.write(data)
