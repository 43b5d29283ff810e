"""The home page's figures: what the signed-in user's channel looks like (project level:
it reads several apps)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from qudao.analytics import selectors as review
from qudao.analytics.models import GradeProposal, ProposalStatus
from qudao.catalog.models import Product
from qudao.core.charts import sparkline
from qudao.core.permissions import is_partner_user
from qudao.facts.choices import BatchStatus
from qudao.facts.selectors import batch_list
from qudao.governance.models import RiskFlag
from qudao.partners.choices import PartnerStatus
from qudao.partners.models import Partner, Target
from qudao.programs.selectors import settlement_list

# The rules that say a partner's sell-through (流向) report is due: missing or late.
REPORTING_RULES = ("missing_sell_through", "late_sell_through")


def home_summary(user: Any) -> dict[str, Any]:
    partners = Partner.objects.restrict(user)
    by_status = dict(partners.values_list("status").annotate(n=Count("pk")).order_by())
    by_model = list(
        partners.values("channel_model__name_en", "channel_model__name_zh")
        .annotate(n=Count("pk"))
        .order_by("-n")
    )
    return {
        "partners": sum(by_status.values()),
        "active": by_status.get(PartnerStatus.ACTIVE, 0),
        "by_status": [(PartnerStatus(s).label, n) for s, n in sorted(by_status.items())],
        "by_model": by_model,
        "products": Product.objects.restrict(user).count(),
        "targets": Target.objects.restrict(user).count(),
    }


def cockpit(user: Any) -> dict[str, Any] | None:
    """The latest reviewed period at a glance, over the partners ``user`` may see: four
    tiles with their change and trend, what to act on, who moved, imports and runs — each
    linking to its page. None before the first review."""
    periods = review.reviewed_periods()
    if not periods:
        return None
    period = periods[0]
    series = review.tile_series(user=user, period=period)
    figures = review.cockpit_figures(user=user, period=period)
    scorecards = reverse("analytics:scorecard_list") + f"?period={period}"
    labels = {
        "sell_in": (_("Sell-in"), "money", scorecards),
        "sell_through": (_("Sell-through"), "money", scorecards),
        "attainment": (_("Target attainment"), "rate", reverse("partners:target_list")),
        "margin_rate": (_("Gross margin"), "rate", reverse("analytics:overview")),
    }
    tiles = []
    for metric, (label, unit, link) in labels.items():
        values = series[metric]
        now, before = values[-1], values[-2]
        change = None
        if now is not None and before is not None:
            if unit == "rate":
                change = now - before  # percentage points
            elif before:
                change = now / before - 1
        tiles.append(
            {
                "metric": metric,
                "label": label,
                "unit": unit,
                "value": now,
                "change": change,
                "spark": sparkline(values),
                "link": link,
            }
        )
    proposals = GradeProposal.objects.restrict(user).filter(status=ProposalStatus.PROPOSED)
    recent = timezone.now() - timedelta(days=30)
    batches = batch_list(user=user)
    return {
        "period": period,
        "tiles": tiles,
        "at_risk": figures["totals"]["at_risk_total"],
        "partners_reviewed": figures["totals"]["partners"],
        "proposals": proposals.count(),
        "risers": figures["risers"],
        "fallers": figures["fallers"],
        "imports": list(batches.order_by("-created_at")[:5]),
        # sell-through owed for the period and missing or late (the rules' flags; partners'
        # own users see none: the flags are the brand's)
        "reports_due": RiskFlag.objects.restrict(user)
        .standing()
        .filter(period=period, rule__in=REPORTING_RULES)
        .values("partner")
        .distinct()
        .count(),
        "imports_failed": batches.filter(
            status__in=[BatchStatus.FAILED, BatchStatus.REJECTED], created_at__gte=recent
        ).count(),
        "runs": [] if is_partner_user(user) else list(review.review_run_list(user=user)[:3]),
        "settlement": (
            None if is_partner_user(user) else settlement_list(user=user).order_by("-pk").first()
        ),
        "partial": review.period_is_partial(period),
    }
