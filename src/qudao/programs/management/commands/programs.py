"""``qudao programs load FILE.toml`` — create a rebate program, or a new version of it, from
a file kept in version control; ``qudao programs list`` — the programs and their versions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from qudao.core.models import User
from qudao.programs.models import ProgramVersion
from qudao.programs.rules import DefinitionError
from qudao.programs.services import program_load


class Command(BaseCommand):
    help = "Rebate programs: load a program file (TOML), or list the programs."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        load = actions.add_parser("load", help="create the program in FILE, or a new version")
        load.add_argument("files", nargs="+", type=Path, metavar="FILE.toml")
        load.add_argument("--draft", action="store_true", help="keep it a draft (to simulate)")
        load.add_argument("--user", help="load as this user (their permissions apply)")
        actions.add_parser("list", help="the programs and their versions")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["action"] == "list":
            for version in ProgramVersion.objects.select_related("program"):
                self.stdout.write(
                    f"{version.program.code}\tv{version.number}\t{version.status}\t"
                    f"{version.kind}\t{version.valid_from}…{version.valid_to or ''}"
                )
            return
        actor = None
        if opts["user"]:
            try:
                actor = User.objects.get(username=opts["user"])
            except User.DoesNotExist as exc:
                raise CommandError(f"no user {opts['user']!r}") from exc
        for path in opts["files"]:
            try:
                text = path.read_text(encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError) as exc:
                raise CommandError(f"{path}: {exc}") from exc
            try:
                version = program_load(text=text, actor=actor, publish=not opts["draft"])
            except DefinitionError as exc:
                raise CommandError(f"{path}: " + "\n  ".join(["refused:", *exc.problems])) from exc
            except PermissionDenied as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(
                f"{path.name}: {version.program.code} version {version.number} "
                f"({version.get_status_display()})"
            )
