"""Program staff review what researchers submit: the submitted artifacts, the edits waiting,
and the decisions made."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CODENAMES = [
    "review_submissions",
    "view_artifactrevision",
    "change_artifactrevision",
    "view_reviewdecision",
    "view_submission",
    "change_submission",
]


def grant_permissions(apps, schema_editor):
    app_config = apps.get_app_config("artifacts")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Program staff")
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="artifacts", codename__in=CODENAMES)
    )


def revoke_permissions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Program staff").first()
    if group:
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="artifacts", codename__in=CODENAMES)
        )


class Migration(migrations.Migration):
    dependencies = [("artifacts", "0018_researcher_submissions")]

    operations = [migrations.RunPython(grant_permissions, revoke_permissions)]
