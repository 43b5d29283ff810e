from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from qudao.core.admin import TreeAdmin
from qudao.territories.models import Region, Segment


@admin.register(Region)
class RegionAdmin(TreeAdmin):
    list_display = ("code", "name_en", "name_zh", "kind", "parent", "depth")
    list_filter = ("kind", "depth")
    search_fields = ("code", "name_en", "name_zh")
    autocomplete_fields = ("parent",)


@admin.register(Segment)
class SegmentAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name_en", "name_zh", "kind")
    list_filter = ("kind",)
    search_fields = ("code", "name_en", "name_zh")
