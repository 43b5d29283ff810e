"""Import and export definitions for regions and segments."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from qudao.core.importing.fields import as_choice, as_decimal, as_int, as_text, choices_of
from qudao.core.importing.master import Field, MasterTarget
from qudao.core.importing.upsert import upsert_by
from qudao.core.periods import Period
from qudao.territories.choices import RegionKind, SegmentKind
from qudao.territories.models import Region, RegionPotential, Segment
from qudao.territories.services import (
    region_create,
    region_potential_create,
    region_potential_update,
    region_update,
    segment_create,
    segment_update,
)

REGIONS = MasterTarget(
    name="regions",
    label=_("Regions"),
    model=Region,
    key=("code",),
    fields=[
        Field("code", as_text(50), required=True),
        Field("name_en", as_text(), required=True),
        Field("name_zh", as_text()),
        Field("kind", as_choice(choices_of(RegionKind))),
        Field("parent", reference=Region),
    ],
    upsert=upsert_by(
        model=Region,
        key=("code",),
        create=region_create,
        update=region_update,
        instance_kw="region",
    ),
    export_queryset=lambda: Region.objects.select_related("parent"),
    export_row=lambda r: {
        "code": r.code,
        "name_en": r.name_en,
        "name_zh": r.name_zh,
        "kind": r.kind,
        "parent": r.parent.code if r.parent else "",
    },
)

SEGMENTS = MasterTarget(
    name="segments",
    label=_("Segments"),
    model=Segment,
    key=("code",),
    fields=[
        Field("code", as_text(50), required=True),
        Field("name_en", as_text(), required=True),
        Field("name_zh", as_text()),
        Field("kind", as_choice(choices_of(SegmentKind)), required=True),
    ],
    upsert=upsert_by(
        model=Segment,
        key=("code",),
        create=segment_create,
        update=segment_update,
        instance_kw="segment",
    ),
    export_queryset=lambda: Segment.objects.all(),
    export_row=lambda s: {
        "code": s.code,
        "name_en": s.name_en,
        "name_zh": s.name_zh,
        "kind": s.kind,
    },
)


def _period(value: Any) -> str:
    return Period.parse(str(value)).key


REGION_POTENTIAL = MasterTarget(
    name="region_potential",
    label=_("Market potential by region"),
    model=RegionPotential,
    key=("region", "period"),
    fields=[
        Field("region", reference=Region, required=True),
        Field("period", _period, required=True),
        Field("potential_amount", as_decimal(places=2, minimum=Decimal(0))),
        Field("potential_outlets", as_int),
        Field("source", as_text()),
    ],
    # a figure left blank is not known (the row holds the amount, the outlets or both)
    upsert=upsert_by(
        model=RegionPotential,
        key=("region", "period"),
        create=region_potential_create,
        update=region_potential_update,
        instance_kw="potential",
        blanks={"potential_amount": None, "potential_outlets": None, "source": ""},
    ),
    export_queryset=lambda: RegionPotential.objects.select_related("region"),
    export_row=lambda p: {
        "region": p.region.code,
        "period": p.period,
        "potential_amount": p.potential_amount,
        "potential_outlets": p.potential_outlets,
        "source": p.source,
    },
)
