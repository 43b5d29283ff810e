"""The ``qudao`` console script: django-admin with Qudao's settings.

Django's own commands (migrate, check, createsuperuser …) and Qudao's
(demo, serve, import, export, backup, restore, token) are all listed by ``qudao --help``.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qudao.settings")
    # after the settings module is chosen: Django reads it on import
    from django.core.management import execute_from_command_line
    from django.db.utils import OperationalError

    try:
        execute_from_command_line(sys.argv)
    except OperationalError as exc:
        sys.stderr.write(database_problem(exc) + "\n")
        sys.exit(1)


def database_problem(exc: Exception) -> str:
    """What an operator should do when the database cannot be reached, instead of a
    traceback: the most common case is a PostgreSQL database not created yet."""
    from django.conf import settings  # deferred: read after the settings module is chosen

    db = settings.DATABASES["default"]
    reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
    if "postgresql" not in str(db["ENGINE"]):
        return f"qudao: the database cannot be used: {reason}"
    name, user = db.get("NAME", "qudao"), db.get("USER") or "postgres"
    host = db.get("HOST") or "localhost"
    hint = (
        f"create it first, e.g. `createdb -h {host} -U {user} {name}` "
        "(see docs/operations.md), then run the command again."
        if "does not exist" in reason
        else "check DATABASE_URL and that PostgreSQL is running (docs/operations.md)."
    )
    return f"qudao: cannot use the PostgreSQL database “{name}” on {host}: {reason}\n{hint}"


if __name__ == "__main__":
    main()
