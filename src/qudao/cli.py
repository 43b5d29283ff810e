"""The ``qudao`` console script: django-admin with Qudao's settings.

Django's own commands (migrate, check, createsuperuser …) and Qudao's
(demo, serve, import, export, token) are all listed by ``qudao --help``.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qudao.settings")
    # after the settings module is chosen: Django reads it on import
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
