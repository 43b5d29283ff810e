"""Two more roles: the product team (reads and answers feedback) and supply chain (reads
supply alerts). Data migration; reversible."""

from django.db import migrations

ROLES = ["product", "supply_chain"]


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


def delete_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0006_user_preferences")]
    operations = [migrations.RunPython(create_roles, delete_roles)]
