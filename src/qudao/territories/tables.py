from __future__ import annotations

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from qudao.core.tables import NUMERIC, NameColumn
from qudao.territories.models import Region, Segment


class RegionTable(tables.Table):
    code = tables.Column(linkify=True)
    name = NameColumn(verbose_name=_("Name"))
    kind = tables.Column()
    parent = tables.Column(
        accessor="parent__name", order_by="parent__code", verbose_name=_("Parent region")
    )
    depth = tables.Column(verbose_name=_("Level"), attrs=NUMERIC)
    partner_count = tables.Column(verbose_name=_("Partners based here"), attrs=NUMERIC)

    class Meta:
        model = Region
        fields = ("code", "name", "kind", "parent", "depth", "partner_count")
        order_by = "code"


class SegmentTable(tables.Table):
    code = tables.Column()
    name = NameColumn(verbose_name=_("Name"), linkify=False)
    kind = tables.Column()
    partner_count = tables.Column(verbose_name=_("Partners"), attrs=NUMERIC)

    class Meta:
        model = Segment
        fields = ("code", "name", "kind", "partner_count")
