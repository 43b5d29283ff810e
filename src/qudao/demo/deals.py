"""Demo deal registrations, generated (the dataset holds none): the sales team's direct
accounts, and partners' registrations over them — some naming a direct account the way
people do (another place prefix, brackets, legal form, full-width letters), some naming a
customer another partner registered too — in every state: waiting, approved, extended,
rejected, routed to sales, won (tied to a real order of the dataset), lost, expired.
Every description says it is demo data."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from qudao.core.models import User
from qudao.deals.matching import uscc_check_character
from qudao.deals.models import DealRegistration
from qudao.deals.services import (
    deal_approve,
    deal_close,
    deal_extend,
    deal_registration_create,
    deal_reject,
    deal_route,
    deals_expire,
    direct_account_create,
)
from qudao.facts.store import fact_table
from qudao.partners.choices import SELLING_STATUSES
from qudao.partners.models import Partner
from qudao.territories.models import Region

SEED = 20261206
NOTE = "Demo data, generated — 演示数据（生成）"

# (the sales team's name for it, how a partner writes the same customer)
ACCOUNTS = (
    ("深圳市万科企业股份有限公司", "万科企业（深圳）股份有限公司"),
    ("北京京东世纪贸易有限公司", "京东世纪贸易有限公司"),
    ("珠海格力电器股份有限公司", "格力电器（集团）"),
    ("上海宝山钢铁股份有限公司", "宝山钢铁有限公司"),
    ("广东美的集团股份有限公司", "美的集团"),
    ("杭州海康威视数字技术股份有限公司", "海康威视数字技术（杭州）有限公司"),
    ("Contoso Ltd", "The Contoso Group"),
    ("Fabrikam, Inc.", "FABRIKAM INCORPORATED"),
    ("Northwind Traders", "Northwind Traders (Hong Kong) Limited"),
    ("Acme Trading Co., Ltd.", "Ａｃｍｅ Ｔｒａｄｉｎｇ Ｌｉｍｉｔｅｄ"),
    ("Tailspin Toys", "Tailspin Toys Inc."),
    ("Wide World Importers", "WIDE WORLD IMPORTERS LLC"),
)
# customers no direct account names: the partners' own finds
PLACES = ("成都", "武汉", "西安", "苏州", "青岛", "长沙", "Berlin", "Lyon", "Leeds", "Seattle")


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


WORDS_ZH = _words(
    "飞翔 远航 金鹰 蓝天 山河 星辰 巨龙 凌云 宏图 锦程 天成 华源 鼎盛 恒通 瑞丰 嘉禾 "
    "青松 白鹭 朝阳 明德 润泽 晨光"
)
WORDS_EN = _words(
    "Alpine Harbor Summit Prairie Cedar Falcon Orchid Granite Maple Comet Juniper "
    "Beacon Willow Osprey Quarry Tundra Meadow Lantern Bramble Copper Heron Saffron"
)
TRADES = (
    ("骑行俱乐部", "Cycling Club"),
    ("体育用品有限公司", "Sports Goods Ltd"),
    ("物流有限公司", "Logistics GmbH"),
    ("户外运动用品店", "Outdoor Store"),
    ("学校后勤中心", "School Services"),
)


@dataclass(frozen=True)
class Plan:
    status: str
    customer: str
    tax_id: str = ""


def _uscc(rng: random.Random) -> str:
    first17 = "91" + "".join(rng.choice("0123456789") for _ in range(6))
    first17 += "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
    return first17 + uscc_check_character(first17)


def _orders(partners: list[Partner], rng: random.Random) -> dict[str, tuple[str, Any]]:
    """One real order per partner that has any: (order id, its first day)."""
    lines = fact_table("sell_in")
    mine = lines.filter(lines.partner.isin([p.code for p in partners]))
    orders = mine.group_by(mine.partner, mine.order_id).aggregate(day=mine.order_date.min())
    found: dict[str, list[tuple[str, Any]]] = {}
    for row in orders.to_pyarrow().to_pylist():
        found.setdefault(row["partner"], []).append((row["order_id"], row["day"]))
    return {code: rng.choice(sorted(options)) for code, options in found.items()}


@transaction.atomic
def demo_deals() -> int:
    """Direct accounts and about sixty registrations; once (a later run adds nothing)."""
    if DealRegistration.objects.exists():
        return 0
    rng = random.Random(SEED)  # noqa: S311 - demo data, not secrets
    sales = User.objects.filter(username="sales").first()
    director = User.objects.get(username="director")
    territories = list(Region.objects.filter(kind="territory").order_by("code"))
    accounts = [
        direct_account_create(
            customer_name=name,
            tax_id=_uscc(rng) if rng.random() < 0.7 else "",
            region=rng.choice(territories),
            owner=sales,
        )
        for name, _variant in ACCOUNTS
    ]
    partners = list(Partner.objects.filter(status__in=SELLING_STATUSES).order_by("code")[:120])
    rng.shuffle(partners)
    orders = _orders(partners, rng)
    plans: list[tuple[Partner, Plan]] = []
    # a direct account named another way: routed, rejected or waiting for the manager
    for i, (account, (_name, variant)) in enumerate(zip(accounts, ACCOUNTS, strict=True)):
        status = ("routed", "submitted", "rejected")[i % 3]
        tax_id = account.tax_id if i % 4 == 0 else ""  # some give the code: found exactly
        plans.append((partners[i], Plan(status, variant, tax_id)))
    # the same customer registered by two partners
    for i in range(6):
        zh, en = TRADES[i % len(TRADES)]
        name = f"{PLACES[i]}{WORDS_ZH[-1 - i]}{zh}" if i < 4 else f"{WORDS_EN[-1 - i]} {en}"
        plans.append((partners[20 + 2 * i], Plan("approved", name)))
        plans.append((partners[21 + 2 * i], Plan("submitted", name.upper())))
    # the partners' own finds, in every state
    states = ["approved"] * 10 + ["won"] * 8 + ["lost"] * 5 + ["expired"] * 3 + ["submitted"] * 6
    won_partners = [p for p in partners[40:] if p.code in orders]
    names_zh, names_en = rng.sample(WORDS_ZH[:-6], 16), rng.sample(WORDS_EN[:-6], 16)
    for n, status in enumerate(states):
        place, (zh, en) = rng.choice(PLACES), rng.choice(TRADES)
        customer = f"{place}{names_zh[n // 2]}{zh}" if n % 2 else f"{names_en[n // 2]} {en}"
        partner = won_partners[n % len(won_partners)] if status == "won" else partners[60 + n]
        plans.append((partner, Plan(status, customer)))
    today = timezone.localdate()
    for partner, plan in plans:
        _register(partner, plan, director, orders, rng, today)
    deals_expire(as_of=today)
    return len(plans)


def _register(
    partner: Partner,
    plan: Plan,
    director: User,
    orders: dict[str, tuple[str, Any]],
    rng: random.Random,
    today: Any,
) -> DealRegistration:
    deal = deal_registration_create(
        partner=partner,
        customer_name=plan.customer,
        customer_tax_id=plan.tax_id,
        value=Decimal(rng.randrange(20, 400) * 1000),
        expected_close=today + timedelta(days=rng.randint(20, 150)),
        description=NOTE,
    )
    status = plan.status
    if status == "rejected":
        deal_reject(deal=deal, actor=director, note="Served directly by our sales team.")
    elif status == "routed":
        deal_route(deal=deal, actor=director, note="A direct account: sales takes it over.")
    elif status in ("approved", "lost", "expired"):
        deal_approve(deal=deal, actor=director, days=rng.choice((60, 90)))
        if status == "approved" and rng.random() < 0.3:
            deal_extend(deal=deal, actor=director, days=30, note="Customer's budget moved.")
        if status == "lost":
            deal_close(deal=deal, won=False, actor=director, note="Lost on price.")
        if status == "expired":  # approved long ago, never closed
            DealRegistration.objects.filter(pk=deal.pk).update(
                protected_until=today - timedelta(days=rng.randint(1, 40))
            )
    elif status == "won":
        order, first_day = orders[partner.code]
        # registered a few weeks before the dataset's order that realised it
        registered = timezone.make_aware(datetime.combine(first_day - timedelta(days=21), time(9)))
        DealRegistration.objects.filter(pk=deal.pk).update(created_at=registered)
        deal.refresh_from_db()
        deal_approve(deal=deal, actor=director, today=first_day - timedelta(days=20))
        DealRegistration.objects.filter(pk=deal.pk).update(
            decided_at=registered + timedelta(days=1, hours=rng.randint(0, 96))
        )
        deal_close(deal=deal, won=True, fact="sell_in", document=order, actor=director)
        return deal
    # registered days ago, decided hours to days later, as a channel team works
    registered = timezone.now() - timedelta(days=rng.randint(3, 30), hours=rng.randint(0, 23))
    decided = registered + timedelta(hours=rng.randint(4, 140)) if status != "submitted" else None
    DealRegistration.objects.filter(pk=deal.pk).update(created_at=registered, decided_at=decided)
    return deal
