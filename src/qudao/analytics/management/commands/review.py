"""``qudao review PERIOD`` — the channel review for ``2019Q4``, ``2019-12`` or ``2019``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qudao.analytics.engine import check_engine, default_engine
from qudao.analytics.models import Engine
from qudao.analytics.services import review_run
from qudao.core.management.progress import draw_progress
from qudao.core.models import User
from qudao.core.periods import Period


class Command(BaseCommand):
    help = "Run the channel review for one or more periods (2019Q4, 2019-12, 2019)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("periods", nargs="+", metavar="PERIOD")
        parser.add_argument(
            "--engine", choices=Engine.values, help="default: QUDAO_REVIEW_ENGINE or duckdb"
        )
        parser.add_argument("--user", help="record this user as the one who ran it")

    def _progress(self, fraction: float, message: str) -> None:
        draw_progress(self.stderr, fraction, f"{message:<24}")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            periods = [Period.parse(p) for p in opts["periods"]]
            actor = User.objects.get(username=opts["user"]) if opts["user"] else None
            check_engine(opts["engine"] or default_engine())
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        except User.DoesNotExist as exc:
            raise CommandError(f"no user {opts['user']!r}") from exc
        for period in periods:
            run = review_run(
                period=period.key, actor=actor, engine=opts["engine"], progress=self._progress
            )
            self.stderr.write("")
            self.stdout.write(
                f"review {run.period} (run {run.pk}): {run.row_counts['scorecards']} partners "
                f"scored in {run.timings['total']:.1f} s on {run.engine}"
            )
