from typing import Any

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from qudao.facts.models import Batch, SavedMapping


@admin.register(Batch)
class BatchAdmin(SimpleHistoryAdmin):
    """Read-only: batches change only through imports and reverts, which keep the store right."""

    list_display = (
        "id",
        "fact",
        "source_name",
        "status",
        "rows_read",
        "rows_accepted",
        "rows_rejected",
        "created_by",
        "created_at",
    )
    list_filter = ("fact", "status")
    search_fields = ("source_name", "checksum")

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(SavedMapping)
class SavedMappingAdmin(SimpleHistoryAdmin):
    list_display = ("name", "fact", "partner", "updated_at")
    list_filter = ("fact",)
    search_fields = ("name",)
    autocomplete_fields = ("partner",)
