"""WSGI entry point for gunicorn (``qudao serve``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qudao.settings")
application = get_wsgi_application()
