"""``qudao review PERIOD`` — the channel review for ``2019Q4``, ``2019-12`` or ``2019``;
``qudao review --rerun RUN_ID`` makes a recorded run again from its recorded inputs."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qudao.analytics.management.arguments import add_engine_and_user, periods_and_actor
from qudao.analytics.models import ReviewRun
from qudao.analytics.services import RerunRefusedError, review_rerun_create, review_run
from qudao.core.management.progress import draw_progress, end_progress
from qudao.core.models import User


class Command(BaseCommand):
    help = "Run the channel review for one or more periods (2019Q4, 2019-12, 2019)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("periods", nargs="*", metavar="PERIOD")
        parser.add_argument(
            "--rerun",
            type=int,
            metavar="RUN_ID",
            help="make run RUN_ID again from what it recorded (facts, master data, parameters)",
        )
        add_engine_and_user(parser, user_help="record this user as the one who ran it")

    def _progress(self, fraction: float, message: str) -> None:
        draw_progress(self.stderr, fraction, f"{message:<24}")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["rerun"] is not None:
            if opts["periods"] or opts["engine"]:
                raise CommandError("--rerun takes no period and no engine: it uses the run's")
            self._rerun(opts["rerun"], opts["user"])
            return
        if not opts["periods"]:
            raise CommandError("name a period (2019Q4, 2019-12, 2019) or --rerun RUN_ID")
        periods, actor = periods_and_actor(opts)
        for period in periods:
            run = review_run(
                period=period.key, actor=actor, engine=opts["engine"], progress=self._progress
            )
            self._summary(run)

    def _rerun(self, run_id: int, username: str | None) -> None:
        try:
            original = ReviewRun.objects.get(pk=run_id)
            actor = User.objects.get(username=username) if username else None
            run = review_rerun_create(run=original, actor=actor)
        except ReviewRun.DoesNotExist as exc:
            raise CommandError(f"no review run {run_id}") from exc
        except User.DoesNotExist as exc:
            raise CommandError(f"no user {username!r}") from exc
        except RerunRefusedError as exc:
            raise CommandError(str(exc)) from exc
        self._summary(review_run(period=run.period, run=run, progress=self._progress))

    def _summary(self, run: ReviewRun) -> None:
        end_progress(self.stderr)
        again = f", again from run {run.rerun_of_id}" if run.rerun_of_id else ""
        partial = run.partial_sell_in
        note = (
            f" — partial period: sell-in reaches {partial.last.isoformat()} "
            f"({partial.days_covered} of {partial.days} days)"
            if partial
            else ""
        )
        self.stdout.write(
            f"review {run.period} (run {run.pk}{again}): {run.row_counts['scorecards']} "
            f"partners scored in {run.timings['total']:.1f} s on {run.engine}{note}"
        )
