"""Columns of a scorecard that other apps own.

Whether a partner was at risk when a review ran is governance's to say (its rule step
records it), yet the scorecard pages, the API and the export show it beside the KPIs.
The owning app registers an expression from ``AppConfig.ready()``; ``scorecard_list``
joins it in. Analytics knows each column by name only, because its export contract names
it; where no app has registered one, the column reads as empty (None).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import models
from django.db.models import Value
from django.db.models.expressions import BaseExpression

# The columns the export contract and the API promise, and their types.
CONTRIBUTED_COLUMNS: dict[str, models.Field] = {  # type: ignore[type-arg]
    "at_risk": models.BooleanField(null=True),
}

_EXPRESSIONS: dict[str, Callable[[Any], BaseExpression]] = {}


def register_scorecard_column(name: str, expression: Callable[[Any], BaseExpression]) -> None:
    """Let ``expression(user)`` give the column ``name``: evaluated per scorecard row (e.g.
    an ``Exists`` on ``OuterRef("run")`` and ``OuterRef("partner")``), and empty where the
    user may not know it (``user`` None: the operator at the console)."""
    if name not in CONTRIBUTED_COLUMNS:
        raise ValueError(f"No scorecard column named {name!r} is open to other apps.")
    existing = _EXPRESSIONS.get(name)
    if existing is not None and existing is not expression:
        raise ValueError(f"The scorecard column {name!r} is registered already.")
    _EXPRESSIONS[name] = expression


def scorecard_columns(user: Any | None) -> dict[str, BaseExpression]:
    """Each contributed column's expression for ``user``, or an empty value where no app
    has registered one."""
    return {
        name: _EXPRESSIONS[name](user) if name in _EXPRESSIONS else Value(None, output_field=field)
        for name, field in CONTRIBUTED_COLUMNS.items()
    }


# What other apps do when a grade proposal is decided (a violation's downgrade penalty
# follows the decision of its proposal), called inside the decision's transaction.
_ON_PROPOSAL_DECIDED: list[Callable[..., Any]] = []


def register_proposal_decided(callback: Callable[..., Any]) -> None:
    """Call ``callback(proposal=…, actor=…)`` after every grade proposal decision."""
    if callback not in _ON_PROPOSAL_DECIDED:
        _ON_PROPOSAL_DECIDED.append(callback)


def proposal_decided(*, proposal: Any, actor: Any) -> None:
    for callback in _ON_PROPOSAL_DECIDED:
        callback(proposal=proposal, actor=actor)


# Partners another app holds at their grade in a review: no upgrade is proposed for them
# (governance holds a partner with a violation confirmed for one of the last quarters).
_UPGRADE_HOLDS: list[Callable[[str], set[int]]] = []


def register_upgrade_hold(holds: Callable[[str], set[int]]) -> None:
    """Let ``holds(period)`` name the partners (ids) not to propose for a better grade in
    the review of ``period``."""
    if holds not in _UPGRADE_HOLDS:
        _UPGRADE_HOLDS.append(holds)


def upgrade_holds(period: str) -> set[int]:
    held: set[int] = set()
    for holds in _UPGRADE_HOLDS:
        held |= holds(period)
    return held
