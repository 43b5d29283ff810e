from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from qudao.core.permissions import can_change
from qudao.core.selectors import history_for
from qudao.core.views import ObjectEditView, ObjectListView
from qudao.partners.selectors import partner_list
from qudao.territories import selectors
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
        },
    )


class RegionEditView(ObjectEditView):
    model = Region
    form_class = RegionForm
    create_service = staticmethod(region_create)
    update_service = staticmethod(region_update)
    instance_kw = "region"
