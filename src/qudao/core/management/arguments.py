"""Argument types the commands share."""

from __future__ import annotations

import argparse
from datetime import date


def day(text: str) -> date:
    """A day on the command line, YYYY-MM-DD (``--as-of``)."""
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from exc
