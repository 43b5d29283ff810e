from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from qudao.catalog.models import PriceListEntry
from qudao.catalog.services import price_entry_create, price_entry_update
from qudao.partners.models import ChannelModel
from tests.conftest import World


def _entry(world: World, **kw):
    data = {
        "product": world.product,
        "list_price": Decimal("100"),
        "partner_price": Decimal("80"),
        "floor_price": Decimal("70"),
        "valid_from": date(2021, 1, 1),
    }
    data.update(kw)
    return price_entry_create(**data)


def test_no_overlapping_validity_for_the_same_scope(world: World) -> None:
    # Given the world's open-ended entry from 2020-01-01 for "any" scope
    with pytest.raises(ValidationError) as err:
        _entry(world)
    assert "valid_from" in err.value.message_dict
    # A different scope is another price: allowed.
    distributor = ChannelModel.objects.get(code="distributor")
    _entry(world, channel_model=distributor)
    # Closing the old entry makes room for the new one.
    price_entry_update(entry=world.price, valid_to=date(2020, 12, 31))
    _entry(world)
    assert PriceListEntry.objects.filter(product=world.product).count() == 3


def test_adjacent_periods_do_not_overlap(world: World) -> None:
    price_entry_update(entry=world.price, valid_to=date(2020, 6, 30))
    _entry(world, valid_from=date(2020, 7, 1), valid_to=date(2020, 12, 31))
    with pytest.raises(ValidationError):
        _entry(world, valid_from=date(2020, 12, 31))


@pytest.mark.parametrize(
    ("lp", "pp", "fp", "field"),
    [("100", "80", "90", "floor_price"), ("100", "120", "70", "partner_price")],
)
def test_price_ladder_is_consistent(world: World, lp: str, pp: str, fp: str, field: str) -> None:
    with pytest.raises(ValidationError) as err:
        _entry(
            world,
            channel_model=ChannelModel.objects.get(code="agent"),
            list_price=Decimal(lp),
            partner_price=Decimal(pp),
            floor_price=Decimal(fp),
        )
    assert field in err.value.message_dict


def test_partner_users_see_only_prices_that_apply_to_them(world: World) -> None:
    agent = ChannelModel.objects.get(code="agent")
    reseller = ChannelModel.objects.get(code="reseller")
    for_agents = _entry(world, channel_model=agent)
    for_resellers_in_na = _entry(world, channel_model=reseller, region=world.na)
    for_resellers_in_eu = _entry(world, channel_model=reseller, region=world.eu)
    seen = set(PriceListEntry.objects.restrict(world.users["partner_user"]))
    # P-DE is a reseller in Berlin (EU): the general entry and the EU reseller entry apply
    assert seen == {world.price, for_resellers_in_eu}
    assert for_agents not in seen and for_resellers_in_na not in seen
