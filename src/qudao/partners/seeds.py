"""Reference data every instance starts with: standard channel models and a grade ladder.

Migration 0002 seeds the same rows with its own frozen copy; ``reference_data_ensure``
restores them on an instance where someone removed them (the demo calls it).
"""

from __future__ import annotations

from django.contrib.auth.models import Group

from qudao.core.choices import Role
from qudao.partners.models import ChannelModel, Grade

# Models whose partners sell on to others and owe the brand their sell-through (流向).
REPORTING_MODELS = {"distributor", "agent", "reseller"}
CHANNEL_MODELS = [
    ("direct", "Direct", "直销", 10),
    ("distributor", "Distributor", "分销商", 20),
    ("agent", "Agent", "代理商", 30),
    ("reseller", "Reseller", "经销商", 40),
    ("ecommerce", "E-commerce", "电商", 50),
    ("retail_store", "Retail store", "零售门店", 60),
    ("solution_partner", "Solution partner", "解决方案伙伴", 70),
]
GRADES = [
    ("A", "Platinum", "铂金", 1),
    ("B", "Gold", "金牌", 2),
    ("C", "Silver", "银牌", 3),
    ("D", "Registered", "注册", 4),
]


def reference_data_ensure() -> None:
    for role in Role:
        Group.objects.get_or_create(name=role.value)
    for code, en, zh, order in CHANNEL_MODELS:
        ChannelModel.objects.get_or_create(
            code=code,
            defaults={
                "name_en": en,
                "name_zh": zh,
                "sort_order": order,
                "reports_sell_through": code in REPORTING_MODELS,
            },
        )
    for code, en, zh, rank in GRADES:
        Grade.objects.get_or_create(
            code=code, defaults={"name_en": en, "name_zh": zh, "rank": rank}
        )
