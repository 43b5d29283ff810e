"""Files people attach (a violation's evidence, an MDF claim's proof, a receipt): which
kinds, how large, and the name they are kept under."""

from __future__ import annotations

from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
ATTACHMENT_SUFFIXES = frozenset({".pdf", ".png", ".jpg", ".jpeg", ".xlsx", ".csv", ".docx", ".txt"})


def attachment_name_checked(upload: UploadedFile, field: str = "attachment") -> str:
    """The name an upload is kept under — no path, no control characters (a NUL cannot be
    stored), at most 150 characters — or a ValidationError on ``field`` naming the file:
    a kind not accepted, or larger than 10 MB."""
    raw = (upload.name or "").encode("utf-8", "replace").decode("utf-8")
    name = "".join(ch for ch in PurePath(raw.replace("\\", "/")).name if ch.isprintable())[-150:]
    suffix = PurePath(name).suffix.lower()
    if suffix not in ATTACHMENT_SUFFIXES:
        raise ValidationError(
            {field: _("“%(name)s”: attach %(types)s files only.")
             % {"name": name[:80], "types": ", ".join(sorted(ATTACHMENT_SUFFIXES))}}
        )  # fmt: skip
    if (upload.size or 0) > ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            {field: _("“%(name)s” is larger than %(mb)d MB.")
             % {"name": name[:80], "mb": ATTACHMENT_MAX_BYTES // (1024 * 1024)}}
        )  # fmt: skip
    return name
