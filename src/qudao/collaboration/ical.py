"""iCalendar (RFC 5545) for one's own activities — a few lines of text, so no library:
CRLF line ends, text escaped, lines folded at 75 octets, times in UTC."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from qudao.collaboration.models import Activity


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\\n")
    ).replace("\n", "\\n")


def _fold(line: str) -> list[str]:
    """Split a content line into pieces of at most 75 octets (never inside a character);
    each continuation starts with a space."""
    pieces: list[str] = []
    current = ""
    for char in line:
        limit = 75 if not pieces else 74
        if len((current + char).encode("utf-8")) > limit:
            pieces.append(current)
            current = char
        else:
            current += char
    pieces.append(current)
    return [pieces[0], *(" " + p for p in pieces[1:])]


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar_text(activities: Iterable[Activity], *, host: str, name: str) -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Qudao//Channel activities//EN",
        "CALSCALE:GREGORIAN",
        f"X-WR-CALNAME:{_escape(name)}",
    ]
    stamp = _utc(datetime.now(UTC))
    for activity in activities:
        description = activity.notes
        lines += [
            "BEGIN:VEVENT",
            f"UID:activity-{activity.pk}@{host}",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{_utc(activity.starts_at)}",
            f"DTEND:{_utc(activity.ends_at)}",
            f"SUMMARY:{_escape(f'{activity.partner.code} · {activity.subject}')}",
            f"CATEGORIES:{_escape(activity.get_kind_display())}",
        ]
        if activity.location:
            lines.append(f"LOCATION:{_escape(activity.location)}")
        if description:
            lines.append(f"DESCRIPTION:{_escape(description)}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(piece + "\r\n" for line in lines for piece in _fold(line))
