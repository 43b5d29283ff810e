"""The one progress bar of long CLI commands (imports, reviews), drawn on stderr."""

from __future__ import annotations

from typing import Any

WIDTH = 30


def draw_progress(stream: Any, fraction: float, detail: str) -> None:
    """Redraw the bar in place: ``[#######.......]  25%  detail``."""
    done = int(fraction * WIDTH)
    stream.write(f"\r[{'#' * done}{'.' * (WIDTH - done)}] {fraction:4.0%}  {detail}", ending="")
    stream.flush()
