"""Import and export definitions for regions and segments."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from qudao.core.importing.fields import as_choice, as_text, choices_of
from qudao.core.importing.master import Field, MasterTarget
from qudao.core.importing.upsert import upsert_by
from qudao.territories.choices import RegionKind, SegmentKind
from qudao.territories.models import Region, Segment
from qudao.territories.services import region_create, region_update, segment_create, segment_update

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
