"""``qudao governance detect PERIOD`` — run the violation detectors (窜货, shipments outside
the territory, sales below the floor price) over a period; they also run with every
``qudao review``. ``qudao governance risk`` — compute every partner's risk profile and raise
or clear its alerts (run it daily: compliance reminders fall due by the calendar)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from qudao.analytics.management.arguments import add_engine_and_user, periods_and_actor
from qudao.core.management.arguments import day
from qudao.core.models import User
from qudao.governance.models import RiskLevel, RiskProfile
from qudao.governance.services import risk_profiles_refresh, violations_detect


class Command(BaseCommand):
    help = "Channel governance: detect violations for a period (2019Q4, 2019-12, 2019)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        detect = actions.add_parser("detect", help="run the detectors over PERIOD")
        detect.add_argument("periods", nargs="+", metavar="PERIOD")
        add_engine_and_user(detect, user_help="run as this user (their permissions apply)")
        risk = actions.add_parser("risk", help="compute partner risk profiles and alerts")
        risk.add_argument("--as-of", type=day, help="the day judged (default: today)")
        risk.add_argument("--user", help="run as this user (their permissions apply)")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["action"] == "risk":
            self._risk(opts)
            return
        periods, actor = periods_and_actor(opts)
        for period in periods:
            try:
                run = violations_detect(period=period.key, engine=opts["engine"], actor=actor)
            except PermissionDenied as exc:
                raise CommandError(str(exc)) from exc
            counts = run.row_counts
            unjudged = ", ".join(
                f"{name} {count}" for name, count in counts["unjudged"].items() if count
            )
            self.stdout.write(
                f"{period.key}: {counts['violations']} violation(s) found or updated "
                f"(run {run.pk}); rows not judged (no region, territory, price, holder or "
                f"stock on record): {unjudged or 'none'}"
            )

    def _risk(self, opts: dict[str, Any]) -> None:
        try:
            actor = User.objects.get(username=opts["user"]) if opts["user"] else None
            done = risk_profiles_refresh(as_of=opts["as_of"], actor=actor)
        except User.DoesNotExist as exc:
            raise CommandError(f"no user {opts['user']!r}") from exc
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        high = RiskProfile.objects.filter(level=RiskLevel.HIGH, as_of=done.as_of).count()
        self.stdout.write(f"{done.summary()}; {high} high")
