from __future__ import annotations

from typing import Any

from django import template

from qudao.notifications.selectors import unread_count

register = template.Library()


@register.simple_tag
def unread_notifications(user: Any) -> int:
    """How many of the user's notifications are unread (the top bar's count)."""
    return unread_count(user=user)
