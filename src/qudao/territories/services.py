"""Writes for regions and segments."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from qudao.core.periods import Period
from qudao.core.services import model_create, model_update
from qudao.core.trees import tree_check_parent, tree_parent_in, tree_refresh_paths
from qudao.territories.models import Region, RegionPotential, Segment


@transaction.atomic
def region_create(*, actor: Any | None = None, **data: Any) -> Region:
    region = model_create(model=Region, data=data, actor=actor)
    tree_refresh_paths(node=region)
    return region


@transaction.atomic
def region_update(*, region: Region, actor: Any | None = None, **data: Any) -> Region:
    sets_parent, parent = tree_parent_in(data, type(region))
    if sets_parent:
        tree_check_parent(node=region, parent=parent)
    region, _changed = model_update(instance=region, data=data, actor=actor)
    tree_refresh_paths(node=region)
    return region


@transaction.atomic
def segment_create(*, actor: Any | None = None, **data: Any) -> Segment:
    return model_create(model=Segment, data=data, actor=actor)


@transaction.atomic
def segment_update(*, segment: Segment, actor: Any | None = None, **data: Any) -> Segment:
    return model_update(instance=segment, data=data, actor=actor)[0]


def _potential_period(data: dict[str, Any]) -> dict[str, Any]:
    if "period" not in data:
        return data
    try:
        return {**data, "period": Period.parse(str(data["period"])).key}
    except ValueError as exc:
        raise ValidationError({"period": str(exc)}) from exc


@transaction.atomic
def region_potential_create(*, actor: Any | None = None, **data: Any) -> RegionPotential:
    return model_create(model=RegionPotential, data=_potential_period(data), actor=actor)


@transaction.atomic
def region_potential_update(
    *, potential: RegionPotential, actor: Any | None = None, **data: Any
) -> RegionPotential:
    return model_update(instance=potential, data=_potential_period(data), actor=actor)[0]
