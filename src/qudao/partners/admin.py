from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from simple_history.admin import SimpleHistoryAdmin

from qudao.core.admin import TreeAdmin
from qudao.core.periods import Period
from qudao.partners.models import ChannelModel, Contact, Grade, Partner, PartnerTerritory, Target
from qudao.partners.services import partner_territory_check


@admin.register(ChannelModel)
class ChannelModelAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name_en", "name_zh", "sort_order")
    search_fields = ("code", "name_en", "name_zh")


@admin.register(Grade)
class GradeAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name_en", "name_zh", "rank")
    search_fields = ("code", "name_en", "name_zh")


class PartnerTerritoryAdminForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = PartnerTerritory
        fields = ["region", "exclusive", "valid_from", "valid_to"]

    def _post_clean(self) -> None:
        super()._post_clean()  # type: ignore[misc]  # fills self.instance from cleaned data
        if not self.errors and self.instance.partner_id:
            try:
                partner_territory_check(self.instance)  # territory protection, as everywhere
            except ValidationError as exc:
                self.add_error(None, exc)


class PartnerTerritoryInline(admin.TabularInline):
    model = PartnerTerritory
    form = PartnerTerritoryAdminForm
    extra = 0
    autocomplete_fields = ("region",)


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0


@admin.register(Partner)
class PartnerAdmin(TreeAdmin):
    list_display = ("code", "name_en", "name_zh", "channel_model", "grade", "status", "depth")
    list_filter = ("status", "channel_model", "grade")
    search_fields = ("code", "name_en", "name_zh")
    autocomplete_fields = ("parent", "home_region", "owner")
    filter_horizontal = ("segments",)
    # Status moves only along the lifecycle, from the partner page or the API.
    readonly_fields = ("depth", "status")
    inlines = (PartnerTerritoryInline, ContactInline)


@admin.register(Target)
class TargetAdmin(SimpleHistoryAdmin):
    list_display = ("partner", "period", "category", "amount", "quantity")
    search_fields = ("partner__code", "partner__name_en", "period")
    autocomplete_fields = ("partner",)
    readonly_fields = ("period_start", "period_end")

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        period = Period.parse(obj.period)
        obj.period, obj.period_start, obj.period_end = period.key, period.start, period.end
        super().save_model(request, obj, form, change)
