"""Deal registration end to end through the services: who may register and decide (a
refused write changes nothing), conflicts with direct accounts (exact on the tax id, by
name after normalising) and with other partners' open registrations, the protection
window, extension and expiry, won deals tied to the sale that realised them, the figures."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from qudao.deals.matching import uscc_check_character
from qudao.deals.models import DealConflict, DealRegistration, DealStatus, MatchBasis
from qudao.deals.selectors import deal_figures, deal_list
from qudao.deals.services import (
    deal_approve,
    deal_close,
    deal_extend,
    deal_registration_create,
    deal_registration_update,
    deal_reject,
    deal_route,
    deals_expire,
    direct_account_create,
)
from qudao.facts.services import fact_import
from qudao.partners.models import Partner
from tests.conftest import World
from tests.factories import make_user


def uscc(first17: str) -> str:
    return first17 + uscc_check_character(first17)


TAX_ID = uscc("91440300708461136")


def register(world: World, partner: Partner | None = None, actor: Any = None, **data: Any) -> Any:
    values: dict[str, Any] = {
        "partner": partner or world.p_de,
        "customer_name": "柏林精密机械有限公司",
        "value": Decimal("120000.00"),
        "expected_close": timezone.localdate() + timedelta(days=60),
    }
    values.update(data)
    return deal_registration_create(actor=actor, **values)


@pytest.fixture
def seller(world: World) -> Any:
    return make_user("rep", "sales")


def test_a_partner_admin_registers_for_its_own_tree_only(world: World) -> None:
    admin = world.users["partner_admin"]
    own = register(world, actor=admin)
    sub = register(world, partner=world.p_de_sub, actor=admin, customer_name="Potsdam GmbH")
    assert (own.status, own.registered_by, sub.partner) == ("submitted", admin, world.p_de_sub)
    before = DealRegistration.objects.count()
    with pytest.raises(PermissionDenied):
        register(world, partner=world.p_us, actor=admin)
    with pytest.raises(PermissionDenied):  # a partner's plain user reads, never writes
        register(world, actor=world.users["partner_user"])
    with pytest.raises(PermissionDenied):  # finance and sales read only
        register(world, actor=world.users["finance"])
    assert DealRegistration.objects.count() == before


def test_same_tax_id_is_always_found_whatever_the_name(world: World, seller: Any) -> None:
    account = direct_account_create(
        customer_name="深圳市万科企业股份有限公司", tax_id=TAX_ID, owner=seller
    )
    deal = register(
        world, customer_name="Completely Other Name Ltd", customer_tax_id=TAX_ID.lower()
    )
    (conflict,) = DealConflict.objects.filter(deal=deal)
    assert (conflict.account, conflict.basis, conflict.score) == (account, "tax_id", 100)


def test_names_match_after_place_legal_form_brackets_and_width(world: World) -> None:
    account = direct_account_create(customer_name="深圳市腾讯计算机系统有限公司")
    direct_account_create(customer_name="腾讯音乐娱乐科技有限公司")  # another company
    deal = register(world, customer_name="腾讯计算机系统（深圳）有限公司")
    (conflict,) = DealConflict.objects.filter(deal=deal)
    assert (conflict.account, conflict.basis, conflict.score) == (account, MatchBasis.NAME, 100)
    near = register(world, customer_name="腾讯计算机系統有限公司")  # one character off
    (fuzzy,) = DealConflict.objects.filter(deal=near, account=account)
    assert Decimal("85") <= fuzzy.score < 100


def test_an_account_added_later_is_found_by_the_open_registrations(world: World) -> None:
    deal = register(world, customer_name="Acme Trading Co., Ltd.")
    assert not DealConflict.objects.filter(deal=deal).exists()
    account = direct_account_create(customer_name="ACME TRADING (SHANGHAI) LIMITED")
    assert DealConflict.objects.get(deal=deal).account == account


def test_other_partners_open_registrations_collide_both_ways(world: World) -> None:
    first = register(world, partner=world.p_us, customer_name="Contoso Ltd")
    second = register(world, customer_name="The Contoso Group")
    same_partner = register(world, customer_name="Contoso Holdings")
    assert DealConflict.objects.get(deal=second).other_deal == first
    assert set(DealConflict.objects.filter(deal=first).values_list("other_deal", flat=True)) == {
        second.pk,
        same_partner.pk,
    }
    # a partner's own registrations do not collide with each other
    assert not DealConflict.objects.filter(deal=second, other_deal=same_partner).exists()
    deal_reject(deal=first, note="duplicate", actor=world.users["director"])
    second.refresh_from_db()
    assert not DealConflict.objects.filter(deal=second).exists()  # it no longer claims
    assert DealConflict.objects.filter(deal=first).count() == 2  # what was found stays


def test_approval_protects_for_the_window(world: World, settings: Any) -> None:
    deal = register(world)
    today = timezone.localdate()
    deal_approve(deal=deal, actor=world.users["manager"], note="ok")
    assert (deal.status, deal.protected_until) == ("approved", today + timedelta(days=90))
    settings.QUDAO = {**settings.QUDAO, "DEAL_PROTECTION_DAYS": 30}
    other = register(world, customer_name="Other GmbH")
    deal_approve(deal=other, actor=world.users["director"])
    assert other.protected_until == today + timedelta(days=30)
    assert deal.decided_by == world.users["manager"] and deal.decided_at is not None


@pytest.mark.parametrize("who", ["partner_admin", "partner_user", "finance", "sales"])
def test_only_the_channel_team_decides_and_a_refusal_changes_nothing(
    world: World, who: str
) -> None:
    deal = register(world)
    with pytest.raises(PermissionDenied):
        deal_approve(deal=deal, actor=world.users[who])
    deal.refresh_from_db()
    assert (deal.status, deal.protected_until, deal.decided_by) == ("submitted", None, None)


def test_a_manager_decides_only_within_its_regions(world: World) -> None:
    deal = register(world, partner=world.p_us)
    with pytest.raises(PermissionDenied):
        deal_approve(deal=deal, actor=world.users["manager"])
    deal.refresh_from_db()
    assert deal.status == "submitted"


def test_rejection_needs_a_reason(world: World) -> None:
    deal = register(world)
    with pytest.raises(ValidationError):
        deal_reject(deal=deal, note="  ", actor=world.users["manager"])
    deal_reject(deal=deal, note="Customer already served", actor=world.users["manager"])
    assert deal.status == "rejected"
    with pytest.raises(ValidationError):  # decided once
        deal_approve(deal=deal, actor=world.users["manager"])


def test_routing_goes_to_the_owner_of_the_matched_account(world: World, seller: Any) -> None:
    direct_account_create(customer_name="Fabrikam, Inc.", owner=seller)
    deal = register(world, customer_name="FABRIKAM INCORPORATED")
    deal_route(deal=deal, actor=world.users["manager"], note="a direct account")
    assert (deal.status, deal.routed_to) == ("routed", seller)
    lone = register(world, customer_name="Nobody Knows Ltd")
    with pytest.raises(ValidationError):  # no account matched: someone must be named
        deal_route(deal=lone, actor=world.users["manager"])
    with pytest.raises(ValidationError):  # and it must be someone in sales
        deal_route(deal=lone, actor=world.users["manager"], owner=world.users["finance"])


def test_extension_and_expiry(world: World, settings: Any) -> None:
    settings.QUDAO = {**settings.QUDAO, "DEAL_MAX_EXTENSIONS": 1}
    deal = register(world)
    today = timezone.localdate()
    deal_approve(deal=deal, actor=world.users["manager"], days=10)
    ran = deals_expire(as_of=today)
    assert [d.pk for d in ran.expiring] == [deal.pk] and ran.expired == []
    assert deals_expire(as_of=today).expiring == []  # told once
    deal_extend(deal=deal, actor=world.users["manager"], days=30, note="customer slow")
    deal.refresh_from_db()
    assert (deal.protected_until, deal.extensions) == (today + timedelta(days=40), 1)
    assert deal.expiry_notified_on is None  # told again when the new end nears
    with pytest.raises(ValidationError):
        deal_extend(deal=deal, actor=world.users["manager"])
    ran = deals_expire(as_of=today + timedelta(days=41))
    deal.refresh_from_db()
    assert [d.pk for d in ran.expired] == [deal.pk] and deal.status == "expired"


def test_an_expired_registration_frees_its_customer(world: World) -> None:
    first = register(world, partner=world.p_us, customer_name="Northwind Traders")
    deal_approve(deal=first, actor=world.users["director"], days=5)
    deals_expire(as_of=timezone.localdate() + timedelta(days=6))
    later = register(world, customer_name="Northwind Traders Inc.")
    assert not DealConflict.objects.filter(deal=later).exists()


@pytest.fixture
def load_sell_in(tmp_path: Path) -> Callable[..., None]:
    header = "order_date,order_id,line_no,partner,product,quantity,unit_price,amount"

    def load(*rows: str) -> None:
        path = tmp_path / f"sell-in-{len(list(tmp_path.iterdir()))}.csv"
        path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
        assert fact_import(fact="sell_in", path=path).committed

    return load


def test_won_is_tied_to_the_sale_that_realised_it(world: World, load_sell_in: Any) -> None:
    today = timezone.localdate()
    load_sell_in(
        f"{today},SO-77,1,P-DE-SUB,BIKE-1,2,500,1000.00",
        f"{today},SO-77,2,P-DE-SUB,BIKE-1,1,234.56,234.56",
        f"{today},SO-99,1,P-US,BIKE-1,1,999,999.00",
    )
    deal = register(world, actor=world.users["partner_admin"])
    deal_approve(deal=deal, actor=world.users["manager"])
    with pytest.raises(ValidationError):  # another partner's order
        deal_close(
            deal=deal,
            won=True,
            fact="sell_in",
            document="SO-99",
            actor=world.users["partner_admin"],
        )
    with pytest.raises(ValidationError):  # an order that does not exist
        deal_close(
            deal=deal, won=True, fact="sell_in", document="SO-1", actor=world.users["partner_admin"]
        )
    deal_close(
        deal=deal, won=True, fact="sell_in", document="SO-77", actor=world.users["partner_admin"]
    )
    deal.refresh_from_db()
    assert (deal.status, deal.realised_amount, deal.closed_on) == (
        "won",
        Decimal("1234.56"),
        today,
    )


def test_lost_needs_a_reason(world: World) -> None:
    deal = register(world)
    deal_approve(deal=deal, actor=world.users["manager"])
    with pytest.raises(ValidationError):
        deal_close(deal=deal, won=False, actor=world.users["partner_admin"])
    deal_close(deal=deal, won=False, note="price", actor=world.users["partner_admin"])
    assert deal.status == "lost"


def test_a_decided_registration_is_not_edited(world: World) -> None:
    deal = register(world)
    deal_registration_update(deal=deal, value=Decimal("5"), actor=world.users["partner_admin"])
    deal_approve(deal=deal, actor=world.users["manager"])
    with pytest.raises(ValidationError):
        deal_registration_update(deal=deal, value=Decimal("9"), actor=world.users["partner_admin"])


def test_figures_tell_win_rate_from_its_near_misses(world: World) -> None:
    """Win rate is won ÷ (won + lost): not ÷ all decided, nor ÷ all registered."""
    director = world.users["director"]
    names = ["Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot", "Golf"]
    deals = [register(world, customer_name=f"{name} Trading Ltd") for name in names]
    for deal in deals[:5]:
        deal_approve(deal=deal, actor=director)
    deal_close(deal=deals[0], won=False, note="price", actor=director)
    deal_close(deal=deals[1], won=False, note="timing", actor=director)
    DealRegistration.objects.filter(pk=deals[2].pk).update(status=DealStatus.WON)
    deal_reject(deal=deals[5], note="no", actor=director)
    # decided 1, 2 and 4 days after registering: the median is 2
    for deal, days in zip(deals[:3], (1, 2, 4), strict=True):
        DealRegistration.objects.filter(pk=deal.pk).update(
            decided_at=deal.created_at + timedelta(days=days)
        )
    for deal in deals[3:6]:
        DealRegistration.objects.filter(pk=deal.pk).update(
            decided_at=deal.created_at + timedelta(days=2)
        )
    register(world, partner=world.p_us, customer_name="GOLF TRADING LIMITED")  # ↔ deals[6]
    figures = deal_figures(deal_list(user=director))
    assert figures.registrations == 8
    assert figures.win_rate == Decimal(1) / Decimal(3)  # 1 won, 2 lost; not 1/6 decided
    assert figures.median_days_to_decide == Decimal("2.0")
    # open: deals[3], deals[4] (approved), deals[6] and the P-US one (submitted)
    assert (figures.open_registrations, figures.in_conflict) == (4, 2)


def test_the_daily_command_expires_and_says_so(world: World) -> None:
    deal = register(world)
    deal_approve(deal=deal, actor=world.users["director"], days=3)
    out = StringIO()
    later = (timezone.localdate() + timedelta(days=4)).isoformat()
    call_command("deals", "expire", "--as-of", later, stdout=out)
    deal.refresh_from_db()
    assert deal.status == "expired" and out.getvalue().startswith("1 expired")


def test_a_note_holding_a_nul_is_refused_not_a_database_error(world: World) -> None:
    """PostgreSQL keeps no NUL: a decision's note with one is a 422 naming the field."""
    deal = register(world)
    client = Client()
    client.force_login(world.users["manager"])
    response = client.post(
        f"/api/deals/{deal.pk}/decision",
        {"action": "reject", "note": "bad\x00note"},
        content_type="application/json",
    )
    assert response.status_code == 422
    deal.refresh_from_db()
    assert (deal.status, deal.decision_note) == ("submitted", "")
