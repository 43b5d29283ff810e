"""Reads of the supply app, through ``restrict``."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import QuerySet

from qudao.catalog.models import Product
from qudao.core.periods import month_start
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


def family_history(*, alert: SupplyAlert) -> tuple[list[dict[str, Any]], date]:
    """The partner's monthly sell-through of the alert's family over the months a check
    as of its count reads, and the month forecast after them (for the alert's chart)."""
    # deferred: the rules read the fact store, which loads the engine
    from qudao.supply.rules import history_months_to, sell_through_history

    products = Product.objects.filter(category=alert.category).values_list("code", flat=True)
    history, _keys = sell_through_history(
        alert.snapshot_date, dict.fromkeys(products, alert.category_id), alert.partner.code
    )
    months = history_months_to(alert.snapshot_date)
    quantities = history[0] if len(history) else [0.0] * len(months)  # its one series
    return (
        [{"month": m, "quantity": q} for m, q in zip(months, quantities, strict=True)],
        month_start(months[-1], 1),
    )
