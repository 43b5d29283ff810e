"""The home page's figures: what the signed-in user's channel looks like (project level:
it reads several apps)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count

from qudao.catalog.models import Product
from qudao.partners.choices import PartnerStatus
from qudao.partners.models import Partner, Target


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
