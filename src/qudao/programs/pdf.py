"""A rebate statement as PDF (WeasyPrint), in the partner's language unless asked otherwise.
The same rows and explanations as the page; fonts: Noto CJK for Chinese."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import translation

from qudao.programs.models import Statement
from qudao.programs.selectors import statement_context


def partner_language(statement: Statement) -> str:
    """The language of the partner's users (the first one who chose one), else Chinese for a
    partner with a Chinese name only, else English."""
    from qudao.core.models import User  # deferred: users are the partner's, read at call time

    chosen = (
        User.objects.filter(partner=statement.partner)
        .exclude(language="")
        .values_list("language", flat=True)
        .first()
    )
    if chosen:
        return str(chosen)
    return "zh-hans" if statement.partner.name_zh and not statement.partner.name_en else "en"


def statement_pdf(statement: Statement, *, user: Any, language: str | None = None) -> bytes:
    from weasyprint import HTML  # deferred: loads Pango, only when a PDF is asked for

    language = language if language in ("en", "zh-hans") else partner_language(statement)
    with translation.override(language):
        html = render_to_string(
            "programs/statement_pdf.html",
            {**statement_context(statement, user), "language": language},
        )
    return bytes(HTML(string=html).write_pdf())
