"""The one progress bar of long CLI commands (imports, reviews, settlements), on stderr.

On a terminal the bar is redrawn in place; into a file or a pipe (a cron job's log, CI) it
would leave thousands of carriage returns, so there it is a plain line at each tenth.
"""

from __future__ import annotations

from typing import Any

WIDTH = 30
_last_tenth: dict[int, int] = {}  # stream → the last tenth written (not on a terminal)


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # a closed or wrapped stream without a terminal
        return False


def draw_progress(stream: Any, fraction: float, detail: str) -> None:
    """``[#######.......]  25%  detail`` redrawn on a terminal; ``25%  detail`` lines
    (one per tenth) elsewhere."""
    fraction = min(max(fraction, 0.0), 1.0)
    if _is_terminal(stream):
        done = int(fraction * WIDTH)
        line = f"\r[{'#' * done}{'.' * (WIDTH - done)}] {fraction:4.0%}  {detail}"
        stream.write(line, ending="") if hasattr(stream, "style_func") else stream.write(line)
        stream.flush()
        return
    tenth = int(fraction * 10)
    if _last_tenth.get(id(stream)) == tenth:
        return
    _last_tenth[id(stream)] = tenth
    text = f"{fraction:4.0%}  {detail.strip()}\n"
    stream.write(text, ending="") if hasattr(stream, "style_func") else stream.write(text)
    stream.flush()


def end_progress(stream: Any) -> None:
    """After the last redraw: the terminal's line is ended (a file's lines already are)."""
    _last_tenth.pop(id(stream), None)
    if _is_terminal(stream):
        stream.write("")
