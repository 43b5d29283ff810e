from __future__ import annotations

from qudao.core.forms import ScopedModelForm
from qudao.territories.models import Region


class RegionForm(ScopedModelForm):
    class Meta:
        model = Region
        fields = ["code", "name_en", "name_zh", "kind", "parent"]
