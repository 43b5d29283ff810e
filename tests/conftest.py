"""A small channel shared by the tests.

    EU ─ DE ─ Berlin          NA ─ US
    P-DE (in Berlin, reseller)        P-US (in US)
     └─ P-DE-SUB (a sub-partner in DE)

Users: one per role. The EU channel manager sees P-DE and P-DE-SUB; the partner
users of P-DE see P-DE and its sub-partner; nobody but internal roles sees P-US.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from qudao.catalog.models import PriceListEntry, Product
from qudao.core.models import User
from qudao.partners.models import Partner, Target
from qudao.territories.models import Region
from tests.factories import (
    PartnerFactory,
    PriceListEntryFactory,
    ProductFactory,
    RegionFactory,
    TargetFactory,
    make_user,
)


@dataclass
class World:
    eu: Region
    de: Region
    berlin: Region
    na: Region
    us: Region
    p_de: Partner
    p_de_sub: Partner
    p_us: Partner
    product: Product
    price: PriceListEntry
    target_de: Target
    target_us: Target
    users: dict[str, User]


@pytest.fixture(autouse=True)
def _own_qudao_home(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    # Each test gets its own fact store and reports, as its database is its own too.
    settings.QUDAO_HOME = tmp_path_factory.mktemp("qudao-home")


@pytest.fixture(autouse=True)
def _language_reset() -> Any:
    # A page requested in Chinese leaves Chinese active in this thread; the next test
    # must start in the default language, whatever ran before it.
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # PBKDF2 would spend most of the suite's time hashing test passwords.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db: Any) -> World:
    return build_world()


def build_world() -> World:
    eu = RegionFactory(code="EU", name_en="Europe", name_zh="欧洲", kind="group")
    de = RegionFactory(code="DE", name_en="Germany", name_zh="德国", kind="country", parent=eu)
    berlin = RegionFactory(code="BER", name_en="Berlin", kind="city", parent=de)
    na = RegionFactory(code="NA", name_en="North America", kind="group")
    us = RegionFactory(code="US", name_en="United States", kind="country", parent=na)
    p_de = PartnerFactory(
        code="P-DE", name_en="Berlin Bikes", name_zh="柏林单车", home_region=berlin
    )
    p_de_sub = PartnerFactory(code="P-DE-SUB", name_en="Potsdam Rad", home_region=de, parent=p_de)
    p_us = PartnerFactory(code="P-US", name_en="Austin Cycles", home_region=us)
    product = ProductFactory(code="BIKE-1", name_en="Road Bike")
    price = PriceListEntryFactory(product=product)
    users = {
        "director": make_user("director", "channel_director"),
        "manager": make_user("manager", "channel_manager"),
        "finance": make_user("finance", "finance"),
        "sales": make_user("sales", "sales"),
        "partner_admin": make_user("partner_admin", "partner_admin", partner=p_de),
        "partner_user": make_user("partner_user", "partner_user", partner=p_de),
        "no_role": make_user("no_role", None),
    }
    users["manager"].managed_regions.set([eu])
    return World(
        eu,
        de,
        berlin,
        na,
        us,
        p_de,
        p_de_sub,
        p_us,
        product,
        price,
        TargetFactory(partner=p_de),
        TargetFactory(partner=p_us),
        users,
    )


def run_queued_tasks() -> None:
    """Run the real database worker over the queue, then stop.

    The worker closes stale connections between tasks; inside a test that would close the
    test's own transaction's connection (on PostgreSQL), so that one call is suspended.
    """
    from unittest import mock

    from django.core.management import call_command

    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)
