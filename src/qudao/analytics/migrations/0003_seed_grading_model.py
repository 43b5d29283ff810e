"""Seed the default grading model (data migration; reversible). Frozen copy of the defaults."""

from django.db import migrations

WEIGHTS = {
    "revenue": 0.35,
    "target_attainment": 0.2,
    "revenue_growth_yoy": 0.15,
    "gross_margin_rate": 0.1,
    "sell_through_rate": 0.1,
    "churn_rate": 0.1,
}
THRESHOLDS = [["A", 0.75], ["B", 0.5], ["C", 0.25], ["D", 0]]


def seed(apps, schema_editor):
    apps.get_model("analytics", "GradingModel").objects.get_or_create(
        name="Standard",
        defaults={"weights": WEIGHTS, "thresholds": THRESHOLDS, "hysteresis_periods": 2},
    )


def unseed(apps, schema_editor):
    apps.get_model("analytics", "GradingModel").objects.filter(name="Standard").delete()


class Migration(migrations.Migration):
    dependencies = [("analytics", "0002_grading"), ("partners", "0002_seed_channel_models_and_grades")]
    operations = [migrations.RunPython(seed, unseed)]
