"""Writes of the supply app: thresholds, a check (positions, alerts raised and cleared, the
stock-out notice), acknowledging an alert."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qudao.catalog.models import Category, Product
from qudao.core.choices import Role
from qudao.core.models import User
from qudao.core.services import alert_acknowledge, model_create, model_delete, model_update
from qudao.notifications.models import Event
from qudao.notifications.services import Message, notify, partner_people
from qudao.partners.models import Partner
from qudao.supply.models import (
    SUPPLY_EDITORS,
    CheckTrigger,
    PositionStatus,
    SupplyAlert,
    SupplyAlertKind,
    SupplyCheck,
    SupplyPosition,
    SupplyThreshold,
)
from qudao.supply.tasks import supply_check_requested

# checks whose positions are kept (older checks keep their record, counts and alerts)
POSITIONS_KEPT_CHECKS = 20


def default_thresholds() -> dict[str, int]:
    conf = settings.QUDAO
    return {
        "stock_out_days": int(str(conf.get("SUPPLY_STOCK_OUT_DAYS", 14))),
        "overstock_days": int(str(conf.get("SUPPLY_OVERSTOCK_DAYS", 120))),
        "cover_days": int(str(conf.get("SUPPLY_COVER_DAYS", 45))),
    }


def check_parameters() -> dict[str, Any]:
    """What a check judges by, as it will be recorded: the default and every category's
    thresholds, the demand window and how old a count may be."""
    # deferred: the rules read the fact store (Ibis), which start-up must not load
    from qudao.supply.rules import DEMAND_DAYS

    return {
        "defaults": default_thresholds(),
        "categories": {
            t.category.code: {
                "stock_out_days": t.stock_out_days,
                "overstock_days": t.overstock_days,
                "cover_days": t.cover_days,
            }
            for t in SupplyThreshold.objects.select_related("category")
        },
        "demand_days": DEMAND_DAYS,
        "snapshot_max_age_days": int(str(settings.QUDAO.get("SUPPLY_SNAPSHOT_MAX_AGE_DAYS", 45))),
    }


def _thresholds_by_category(parameters: dict[str, Any]) -> dict[int, Any]:
    """Each category's thresholds: its own, else its nearest parent's, else the defaults."""
    from qudao.supply.rules import Thresholds  # the rules load Ibis

    categories = list(Category.objects.values_list("pk", "code", "path"))
    code_of = {pk: code for pk, code, _path in categories}
    own = parameters["categories"]
    resolved = {}
    for pk, _code, path in categories:
        lineage = [int(p) for p in path.strip("/").split("/") if p] or [pk]
        found = next(
            (own[code_of[a]] for a in reversed(lineage) if code_of.get(a) in own),
            parameters["defaults"],
        )
        resolved[pk] = Thresholds(**found)
    return resolved


def _ensure_may_check(actor: Any) -> None:
    if actor is not None and not (actor.is_superuser or actor.has_role(*SUPPLY_EDITORS)):
        raise PermissionDenied(_("You may not run a supply check."))


def supply_check_run(
    *,
    trigger: CheckTrigger,
    as_of: date | None = None,
    actor: Any | None = None,
    review_run: Any | None = None,
    fact: str = "",
    parameters: dict[str, Any] | None = None,
) -> SupplyCheck:
    """Judge every partner × product family as of ``as_of`` (default: the latest inventory
    count up to today), store the positions, raise and clear alerts, tell of new
    stock-outs. ``parameters`` replays an earlier check's settings (a re-run review)."""
    from qudao.supply.rules import check_figures, latest_count_day  # they load the engine

    _ensure_may_check(actor)
    today = timezone.localdate()
    day = as_of or latest_count_day(today) or today
    parameters = parameters or check_parameters()
    started = timezone.now()
    families = dict(
        Product.objects.filter(category__isnull=False).values_list("code", "category_id")
    )
    figures = check_figures(
        as_of=day,
        families=families,
        thresholds_of=_thresholds_by_category(parameters),
        snapshot_max_age_days=parameters["snapshot_max_age_days"],
    )
    with transaction.atomic():
        _one_check_at_a_time()
        check = SupplyCheck.objects.create(
            as_of=day,
            started_at=started,
            trigger=trigger,
            triggered_by=actor,
            review_run=review_run,
            fact=fact,
            parameters=parameters,
            forecast=_forecast_record(figures),
        )
        positions, thresholds = _positions_store(check, figures)
        check.counts = {
            **_position_counts(positions, figures),
            **_alerts_refresh(check, positions, thresholds),
        }
        check.finished_at = timezone.now()
        check.save(update_fields=["counts", "finished_at"])
        _positions_prune()
    return check


# any number of a 64-bit key, the same in every process: the supply checks' own lock
SUPPLY_CHECK_LOCK = 0x5155_4441_4F53_5550


def _one_check_at_a_time() -> None:
    """Checks write alerts in one transaction each; two at once (an import's and the page's)
    would both raise the same alert. PostgreSQL: a lock held to the commit; SQLite lets one
    writer in at a time anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SUPPLY_CHECK_LOCK])


def _forecast_record(figures: Any) -> dict[str, Any]:
    code_of = dict(Category.objects.values_list("pk", "code"))
    backtests = {code_of[f]: dataclasses.asdict(b) for f, b in figures.backtest_by_family.items()}
    return {
        "month": figures.forecast_month.isoformat(),
        "history_from": figures.history_months[0].isoformat() if figures.history_months else None,
        "history_to": figures.history_months[-1].isoformat() if figures.history_months else None,
        "alphas": {
            code_of[f]: {"alpha": a, "fitted": fitted} for f, (a, fitted) in figures.alphas.items()
        },
        "backtest": dataclasses.asdict(figures.backtest) if figures.backtest else None,
        "backtest_by_family": backtests,
    }


def _positions_store(
    check: SupplyCheck, figures: Any
) -> tuple[list[SupplyPosition], dict[tuple[int, int], int]]:
    """Write the check's positions; returns them, and each one's threshold in days (the
    one its status was judged by) by (partner, category)."""
    partner_pk = dict(Partner.objects.values_list("code", "pk"))
    rows, thresholds = [], {}
    for p in figures.positions:
        row = SupplyPosition(
            check_run=check,
            partner_id=partner_pk[p.partner],
            category_id=p.category,
            snapshot_date=p.snapshot_date,
            on_hand=p.on_hand,
            sold=p.sold,
            daily=p.daily,
            days_of_supply=p.days_of_supply,
            forecast=p.forecast,
            suggested=p.suggested(figures.forecast_month),
            status=p.status,
        )
        rows.append(row)
        thresholds[(row.partner_id, row.category_id)] = p.threshold_days
    SupplyPosition.objects.bulk_create(rows, batch_size=2000)
    return rows, thresholds


def _position_counts(positions: list[SupplyPosition], figures: Any) -> dict[str, Any]:
    by_status = {s.value: 0 for s in PositionStatus}
    for row in positions:
        by_status[row.status] += 1
    return {
        "positions": len(positions),
        "partners": len({r.partner_id for r in positions}),
        "stale_partners": len(figures.stale_partners),
        **by_status,
    }


# what an alert shows of the position that raised it (updated by each check that finds it)
ALERT_FIGURES = ("snapshot_date", "on_hand", "daily", "days_of_supply", "forecast", "suggested")


def _alerts_refresh(
    check: SupplyCheck,
    positions: list[SupplyPosition],
    thresholds: dict[tuple[int, int], int],
) -> dict[str, int]:
    """Raise what is newly true, update what still is, clear what no longer is — for the
    partners this check judged (a partner whose count is too old keeps its alerts)."""
    now = timezone.now()
    wanted = {
        (p.partner_id, p.category_id, p.status): p
        for p in positions
        if p.status in SupplyAlertKind.values
    }
    standing = {
        (a.partner_id, a.category_id, a.kind): a
        for a in SupplyAlert.objects.filter(
            partner__in={p.partner_id for p in positions}, cleared_at__isnull=True
        )
    }
    gone = [a.pk for key, a in standing.items() if key not in wanted]
    SupplyAlert.objects.filter(pk__in=gone).update(cleared_at=now, cleared_by=check)
    still = [alert for key, alert in standing.items() if key in wanted]
    for alert in still:
        position = wanted[(alert.partner_id, alert.category_id, alert.kind)]
        for name in ALERT_FIGURES:
            setattr(alert, name, getattr(position, name))
        alert.threshold_days = thresholds[(alert.partner_id, alert.category_id)]
    SupplyAlert.objects.bulk_update(still, [*ALERT_FIGURES, "threshold_days"], batch_size=2000)
    new = [
        SupplyAlert(
            partner_id=partner,
            category_id=category,
            kind=kind,
            raised_by=check,
            raised_at=now,
            threshold_days=thresholds[(partner, category)],
            **{name: getattr(p, name) for name in ALERT_FIGURES},
        )
        for (partner, category, kind), p in wanted.items()
        if (partner, category, kind) not in standing
    ]
    SupplyAlert.objects.bulk_create(new, batch_size=2000)
    _tell_of_stock_outs([a for a in new if a.kind == SupplyAlertKind.STOCK_OUT])
    return {"raised": len(new), "cleared": len(gone), "open": len(still) + len(new)}


def supply_chain_people() -> list[Any]:
    return list(User.objects.filter(is_active=True, groups__name=Role.SUPPLY_CHAIN.value))


def _tell_of_stock_outs(alerts: list[SupplyAlert]) -> None:
    """One notice per partner with new stock-outs: to its people, its owner and supply
    chain; and to the webhooks of the stock-out event."""
    if not alerts:
        return
    by_partner: dict[int, list[SupplyAlert]] = {}
    for alert in alerts:
        by_partner.setdefault(alert.partner_id, []).append(alert)
    partners = Partner.objects.select_related("owner").in_bulk(list(by_partner))
    categories = Category.objects.in_bulk({a.category_id for a in alerts})
    supply_chain = supply_chain_people()
    for partner_pk, found in by_partner.items():
        partner = partners[partner_pk]
        codes = ", ".join(categories[a.category_id].code for a in found)
        notify(
            event=Event.STOCK_OUT,
            recipients=[*partner_people(partner), *supply_chain],
            title=Message(
                gettext_lazy("Stock-out at %(partner)s: %(families)s"),
                {"partner": partner.code, "families": codes},
            ),
            body=Message(
                gettext_lazy(
                    "%(count)s product families have stock for fewer days than their "
                    "threshold. The alert list shows days of supply and a suggested "
                    "replenishment for each."
                ),
                {"count": len(found)},
            ),
            url=f"{partner.get_absolute_url()}?tab=supply",
            partner=partner,
            data={
                "alerts": [
                    {
                        "id": a.pk,
                        "family": categories[a.category_id].code,
                        "on_hand": str(a.on_hand),
                        "days_of_supply": None
                        if a.days_of_supply is None
                        else str(a.days_of_supply),
                        "threshold_days": a.threshold_days,
                        "suggested": str(a.suggested),
                    }
                    for a in found
                ]
            },
        )


def _positions_prune() -> None:
    kept = list(SupplyCheck.objects.values_list("pk", flat=True)[:POSITIONS_KEPT_CHECKS])
    SupplyPosition.objects.exclude(check_run__in=kept).delete()


def supply_check_request(*, actor: Any) -> None:
    """Queue a check as ``actor`` (the page's button): it runs on the worker, in seconds."""
    _ensure_may_check(actor)
    supply_check_requested.enqueue(actor.pk)


def supply_alert_acknowledge(*, alert: SupplyAlert, actor: Any) -> SupplyAlert:
    """Mark an alert seen (it stays until a check no longer finds it)."""
    return alert_acknowledge(alert=alert, actor=actor)


@transaction.atomic
def threshold_create(*, actor: Any | None = None, **data: Any) -> SupplyThreshold:
    return model_create(model=SupplyThreshold, data=data, actor=actor)


@transaction.atomic
def threshold_update(
    *, threshold: SupplyThreshold, actor: Any | None = None, **data: Any
) -> SupplyThreshold:
    return model_update(instance=threshold, data=data, actor=actor)[0]


@transaction.atomic
def threshold_delete(*, threshold: SupplyThreshold, actor: Any | None = None) -> None:
    model_delete(instance=threshold, actor=actor)
