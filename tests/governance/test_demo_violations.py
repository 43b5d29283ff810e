"""On the real AdventureWorks data — every reseller authorised for its own sales territory —
no line ships outside the territory of its reseller: the detectors find no
``cross_region_ship``, and judge every line (each names its territory)."""

from __future__ import annotations

import pytest

from qudao.demo.build import build_demo
from qudao.governance.models import Violation, ViolationType
from qudao.governance.services import violations_detect
from qudao.partners.models import Partner, PartnerTerritory

pytestmark = pytest.mark.django_db


def test_adventureworks_ships_inside_every_resellers_territory() -> None:
    build_demo(progress=lambda step: None, review=False)
    assert PartnerTerritory.objects.count() == Partner.objects.count() == 701
    judged = 0
    for year in ("2017", "2018", "2019", "2020"):
        run = violations_detect(period=year)
        assert run.row_counts["unjudged"]["cross_region_ship:sell_in"] == 0
        judged += run.row_counts["lines"]["sell_in"]
    assert judged == 57_851  # every line was looked at, in one year or another
    assert not Violation.objects.filter(type=ViolationType.CROSS_REGION_SHIP).exists()
