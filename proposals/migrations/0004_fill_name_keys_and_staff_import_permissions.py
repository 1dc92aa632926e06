"""Fill matching keys of existing organizations and people; let program staff run imports."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from proposals.validators import organization_name_key, person_name_key


def fill_name_keys(apps, schema_editor):
    Organization = apps.get_model("proposals", "Organization")
    Person = apps.get_model("proposals", "Person")
    for organization in Organization.objects.all():
        organization.name_key = organization_name_key(organization.name)
        organization.save(update_fields=["name_key"])
    for person in Person.objects.all():
        person.name_key = person_name_key(person.given_name, person.family_name)
        person.save(update_fields=["name_key"])


def grant_import_permissions(apps, schema_editor):
    app_config = apps.get_app_config("proposals")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Program staff")
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="proposals", content_type__model="importrun"
        )
    )


def revoke_import_permissions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Program staff").first()
    if group:
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="proposals", content_type__model="importrun"
            )
        )


class Migration(migrations.Migration):
    dependencies = [("proposals", "0003_nsf_import_fields")]

    operations = [
        migrations.RunPython(fill_name_keys, migrations.RunPython.noop),
        migrations.RunPython(grant_import_permissions, revoke_import_permissions),
    ]
