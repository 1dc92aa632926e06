"""Whole-catalogue facet counts, kept current by statement-level triggers on PostgreSQL.

Each trigger adds what the changed rows contributed after the statement and subtracts what
they contributed before, so the counts follow inserts, edits (kind, licence, award, publication
state), deletions and changes to an artifact's dimensions and tasks, however they are made. The SQL is in sql/facet_counts_v1.sql.
"""

from pathlib import Path

from django.db import migrations, models


SQL = Path(__file__).parent / "sql"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute((SQL / "facet_counts_v1.sql").read_text())


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute((SQL / "facet_counts_v1.down.sql").read_text())


class Migration(migrations.Migration):
    dependencies = [("artifacts", "0005_summary_covering_index")]

    operations = [
        migrations.CreateModel(
            name="FacetCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "facet",
                    models.CharField(
                        choices=[
                            ("kind", "Kind"),
                            ("license", "License"),
                            ("award", "Award"),
                            ("dimension", "Dimension"),
                            ("task", "Task"),
                        ],
                        max_length=16,
                    ),
                ),
                ("value", models.CharField(max_length=64)),
                ("count", models.IntegerField(default=0)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("facet", "value"), name="facet_count_once")
                ],
            },
        ),
        migrations.RunPython(forward, backward),
    ]
