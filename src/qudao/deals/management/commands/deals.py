"""``qudao deals expire`` — approved registrations past their protection window expire (the
customer is free again) and those ending soon are marked as told; run it daily, beside
``qudao governance risk``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from qudao.core.management.arguments import day
from qudao.deals.services import deals_expire


class Command(BaseCommand):
    help = "Deal registration: expire the protection windows that have ended."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        expire = actions.add_parser("expire", help="expire ended protection windows")
        expire.add_argument("--as-of", type=day, help="the day judged (default: today)")

    def handle(self, *args: Any, **opts: Any) -> None:
        done = deals_expire(as_of=opts["as_of"])
        self.stdout.write(done.summary())
