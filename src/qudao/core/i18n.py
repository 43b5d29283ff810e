"""Language helpers shared by models, dictionaries and templates."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import get_language


def in_chinese() -> bool:
    """Whether the active language is Chinese (zh-hans and its variants)."""
    return (get_language() or "").startswith("zh")


def bilingual(en: str, zh: str) -> str:
    """The Chinese text in Chinese when there is one, else the English."""
    return zh if zh and in_chinese() else en


def job_language() -> str:
    """The language to record on a background job: the one active for the person queueing
    it (their choice, else their browser's), so the worker answers them in it."""
    return get_language() or settings.LANGUAGE_CODE
