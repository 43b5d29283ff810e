from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet

from qudao.territories.models import Region, Segment


def region_list(*, user: Any) -> QuerySet[Region]:
    return (
        Region.objects.restrict(user)
        .select_related("parent")
        .annotate(partner_count=Count("home_partners"))
    )


def segment_list(*, user: Any) -> QuerySet[Segment]:
    return Segment.objects.restrict(user).annotate(partner_count=Count("partners"))
