"""Writes for regions and segments."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from qudao.core.services import model_create, model_update
from qudao.core.trees import tree_check_parent, tree_parent_in, tree_refresh_paths
from qudao.territories.models import Region, Segment


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
