from __future__ import annotations

from qudao.core.forms import ScopedModelForm
from qudao.supply.models import SupplyThreshold


class SupplyThresholdForm(ScopedModelForm):
    class Meta:
        model = SupplyThreshold
        fields = ["category", "stock_out_days", "overstock_days", "cover_days"]
