"""The master data the detectors read, as Arrow tables: authorised territories, the region
tree as (region, ancestor) pairs, and the price list's floor prices. A run records each
through ``RunInputs``, so a re-run judges against the territories and prices it judged by."""

from __future__ import annotations

import pyarrow as pa

from qudao.catalog.models import PriceListEntry
from qudao.partners.models import PartnerTerritory
from qudao.territories.models import Region

TERRITORIES_SCHEMA = pa.schema(
    [
        ("holder", pa.string()),
        ("region", pa.string()),
        ("exclusive", pa.bool_()),
        ("valid_from", pa.date32()),
        ("valid_to", pa.date32()),
    ]
)
CLOSURE_SCHEMA = pa.schema(
    [("region", pa.string()), ("ancestor", pa.string()), ("depth", pa.int32())]
)
PRICES_SCHEMA = pa.schema(
    [
        ("product", pa.string()),
        ("channel_model", pa.string()),
        ("grade", pa.string()),
        ("region", pa.string()),
        ("floor_price", pa.decimal128(16, 4)),
        ("list_price", pa.decimal128(16, 4)),
        ("valid_from", pa.date32()),
        ("valid_to", pa.date32()),
    ]
)


def territory_master() -> pa.Table:
    rows = PartnerTerritory.objects.values_list(
        "partner__code", "region__code", "exclusive", "valid_from", "valid_to"
    )
    return pa.Table.from_pylist(
        [dict(zip(TERRITORIES_SCHEMA.names, row, strict=True)) for row in rows],
        schema=TERRITORIES_SCHEMA,
    )


def region_closure() -> pa.Table:
    """Every region with itself and each region above it, from the materialised paths."""
    regions = list(Region.objects.values_list("pk", "code", "path"))
    codes = {pk: code for pk, code, _path in regions}
    rows = []
    for _pk, code, path in regions:
        steps = [int(step) for step in path.strip("/").split("/") if step]
        rows += [
            {"region": code, "ancestor": codes[step], "depth": depth}
            for depth, step in enumerate(steps, start=1)
        ]
    return pa.Table.from_pylist(rows, schema=CLOSURE_SCHEMA)


def price_master() -> pa.Table:
    rows = PriceListEntry.objects.values_list(
        "product__code",
        "channel_model__code",
        "grade__code",
        "region__code",
        "floor_price",
        "list_price",
        "valid_from",
        "valid_to",
    )
    return pa.Table.from_pylist(
        [dict(zip(PRICES_SCHEMA.names, row, strict=True)) for row in rows],
        schema=PRICES_SCHEMA,
    )
