"""Column helpers shared by the list tables."""

from __future__ import annotations

from typing import Any

import django_tables2 as tables

from qudao.core.templatetags.qudao import money

NUMERIC = {"th": {"class": "num"}, "td": {"class": "num"}, "tf": {"class": "num"}}


class MoneyColumn(tables.Column):
    """Right-aligned, grouped, two decimals on screen; the exact Decimal in exports."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("attrs", NUMERIC)
        super().__init__(*args, **kwargs)

    def render(self, value: Any) -> str:
        return money(value)

    def value(self, value: Any) -> Any:
        return value


class NameColumn(tables.Column):
    """The record's name in the active language, linked to its page."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("linkify", True)
        kwargs.setdefault("order_by", ("name_en",))
        kwargs.setdefault("accessor", "name")
        super().__init__(*args, **kwargs)
