"""What the commands that run over periods share: PERIOD arguments, ``--engine`` and
``--user``, checked before anything runs (``qudao review``, ``qudao governance detect``)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from qudao.analytics.engine import check_engine, default_engine
from qudao.analytics.models import Engine
from qudao.core.models import User
from qudao.core.periods import Period


def add_engine_and_user(parser: CommandParser, *, user_help: str) -> None:
    parser.add_argument(
        "--engine", choices=Engine.values, help="default: QUDAO_REVIEW_ENGINE or duckdb"
    )
    parser.add_argument("--user", help=user_help)


def periods_and_actor(opts: dict[str, Any]) -> tuple[list[Period], User | None]:
    """The periods named, and the user to act as; a CommandError saying what is wrong."""
    try:
        periods = [Period.parse(p) for p in opts["periods"]]
        actor = User.objects.get(username=opts["user"]) if opts["user"] else None
        check_engine(opts["engine"] or default_engine())
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    except User.DoesNotExist as exc:
        raise CommandError(f"no user {opts['user']!r}") from exc
    return periods, actor
