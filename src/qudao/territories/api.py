from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from qudao.core.api import Pagination, filtered, patch_values, resolve_code
from qudao.core.permissions import can_change
from qudao.territories import selectors
from qudao.territories.choices import RegionKind
from qudao.territories.filtersets import RegionFilterSet
from qudao.territories.models import Region
from qudao.territories.services import region_create, region_update

router = Router(tags=["regions"])


class RegionOut(Schema):
    id: int
    code: str
    name_en: str
    name_zh: str
    kind: RegionKind
    parent: str | None
    level: int

    @staticmethod
    def resolve_parent(r: Region) -> str | None:
        return r.parent.code if r.parent else None

    @staticmethod
    def resolve_level(r: Region) -> int:
        return r.depth


class RegionIn(Schema):
    code: str
    name_en: str
    name_zh: str = ""
    kind: RegionKind = RegionKind.OTHER
    parent: str | None = None


class RegionPatch(Schema):
    name_en: str | None = None
    name_zh: str | None = None
    kind: RegionKind | None = None
    parent: str | None = None


class RegionFilters(Schema):
    q: str | None = None
    kind: RegionKind | None = None
    level: int | None = None


@router.get("", response=list[RegionOut])
@paginate(Pagination)
def list_regions(request: HttpRequest, filters: Query[RegionFilters]) -> Any:
    return filtered(RegionFilterSet, filters.dict(), selectors.region_list(user=request.user))


@router.get("/{int:region_id}", response=RegionOut)
def get_region(request: HttpRequest, region_id: int) -> Any:
    return get_object_or_404(selectors.region_list(user=request.user), pk=region_id)


@router.post("", response={201: RegionOut})
def create_region(request: HttpRequest, payload: RegionIn) -> Any:
    if not can_change(request.user, Region):
        raise HttpError(403, "You may not create regions.")
    data = payload.dict()
    data["parent"] = resolve_code(Region, data["parent"], user=request.user, field="parent")
    return Status(201, region_create(actor=request.user, **data))


@router.patch("/{int:region_id}", response=RegionOut)
def update_region(request: HttpRequest, region_id: int, payload: RegionPatch) -> Any:
    region = get_object_or_404(Region.objects.restrict(request.user, "change"), pk=region_id)
    data = patch_values(payload, Region)
    if "parent" in data:
        data["parent"] = resolve_code(Region, data["parent"], user=request.user, field="parent")
    return region_update(region=region, actor=request.user, **data)
