"""``qudao export DATASET [--period P] --format csv|xlsx|json [-o FILE]``.

Master data comes out in canonical columns, so an export re-imports unchanged; the apps
register other datasets (``scorecards``: the current review of one period, ``--period``).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qudao.core.exporting import WRITERS
from qudao.core.importing.errors import MappingError
from qudao.core.importing.registry import master_target, master_targets, other_exports
from qudao.core.models import User


class Command(BaseCommand):
    help = "Export master data as CSV, Excel or JSON (stdout when no -o)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dataset", help=", ".join([*master_targets(), *other_exports()]))
        parser.add_argument("--period", help="for scorecards: 2019Q4, 2019-12 or 2019")
        parser.add_argument("--format", choices=sorted(WRITERS), default="csv")
        parser.add_argument("-o", "--output", type=Path)
        parser.add_argument("--user", help="export only what this user may see")

    def handle(self, *args: Any, **opts: Any) -> None:
        user = None
        if opts["user"]:
            try:
                user = User.objects.get(username=opts["user"])
            except User.DoesNotExist as exc:
                raise CommandError(f"no user {opts['user']!r}") from exc
        produce = other_exports().get(opts["dataset"])
        if produce is not None:
            try:
                headers, rows = produce(opts["period"], user)
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            name = opts["dataset"]
        else:
            try:
                target = master_target(opts["dataset"])
            except MappingError as exc:
                raise CommandError(str(exc)) from exc
            queryset = target.export_queryset()
            if user is not None:
                queryset = queryset.restrict(user)
            headers, name = target.field_names, target.name
            rows = [[target.export_row(obj)[h] for h in headers] for obj in queryset.iterator()]
        data = WRITERS[opts["format"]](headers, rows)
        if opts["output"]:
            opts["output"].write_bytes(data)
            self.stderr.write(f"{name}: {len(rows)} rows written to {opts['output']}")
        elif opts["format"] == "xlsx":
            raise CommandError("xlsx needs -o FILE")
        else:
            sys.stdout.buffer.write(data)
