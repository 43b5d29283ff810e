"""``qudao import TARGET FILE [--mapping MAP.toml] [--dry-run] [--mode …]``.

TARGET is a fact (sell_in, sell_through, inventory, code_assignment, code_scan,
marketing_spend, receivable) or master data (regions, segments, partners, categories,
products, price_list, targets).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qudao.core.importing.errors import MappingError, SourceError
from qudao.core.importing.mapping import load_mapping
from qudao.core.importing.master import import_file
from qudao.core.importing.registry import master_target, master_targets
from qudao.core.management.progress import draw_progress, end_progress
from qudao.core.models import User
from qudao.core.periods import Period
from qudao.facts.choices import ImportMode
from qudao.facts.schemas import FACTS
from qudao.facts.services import DuplicateBatchError, fact_import


class Command(BaseCommand):
    help = (
        "Import facts or master data from CSV (UTF-8, UTF-8 BOM, GBK/GB18030), XLSX or "
        "Parquet (facts). Facts: "
        + ", ".join(FACTS)
        + ". Master data: "
        + ", ".join(master_targets())
        + "."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("target")
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--mapping", type=Path, help="TOML mapping (default: canonical headers)"
        )
        parser.add_argument("--dry-run", action="store_true", help="validate only, write nothing")
        parser.add_argument(
            "--mode",
            choices=ImportMode.values,
            default=ImportMode.ALL_OR_NOTHING,
            help="facts: commit nothing on any error (default), or the valid rows",
        )
        parser.add_argument(
            "--replace-period",
            metavar="PERIOD",
            help="facts: a corrected resubmission for 2024-03, 2024Q1 or 2024; it replaces the "
            "earlier rows of the same partners in that period",
        )
        parser.add_argument("--user", help="record the import as this user")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            mapping = load_mapping(opts["mapping"]) if opts["mapping"] else None
            actor = User.objects.get(username=opts["user"]) if opts["user"] else None
            if opts["target"] in FACTS:
                self._facts(opts, mapping, actor)
            else:
                self._master(opts, mapping, actor)
        except (MappingError, SourceError, DuplicateBatchError) as exc:
            raise CommandError(str(exc)) from exc
        except User.DoesNotExist as exc:
            raise CommandError(f"no user {opts['user']!r}") from exc

    def _progress(self, fraction: float, rows: int) -> None:
        draw_progress(self.stderr, fraction, f"{rows:,} rows")

    def _facts(self, opts: dict[str, Any], mapping: Any, actor: Any) -> None:
        replace = None
        if opts["replace_period"]:
            try:
                period = Period.parse(opts["replace_period"])
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            replace = (period.start, period.end)
        result = fact_import(
            fact=opts["target"],
            path=opts["file"],
            mapping=mapping,
            mode=opts["mode"],
            dry_run=opts["dry_run"],
            actor=actor,
            progress=self._progress,
            replace=replace,
        )
        end_progress(self.stderr)
        for row in result.errors.sort("row").head(20).iter_rows(named=True):
            self.stderr.write(
                f"  row {row['row']}, column “{row['column']}”, "
                f"value “{row['value']}”: {row['reason']}"
            )
        if result.errors.height > 20:
            self.stderr.write(f"  … and {result.errors.height - 20} more")
        line = result.summary()
        if result.report_path:
            line += f" (report: {result.report_path})"
        self.stdout.write(line)
        if result.rows_rejected and opts["mode"] == ImportMode.ALL_OR_NOTHING:
            sys.exit(1)

    def _master(self, opts: dict[str, Any], mapping: Any, actor: Any) -> None:
        target = master_target(opts["target"])
        self.stderr.write(f"importing {opts['file']} as {target.name} …")
        result = import_file(
            target=target, path=opts["file"], mapping=mapping, dry_run=opts["dry_run"], actor=actor
        )
        for error in result.errors[:20]:
            self.stderr.write("  " + error.as_text())
        if len(result.errors) > 20:
            self.stderr.write(f"  … and {len(result.errors) - 20} more")
        self.stdout.write(result.summary())
        if result.report_path:
            self.stdout.write(f"error report: {result.report_path}")
            raise CommandError("rows were rejected; nothing was written")
