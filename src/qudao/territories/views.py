from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from qudao.collaboration.selectors import region_competitor_notes
from qudao.core.exporting import Money
from qudao.core.permissions import can_change, is_partner_user
from qudao.core.selectors import history_for
from qudao.core.views import (
    ObjectEditView,
    ObjectListView,
    export_filename,
    export_response,
    int_param,
)
from qudao.partners.selectors import partner_list
from qudao.territories import selectors
from qudao.territories.charts import coverage_chart
from qudao.territories.coverage import CoverageBook, potential_periods
from qudao.territories.filtersets import RegionFilterSet, SegmentFilterSet
from qudao.territories.forms import RegionForm
from qudao.territories.models import Region, Segment
from qudao.territories.services import region_create, region_update
from qudao.territories.tables import RegionTable, SegmentTable


class RegionListView(ObjectListView):
    selector = staticmethod(selectors.region_list)
    filterset_class = RegionFilterSet
    table_class = RegionTable
    model = Region
    title = gettext_lazy("Regions")
    add_url_name = "territories:region_add"
    empty_hint = gettext_lazy("No regions yet — add the territory tree with “Add” above.")
    empty_command = "qudao import regions FILE"


class SegmentListView(ObjectListView):
    selector = staticmethod(selectors.segment_list)
    filterset_class = SegmentFilterSet
    table_class = SegmentTable
    model = Segment
    title = gettext_lazy("Segments")
    empty_hint = gettext_lazy("No segments yet: they come with the master data.")
    empty_command = "qudao import segments FILE"


@login_required
@require_safe
def region_detail(request: HttpRequest, pk: int) -> HttpResponse:
    region = get_object_or_404(Region.objects.restrict(request.user), pk=pk)
    ancestors = Region.objects.filter(
        pk__in=[int(p) for p in region.path.strip("/").split("/")[:-1] if p]
    ).order_by("depth")
    partners = partner_list(user=request.user).filter(home_region__path__startswith=region.path)
    return render(
        request,
        "territories/region_detail.html",
        {
            "region": region,
            "title": region.name,
            "ancestors": ancestors,
            "children": region.children.all(),
            "partner_count": partners.count(),
            "partners": partners[:50],
            "history": history_for(region),
            "can_edit": can_change(request.user, Region),
            # the brand's market intelligence: partners' staff get none
            "competitor_notes": region_competitor_notes(region=region, user=request.user),
        },
    )


class RegionEditView(ObjectEditView):
    model = Region
    form_class = RegionForm
    create_service = staticmethod(region_create)
    update_service = staticmethod(region_update)
    instance_kw = "region"


@login_required
@require_safe
def coverage(request: HttpRequest) -> HttpResponse:
    """Market potential against coverage, a level of the region tree at a time: the
    regions below the one chosen (the top of the tree first), the largest gaps anywhere."""
    if is_partner_user(request.user):
        raise Http404
    periods = potential_periods()
    period = request.GET.get("period") or (periods[0] if periods else "")
    if period not in periods:
        period = periods[0] if periods else ""
    parent = Region.objects.filter(pk=int_param(request.GET.get("region"))).first()
    title = _("Coverage and white space")
    book = CoverageBook(period=period, user=request.user) if period else None
    rows = book.rows_below(parent) if book else []
    if request.GET.get("export") in ("csv", "xlsx"):
        return export_response(
            headers=[
                str(_("Region")),
                str(_("Code")),
                str(_("Potential amount")),
                str(_("Potential outlets")),
                str(_("Partners selling")),
                str(_("Sell-in")),
                str(_("Sell-through")),
                str(_("Coverage, per cent")),
                str(_("Gap")),
                str(_("Outlet coverage, per cent")),
            ],
            rows=[
                [
                    r.region.name,
                    r.region.code,
                    Money(r.potential_amount) if r.potential_amount is not None else None,
                    r.potential_outlets,
                    r.partners,
                    Money(r.sell_in),
                    Money(r.sell_through),
                    r.coverage,
                    Money(r.gap) if r.gap is not None else None,
                    r.outlet_coverage,
                ]
                for r in rows
            ],
            fmt=request.GET["export"],
            filename=export_filename(title, request),
        )
    ancestors = (
        list(
            Region.objects.filter(
                pk__in=[int(p) for p in parent.path.strip("/").split("/") if p]
            ).order_by("depth")
        )
        if parent
        else []
    )
    return render(
        request,
        "territories/coverage.html",
        {
            "title": title,
            "periods": periods,
            "period": period,
            "parent": parent,
            "ancestors": ancestors,
            "rows": rows,
            "gaps": book.largest_gaps() if book else [],
            "sales_periods": book.periods if book else [],
            "chart": coverage_chart(rows)
            if rows and any(r.potential_amount for r in rows)
            else None,
        },
    )
