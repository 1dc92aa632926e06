"""Each artifact's fairness dimension and task ids as sorted arrays on its own row
(PostgreSQL only), so facet counts over many matched artifacts read them in place instead of
joining the two vocabulary tables. The columns are not declared on the model: the ORM never
writes them, and triggers on the vocabulary tables keep them current (sql/vocabulary_ids_v1.sql)."""

from pathlib import Path

from django.db import migrations, models


SQL = Path(__file__).parent / "sql"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute((SQL / "vocabulary_ids_v1.sql").read_text())


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute((SQL / "vocabulary_ids_v1.down.sql").read_text())


class Migration(migrations.Migration):
    dependencies = [
        ("artifacts", "0006_facet_counts"),
        ("proposals", "0004_fill_name_keys_and_staff_import_permissions"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="artifact", name="artifact_summary_idx"),
        migrations.AddIndex(
            model_name="artifact",
            index=models.Index(
                fields=["status", "kind", "license"],
                include=("id", "award", "updated_at"),
                name="artifact_summary_idx",
            ),
        ),
        migrations.RunPython(forward, backward),
    ]
