"""Mail to people, in their language — sent only where this installation has a mail server
(``QUDAO_EMAIL_HOST`` or ``QUDAO_EMAIL_BACKEND``); elsewhere nothing is sent and the pages
say so instead of promising a mail."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation


def sends_mail() -> bool:
    return bool(settings.QUDAO.get("SENDS_MAIL"))


def mail_in_language(
    *, to: str, language: str, subject_template: str, body_template: str, context: dict[str, Any]
) -> bool:
    """Render and send one plain-text mail in ``language``; whether it went out."""
    if not to or not sends_mail():
        return False
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string(subject_template, context).split())
        body = render_to_string(body_template, context)
    return send_mail(subject, body, None, [to]) == 1
