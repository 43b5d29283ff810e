"""Reads of the supply app, through ``restrict``."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from qudao.core.permissions import restrict
from qudao.supply.models import SupplyAlert, SupplyCheck, SupplyPosition, SupplyThreshold


def alert_list(*, user: Any) -> QuerySet[SupplyAlert]:
    return restrict(SupplyAlert.objects.all(), user).select_related(
        "partner", "category", "acknowledged_by"
    )


def latest_check(*, user: Any) -> SupplyCheck | None:
    """The latest finished check, for whoever may read the positions (a partner's staff
    read only their own positions of it, not its record)."""
    return SupplyCheck.objects.filter(finished_at__isnull=False).first()


def check_list(*, user: Any) -> QuerySet[SupplyCheck]:
    return restrict(SupplyCheck.objects.all(), user).select_related("triggered_by")


def position_list(*, user: Any, check: SupplyCheck | None = None) -> QuerySet[SupplyPosition]:
    """The positions of ``check`` (default: the latest)."""
    check = check or latest_check(user=user)
    rows = (
        SupplyPosition.objects.filter(check_run=check) if check else SupplyPosition.objects.none()
    )
    return restrict(rows, user).select_related("partner", "category")


def threshold_list(*, user: Any) -> QuerySet[SupplyThreshold]:
    return restrict(SupplyThreshold.objects.all(), user).select_related("category")


def partner_supply(*, partner: Any, user: Any) -> dict[str, Any]:
    """A partner's page: its (and its sub-partners') positions and open alerts."""
    subtree = {"partner__path__startswith": partner.path}
    return {
        "supply_check": latest_check(user=user),
        "supply_positions": position_list(user=user).filter(**subtree),
        "supply_alerts": alert_list(user=user).filter(cleared_at__isnull=True, **subtree),
    }


def family_history(*, alert: SupplyAlert, months: int = 24) -> list[dict[str, Any]]:
    """The partner's monthly sell-through of the alert's family over the months a check
    reads (for the chart beside the alert)."""
    # deferred: the fact store's reader loads the engine
    from qudao.catalog.models import Product
    from qudao.core.periods import month_start
    from qudao.facts.store import fact_table
    from qudao.supply.rules import last_complete_month

    products = list(Product.objects.filter(category=alert.category).values_list("code", flat=True))
    last = last_complete_month(alert.snapshot_date)
    first = month_start(last, -(months - 1))
    sales = fact_table("sell_through")
    sales = sales.filter(
        sales.partner == alert.partner.code,
        sales.product.isin(products),
        sales.date >= first,
        sales.date < month_start(last, 1),
    )
    monthly = sales.group_by(month=sales.date.truncate("M").cast("date")).aggregate(
        quantity=sales.quantity.sum()
    )
    found = {r["month"]: r["quantity"] for r in monthly.to_pyarrow().to_pylist()}
    return [
        {"month": month_start(first, i), "quantity": found.get(month_start(first, i), 0)}
        for i in range(months)
    ]
