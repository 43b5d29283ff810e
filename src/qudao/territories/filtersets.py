from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from qudao.core.filtersets import LevelFilter, SearchFilterSet
from qudao.territories.choices import RegionKind, SegmentKind
from qudao.territories.models import Region, Segment


class RegionFilterSet(SearchFilterSet):
    kind = django_filters.ChoiceFilter(choices=RegionKind.choices, label=_("Kind"))
    level = LevelFilter(field_name="depth", label=_("Level"))

    class Meta:
        model = Region
        fields = ["q", "kind", "level"]


class SegmentFilterSet(SearchFilterSet):
    kind = django_filters.ChoiceFilter(choices=SegmentKind.choices, label=_("Kind"))

    class Meta:
        model = Segment
        fields = ["q", "kind"]
