from __future__ import annotations

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from qudao.core.tables import NUMERIC, EditColumn, MoneyColumn, StatusColumn
from qudao.marketing.models import Campaign


class CampaignTable(tables.Table):
    code = tables.Column(linkify=True)
    name = tables.Column()
    fund = tables.Column(accessor="fund__code", verbose_name=_("Fund"))
    starts_on = tables.DateColumn()
    ends_on = tables.DateColumn()
    budget = MoneyColumn()
    spend = MoneyColumn()
    total_leads = tables.Column(verbose_name=_("Leads"), attrs=NUMERIC, default=0)
    status = StatusColumn()
    edit = EditColumn("marketing:campaign_edit")

    class Meta:
        model = Campaign
        fields = (
            "code",
            "name",
            "fund",
            "starts_on",
            "ends_on",
            "budget",
            "spend",
            "total_leads",
            "status",
        )
        order_by = ("-starts_on",)
