"""The queryset every partner-visible model uses, so ``.restrict(user)`` is always at hand."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from django.db import models

from qudao.core.permissions import restrict

if TYPE_CHECKING:
    from qudao.core.permissions import Action


class RestrictedQuerySet(models.QuerySet[Any]):
    def restrict(self, user: Any, action: Action = "view") -> Self:
        """Only the rows ``user`` may see (``view``) or change (``change``) — see ``restrict``."""
        return restrict(self, user, action)
