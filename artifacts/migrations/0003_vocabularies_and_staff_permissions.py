"""The fairness dimensions and tasks the catalogue facets on; staff may curate artifacts."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

DIMENSIONS = [
    ("gender", "Gender"),
    ("race-ethnicity", "Race and ethnicity"),
    ("age", "Age"),
    ("disability", "Disability"),
    ("language-dialect", "Language and dialect"),
    ("geography", "Geography"),
    ("socioeconomic", "Socioeconomic status"),
    ("religion", "Religion"),
    ("sexual-orientation", "Sexual orientation"),
    ("intersectional", "Intersectional"),
]
TASKS = [
    ("nlp", "Natural language processing"),
    ("vision", "Computer vision"),
    ("speech", "Speech"),
    ("tabular", "Tabular data"),
    ("recommender", "Recommender systems"),
    ("ranking", "Search and ranking"),
    ("decision-making", "Decision making and allocation"),
    ("healthcare", "Healthcare"),
    ("multimodal", "Multimodal"),
]


def create_vocabularies(apps, schema_editor):
    FairnessDimension = apps.get_model("artifacts", "FairnessDimension")
    Task = apps.get_model("artifacts", "Task")
    for order, (slug, name) in enumerate(DIMENSIONS):
        FairnessDimension.objects.get_or_create(slug=slug, defaults={"name": name, "order": order})
    for order, (slug, name) in enumerate(TASKS):
        Task.objects.get_or_create(slug=slug, defaults={"name": name, "order": order})


def grant_permissions(apps, schema_editor):
    app_config = apps.get_app_config("artifacts")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Program staff")
    group.permissions.add(*Permission.objects.filter(content_type__app_label="artifacts"))


def revoke_permissions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Program staff").first()
    if group:
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="artifacts"))


class Migration(migrations.Migration):
    dependencies = [
        ("artifacts", "0002_postgres_search"),
        ("proposals", "0004_fill_name_keys_and_staff_import_permissions"),
    ]

    operations = [
        migrations.RunPython(create_vocabularies, migrations.RunPython.noop),
        migrations.RunPython(grant_permissions, revoke_permissions),
    ]
