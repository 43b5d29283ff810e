"""Seed the standard channel models and a default grade ladder (data migration; reversible)."""

from django.db import migrations

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


def seed(apps, schema_editor):
    ChannelModel = apps.get_model("partners", "ChannelModel")
    Grade = apps.get_model("partners", "Grade")
    for code, en, zh, order in CHANNEL_MODELS:
        ChannelModel.objects.get_or_create(
            code=code, defaults={"name_en": en, "name_zh": zh, "sort_order": order})
    for code, en, zh, rank in GRADES:
        Grade.objects.get_or_create(code=code, defaults={"name_en": en, "name_zh": zh, "rank": rank})


def unseed(apps, schema_editor):
    apps.get_model("partners", "ChannelModel").objects.filter(
        code__in=[c[0] for c in CHANNEL_MODELS], partner__isnull=True).delete()
    apps.get_model("partners", "Grade").objects.filter(
        code__in=[g[0] for g in GRADES], partner__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("partners", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
