"""Competitor notes: where they were seen, who may record them, and that they show on the
region and partner pages for the brand's staff only."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from qudao.collaboration.models import Competitor, CompetitorNote
from qudao.collaboration.services import competitor_create, competitor_note_create
from tests.conftest import World


def _note(world: World, **data: object) -> CompetitorNote:
    rival = Competitor.objects.filter(code="GIANT").first() or competitor_create(
        code="GIANT", name_en="Giant", name_zh="捷安特"
    )
    return competitor_note_create(
        competitor=rival,
        kind="price",
        region=data.pop("region", world.berlin),
        observed_on=date(2026, 11, 20),
        product="TCR Advanced",
        price=Decimal("1899.00"),
        text="15 % off the list price at the shop window",
        source="store visit",
        **data,
    )


def test_a_note_at_a_partner_must_be_in_its_region(world: World) -> None:
    with pytest.raises(ValidationError, match="not in"):
        _note(world, partner=world.p_us)
    assert _note(world, region=world.de, partner=world.p_de).partner == world.p_de


@pytest.mark.parametrize("role", ["finance", "partner_admin", "partner_user"])
def test_who_may_not_record_competitor_notes(world: World, role: str) -> None:
    with pytest.raises(PermissionDenied):
        _note(world, actor=world.users[role])
    assert not CompetitorNote.objects.exists()


def test_sales_staff_record_what_they_see(world: World) -> None:
    assert _note(world, actor=world.users["sales"]).author == world.users["sales"]


def test_the_region_and_partner_pages_show_the_notes_to_the_brand_only(world: World) -> None:
    _note(world, partner=world.p_de)
    staff = Client()
    staff.force_login(world.users["manager"])
    assert "TCR Advanced" in staff.get(world.de.get_absolute_url()).text
    assert "TCR Advanced" in staff.get(world.p_de.get_absolute_url()).text
    assert "TCR Advanced" not in staff.get(world.us.get_absolute_url()).text
    partner = Client()
    partner.force_login(world.users["partner_admin"])
    assert "TCR Advanced" not in partner.get(world.p_de.get_absolute_url()).text
    assert partner.get(reverse("collaboration:competitor_note_list")).status_code == 404
    listing = staff.get(reverse("collaboration:competitor_note_list") + f"?region={world.eu.pk}")
    assert "TCR Advanced" in listing.text
    export = staff.get(reverse("collaboration:competitor_note_list") + "?export=csv")
    assert "store visit" in export.content.decode()
