"""``qudao rebates settle PERIOD [--approve]`` — settle every rebate program in effect for
PERIOD (2020-02: an interim settlement of a quarterly program; 2020Q1: the final one);
``qudao rebates approve SETTLEMENT`` — approve a settlement's draft statements."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from qudao.core.management.progress import draw_progress, end_progress
from qudao.core.models import User
from qudao.programs.models import Settlement
from qudao.programs.services import rebates_settle, settlement_approve


class Command(BaseCommand):
    help = "Rebates: settle a period (2020-02, 2020Q1, 2020), approve a settlement."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        settle = actions.add_parser("settle", help="settle every program in effect for PERIOD")
        settle.add_argument("period", metavar="PERIOD")
        settle.add_argument("--approve", action="store_true", help="approve the statements too")
        settle.add_argument("--program", action="append", help="only this program (repeatable)")
        settle.add_argument("--user", help="settle as this user (their permissions apply)")
        approve = actions.add_parser("approve", help="approve a settlement's draft statements")
        approve.add_argument("settlement", type=int, metavar="SETTLEMENT_ID")
        approve.add_argument("--user", help="approve as this user (their permissions apply)")

    def handle(self, *args: Any, **opts: Any) -> None:
        actor = None
        if opts["user"]:
            try:
                actor = User.objects.get(username=opts["user"])
            except User.DoesNotExist as exc:
                raise CommandError(f"no user {opts['user']!r}") from exc
        try:
            if opts["action"] == "approve":
                settlement = Settlement.objects.get(pk=opts["settlement"])
                count = settlement_approve(settlement=settlement, actor=actor)
                self.stdout.write(
                    f"settlement {settlement.pk} ({settlement.period}): "
                    f"{count} statement(s) approved"
                )
                return
            settlement = rebates_settle(
                period=opts["period"],
                actor=actor,
                approve=opts["approve"],
                programs=opts["program"],
                progress=self._progress,
            )
        except Settlement.DoesNotExist as exc:
            raise CommandError(f"no settlement {opts['settlement']}") from exc
        except (PermissionDenied, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        end_progress(self.stderr)
        counts = settlement.row_counts
        skipped = settlement.parameters.get("skipped") or []
        self.stdout.write(
            f"settlement {settlement.pk} ({settlement.period}, {settlement.get_status_display()}): "
            f"{counts.get('partners', 0)} partner(s), {counts.get('lines', 0)} line(s), "
            f"payable {settlement.total_payable}"
            + (f"; already settled further, skipped: {', '.join(skipped)}" if skipped else "")
        )

    def _progress(self, done: int, total: int) -> None:
        draw_progress(self.stderr, done / max(total, 1), f"{done}/{total} program period(s)")
