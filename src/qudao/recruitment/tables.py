from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qudao.core.tables import NUMERIC, EditColumn, StatusColumn
from qudao.recruitment.models import Applicant, Pilot


class ApplicantTable(tables.Table):
    company = tables.Column(linkify=True)
    channel_model = tables.Column(accessor="channel_model__name", order_by="channel_model__code")
    home_region = tables.Column(
        verbose_name=_("Region wanted"), accessor="home_region__name", order_by="home_region__path"
    )
    stage = StatusColumn()
    days_in_stage = tables.Column(
        verbose_name=_("Days in stage"), accessor="stage_since", attrs=NUMERIC
    )
    score = tables.Column(verbose_name=_("Score"), attrs=NUMERIC)
    passed = tables.BooleanColumn(verbose_name=_("Passes"))
    owner = tables.Column()
    sponsor = tables.Column(accessor="sponsor__code", verbose_name=_("Proposed by"))
    created_at = tables.DateColumn(verbose_name=_("Applied on"))
    edit = EditColumn("recruitment:applicant_edit")

    class Meta:
        model = Applicant
        fields = (
            "company",
            "channel_model",
            "home_region",
            "stage",
            "days_in_stage",
            "score",
            "passed",
            "owner",
            "sponsor",
            "created_at",
        )
        order_by = ("-created_at",)

    def render_days_in_stage(self, value: Any) -> int:
        return (timezone.now() - value).days

    def value_days_in_stage(self, value: Any) -> int:
        return (timezone.now() - value).days

    def order_days_in_stage(self, queryset: Any, is_descending: bool) -> tuple[Any, bool]:
        # longest in the stage first when descending: the oldest "since"
        return queryset.order_by(("" if is_descending else "-") + "stage_since"), True


class PilotTable(tables.Table):
    code = tables.Column(linkify=True)
    name = tables.Column()
    starts_on = tables.DateColumn()
    ends_on = tables.DateColumn()
    status = StatusColumn()
    decision = tables.Column()
    edit = EditColumn("recruitment:pilot_edit")

    class Meta:
        model = Pilot
        fields = ("code", "name", "starts_on", "ends_on", "status", "decision")
        order_by = ("-starts_on",)
