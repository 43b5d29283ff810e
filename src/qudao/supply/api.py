"""Supply alerts over the API: list (filtered as on the page), get, acknowledge — the same
selectors and services as the pages; a partner's staff read their own."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from qudao.catalog.models import Category
from qudao.core.api import Pagination, filtered
from qudao.supply import selectors
from qudao.supply.filtersets import SupplyAlertFilterSet
from qudao.supply.models import SupplyAlertKind
from qudao.supply.services import supply_alert_acknowledge

router = Router(tags=["supply"])


class SupplyAlertOut(Schema):
    id: int
    partner: str
    family: str
    kind: SupplyAlertKind
    snapshot_date: date
    on_hand: Decimal
    daily: Decimal
    days_of_supply: Decimal | None
    threshold_days: int
    forecast: Decimal
    suggested: Decimal
    raised_at: datetime
    cleared_at: datetime | None
    acknowledged_at: datetime | None

    @staticmethod
    def resolve_partner(a: Any) -> str:
        return str(a.partner.code)

    @staticmethod
    def resolve_family(a: Any) -> str:
        return str(a.category.code)


class SupplyAlertFilters(Schema):
    q: str | None = None
    kind: SupplyAlertKind | None = None
    category: str | None = None
    open: bool | None = None
    acknowledged: bool | None = None


@router.get("", response=list[SupplyAlertOut])
@paginate(Pagination)
def list_supply_alerts(request: HttpRequest, filters: Query[SupplyAlertFilters]) -> Any:
    return filtered(
        SupplyAlertFilterSet,
        filters.dict(),
        selectors.alert_list(user=request.user),
        codes={"category": Category},
    )


@router.get("/{int:alert_id}", response=SupplyAlertOut)
def get_supply_alert(request: HttpRequest, alert_id: int) -> Any:
    return get_object_or_404(selectors.alert_list(user=request.user), pk=alert_id)


@router.post("/{int:alert_id}/acknowledgement", response=SupplyAlertOut)
def acknowledge_supply_alert(request: HttpRequest, alert_id: int) -> Any:
    alert = get_object_or_404(selectors.alert_list(user=request.user), pk=alert_id)
    return supply_alert_acknowledge(alert=alert, actor=request.user)
