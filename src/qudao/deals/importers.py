"""The direct-sales accounts as master data: ``qudao import direct_accounts FILE``."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qudao.core.importing.fields import as_text
from qudao.core.importing.master import Field, MasterTarget
from qudao.core.importing.upsert import upsert_by
from qudao.core.models import User
from qudao.deals.models import DirectAccount
from qudao.deals.services import direct_account_create, direct_account_update
from qudao.territories.models import Region


def _sales_user(value: Any) -> User:
    """The owner, by user name (the sign-in name)."""
    name = str(value).strip()
    user = User.objects.filter(username=name, is_active=True).first()
    if user is None:
        raise ValueError(_("No active user “%(name)s”.") % {"name": name})
    return user


DIRECT_ACCOUNTS = MasterTarget(
    name="direct_accounts",
    label=gettext_lazy("Direct-sales accounts"),
    model=DirectAccount,
    key=("customer_name",),
    fields=[
        Field("customer_name", as_text(200), required=True),
        Field("tax_id", as_text(30)),
        Field("region", reference=Region),
        Field("owner", _sales_user),
    ],
    # a blank tax id, region or owner means none is known
    upsert=upsert_by(
        model=DirectAccount,
        key=("customer_name",),
        create=direct_account_create,
        update=direct_account_update,
        instance_kw="account",
        blanks={"tax_id": "", "region_id": None, "owner": None},
    ),
    export_queryset=lambda: DirectAccount.objects.select_related("region", "owner"),
    export_row=lambda a: {
        "customer_name": a.customer_name,
        "tax_id": a.tax_id,
        "region": a.region.code if a.region else "",
        "owner": a.owner.username if a.owner else "",
    },
)
