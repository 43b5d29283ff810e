"""``qudao token USERNAME [--name NAME] [--read-only] [--days N]`` — create an API token;
the key is shown once. People make and revoke their own on their account page."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from qudao.core.models import User
from qudao.core.services import api_token_create


class Command(BaseCommand):
    help = "Create an API token for a user (shown once; only its hash is stored)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="cli")
        parser.add_argument("--read-only", action="store_true", help="reads only")
        parser.add_argument("--days", type=int, help="expires after N days (default: never)")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            user = User.objects.get(username=opts["username"])
        except User.DoesNotExist as exc:
            raise CommandError(f"no user {opts['username']!r}") from exc
        try:
            _token, key = api_token_create(
                user=user, name=opts["name"], read_only=opts["read_only"], days=opts["days"]
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(key)
