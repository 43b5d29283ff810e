from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from qudao.core.navigation import CHANNEL_AND_PARTNERS, navigation_for


def console(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "navigation": navigation_for(user),
        # the top bar's partner search: not for the product team or supply chain
        "searches_partners": user.is_superuser or user.has_role(*CHANNEL_AND_PARTNERS),
        "delta_colours": settings.QUDAO["DELTA_COLOURS"],
    }
