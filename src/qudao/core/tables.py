"""Column helpers shared by the list tables."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from qudao.core.exporting import Money
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
        return Money(value) if isinstance(value, Decimal) else value


class NameColumn(tables.Column):
    """The record's name in the active language, linked to its page."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("linkify", True)
        kwargs.setdefault("order_by", ("name_en",))
        kwargs.setdefault("accessor", "name")
        super().__init__(*args, **kwargs)


class StatusColumn(tables.Column):
    """A status as a coloured badge on screen (the CSS class is the value), its label in exports."""

    def render(self, record: Any, bound_column: Any) -> str:
        # The stored value, not ``value``: django-tables2 hands choice fields over as labels.
        code = getattr(record, bound_column.name)
        label = getattr(record, f"get_{bound_column.name}_display")()
        return format_html('<span class="badge {}">{}</span>', code, label)

    def value(self, value: Any, record: Any, bound_column: Any) -> Any:
        return getattr(record, f"get_{bound_column.name}_display")()


class EditColumn(tables.LinkColumn):
    """An "Edit" link to the row's edit page (``url_name`` takes the row's pk); not in
    exports."""

    def __init__(self, url_name: str, **kwargs: Any) -> None:
        kwargs.setdefault("text", _("Edit"))
        kwargs.setdefault("verbose_name", "")
        super().__init__(
            url_name, args=[tables.A("pk")], orderable=False, exclude_from_export=True, **kwargs
        )
