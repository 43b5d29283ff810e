"""``qudao import TARGET FILE [--mapping MAP.toml] [--dry-run]`` — master data from CSV or XLSX."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qudao.core.importing.errors import MappingError, SourceError
from qudao.core.importing.mapping import load_mapping
from qudao.core.importing.master import import_file
from qudao.core.importing.registry import master_target, master_targets
from qudao.core.models import User


class Command(BaseCommand):
    help = (
        "Import master data (regions, segments, partners, categories, products, price_list, "
        "targets) from CSV (UTF-8, UTF-8 BOM, GBK/GB18030) or XLSX, all or nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("target", help=", ".join(master_targets()))
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--mapping", type=Path, help="TOML mapping (default: canonical headers)"
        )
        parser.add_argument("--dry-run", action="store_true", help="validate only, write nothing")
        parser.add_argument("--user", help="record changes in the history as this user")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            target = master_target(opts["target"])
            mapping = load_mapping(opts["mapping"]) if opts["mapping"] else None
            actor = User.objects.get(username=opts["user"]) if opts["user"] else None
            self.stderr.write(f"importing {opts['file']} as {target.name} …")
            result = import_file(
                target=target,
                path=opts["file"],
                mapping=mapping,
                dry_run=opts["dry_run"],
                actor=actor,
            )
        except (MappingError, SourceError) as exc:
            raise CommandError(str(exc)) from exc
        except User.DoesNotExist as exc:
            raise CommandError(f"no user {opts['user']!r}") from exc
        for error in result.errors[:20]:
            self.stderr.write("  " + error.as_text())
        if len(result.errors) > 20:
            self.stderr.write(f"  … and {len(result.errors) - 20} more")
        self.stdout.write(result.summary())
        if result.report_path:
            self.stdout.write(f"error report: {result.report_path}")
            raise CommandError("rows were rejected; nothing was written")
