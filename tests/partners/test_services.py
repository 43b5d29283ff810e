from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from qudao.partners.models import Partner
from qudao.partners.services import (
    partner_change_status,
    partner_update,
    target_create,
    target_update,
)
from tests.conftest import World
from tests.factories import PartnerFactory


def test_levels_and_paths_follow_the_tiers(world: World) -> None:
    # Given a three-tier chain brand → P-DE → P-DE-SUB → store
    store = PartnerFactory(code="STORE", parent=world.p_de_sub, home_region=world.berlin)
    assert (world.p_de.depth, world.p_de_sub.depth, store.depth) == (1, 2, 3)
    # when the middle tier moves under P-US
    partner_update(partner=world.p_de_sub, parent=world.p_us)
    store.refresh_from_db()
    # then the whole subtree follows, paths and levels included
    assert store.path.startswith(world.p_us.path)
    assert store.depth == 3
    assert set(
        Partner.objects.filter(path__startswith=world.p_us.path).values_list("code", flat=True)
    ) == {"P-US", "P-DE-SUB", "STORE"}


def test_a_partner_cannot_move_below_itself(world: World) -> None:
    with pytest.raises(ValidationError) as err:
        partner_update(partner=world.p_de, parent=world.p_de_sub)
    assert "parent" in err.value.message_dict
    world.p_de.refresh_from_db()
    assert world.p_de.parent is None


@pytest.mark.parametrize(
    ("start", "to", "allowed"),
    [
        ("prospect", "screening", True),
        ("screening", "pilot", True),
        ("pilot", "active", True),
        ("active", "probation", True),
        ("probation", "active", True),
        ("active", "suspended", True),
        ("prospect", "active", False),
        ("terminated", "active", False),
        ("pilot", "probation", False),
        ("active", "prospect", False),
    ],
)
def test_lifecycle_allows_only_listed_transitions(
    world: World, start: str, to: str, allowed: bool
) -> None:
    Partner.objects.filter(pk=world.p_us.pk).update(status=start)
    world.p_us.refresh_from_db()
    if allowed:
        partner_change_status(partner=world.p_us, status=to)
        world.p_us.refresh_from_db()
        assert world.p_us.status == to
    else:
        with pytest.raises(ValidationError):
            partner_change_status(partner=world.p_us, status=to)
        world.p_us.refresh_from_db()
        assert world.p_us.status == start


def test_termination_dates_the_partner(world: World) -> None:
    partner_change_status(partner=world.p_us, status="terminated", on=date(2021, 3, 31))
    world.p_us.refresh_from_db()
    assert world.p_us.terminated_on == date(2021, 3, 31)


def test_every_change_is_in_the_history_with_who(world: World) -> None:
    director = world.users["director"]
    partner_update(partner=world.p_de, credit_limit=Decimal("50000.00"), actor=director)
    latest = world.p_de.history.first()
    older = world.p_de.history.all()[1]
    delta = latest.diff_against(older)
    assert latest.history_user == director
    assert [(c.field, c.old, c.new) for c in delta.changes] == [
        ("credit_limit", Decimal("0.00"), Decimal("50000.00"))
    ]


def test_targets_normalise_periods_and_stay_unique(world: World) -> None:
    target = target_create(partner=world.p_us, period="2021q2", amount=Decimal("10"))
    assert (target.period, target.period_start, target.period_end) == (
        "2021Q2",
        date(2021, 4, 1),
        date(2021, 6, 30),
    )
    target_update(target=target, period="2021-05")
    assert (target.period_start, target.period_end) == (date(2021, 5, 1), date(2021, 5, 31))
    with pytest.raises(ValidationError):
        target_create(partner=world.p_us, period="2021Q5", amount=Decimal("1"))
    with pytest.raises(ValidationError):
        target_create(partner=world.p_us, period="2021-05", amount=None, quantity=None)
    with pytest.raises((ValidationError, IntegrityError)), transaction.atomic():
        target_create(partner=world.p_us, period="2021-05", amount=Decimal("5"))


def test_exclusive_territories_are_protected(world: World) -> None:
    from qudao.partners.services import partner_territory_create, partner_territory_update

    # Given P-DE holds Germany exclusively from 2020
    partner_territory_create(
        partner=world.p_de, region=world.de, exclusive=True, valid_from=date(2020, 1, 1)
    )
    # then no other partner may be authorised in Germany, or in Berlin below it, meanwhile
    for region in (world.de, world.berlin, world.eu):
        with pytest.raises(ValidationError) as err:
            partner_territory_create(partner=world.p_us, region=region, valid_from=date(2021, 1, 1))
        assert "region" in err.value.message_dict
    # elsewhere is fine, and so is its own second authorisation
    partner_territory_create(partner=world.p_us, region=world.us, valid_from=date(2021, 1, 1))
    partner_territory_create(partner=world.p_de, region=world.berlin, valid_from=date(2021, 1, 1))
    # a non-exclusive authorisation blocks a later exclusive one for the same region
    shared = partner_territory_create(
        partner=world.p_de_sub,
        region=world.na,
        valid_from=date(2019, 1, 1),
        valid_to=date(2019, 12, 31),
    )
    with pytest.raises(ValidationError):
        partner_territory_create(
            partner=world.p_us,
            region=world.us,
            exclusive=True,
            valid_from=date(2019, 6, 1),
            valid_to=date(2019, 6, 30),
        )
    # ending the shared one earlier makes room
    partner_territory_update(territory=shared, valid_to=date(2019, 5, 31))
    partner_territory_create(
        partner=world.p_us,
        region=world.us,
        exclusive=True,
        valid_from=date(2019, 6, 1),
        valid_to=date(2019, 6, 30),
    )
