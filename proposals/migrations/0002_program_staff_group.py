"""Create the "Program staff" group with the permissions program staff need."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_NAME = "Program staff"
STAFF_MODELS = [
    "organization",
    "person",
    "program",
    "programelement",
    "cycle",
    "deadline",
    "proposal",
    "proposalinvestigator",
    "award",
    "awardinvestigator",
    "historicaldeadline",
    "historicalproposal",
    "historicalaward",
]


def create_group(apps, schema_editor):
    # Permissions are normally created after migrations; create them now so the
    # group can hold them on a fresh database.
    app_config = apps.get_app_config("proposals")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP_NAME)
    permissions = Permission.objects.filter(
        content_type__app_label="proposals", content_type__model__in=STAFF_MODELS
    )
    group.permissions.add(*permissions)


def delete_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("proposals", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, delete_group)]
