"""Program staff read and add internal notes and attachments; deleting either, and editing
a note, are permissions of their own that the group does not hold."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CODENAMES = ["view_internalnote", "add_internalnote", "view_attachment", "add_attachment"]


def grant_permissions(apps, schema_editor):
    app_config = apps.get_app_config("proposals")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Program staff")
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="proposals", codename__in=CODENAMES)
    )


def revoke_permissions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Program staff").first()
    if group:
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="proposals", codename__in=CODENAMES)
        )


class Migration(migrations.Migration):
    dependencies = [("proposals", "0016_notes_and_attachments")]

    operations = [migrations.RunPython(grant_permissions, revoke_permissions)]
