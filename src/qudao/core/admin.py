from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from qudao.core.auth import user_sessions_end
from qudao.core.models import ApiToken, LoginFailure, User
from qudao.core.trees import tree_check_parent, tree_refresh_paths


@admin.register(User)
class QudaoUserAdmin(UserAdmin):
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        (_("Channel scope"), {"fields": ("partner", "managed_regions", "language")}),
    )
    list_display = ("username", "first_name", "last_name", "partner", "is_active")
    list_filter = ("groups", "is_active")
    autocomplete_fields = ("partner",)
    filter_horizontal = ("groups", "user_permissions", "managed_regions")
    # Setting a password here ("Reset password" on the user's page) also ends their
    # sessions (Django's session hash); this ends them without changing it.
    actions = ["end_sessions"]

    @admin.action(description=_("Sign out everywhere (end their sessions)"))
    def end_sessions(self, request: Any, queryset: Any) -> None:
        ended = sum(user_sessions_end(user=user) for user in queryset)
        self.message_user(
            request,
            ngettext("%(count)d session ended.", "%(count)d sessions ended.", ended)
            % {"count": ended},
        )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at")
    readonly_fields = ("prefix", "created_at", "last_used_at")
    fields = ("user", "name", "prefix", "created_at", "last_used_at")

    def has_add_permission(self, request: Any) -> bool:
        return False  # keys are created with `qudao token USER`, which shows the key once


class TreeAdmin(SimpleHistoryAdmin):
    """Admin for a tree model: keeps materialised paths right when a parent changes."""

    readonly_fields: tuple[str, ...] = ("depth",)

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        tree_check_parent(node=obj, parent=obj.parent)
        super().save_model(request, obj, form, change)
        tree_refresh_paths(node=obj)


@admin.register(LoginFailure)
class LoginFailureAdmin(admin.ModelAdmin):
    """The audit trail of refused sign-ins (read-only)."""

    list_display = ("at", "username", "address", "locked")
    list_filter = ("locked",)
    search_fields = ("username", "address")

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False
