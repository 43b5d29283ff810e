"""``qudao token USERNAME [--name NAME]`` — create an API token; the key is shown once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qudao.core.models import User
from qudao.core.services import api_token_create


class Command(BaseCommand):
    help = "Create an API token for a user (shown once; only its hash is stored)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="cli")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            user = User.objects.get(username=opts["username"])
        except User.DoesNotExist as exc:
            raise CommandError(f"no user {opts['username']!r}") from exc
        _token, key = api_token_create(user=user, name=opts["name"])
        self.stdout.write(key)
