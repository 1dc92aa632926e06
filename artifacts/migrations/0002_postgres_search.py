"""Full-text search on PostgreSQL: a trigger keeps the weighted tsvector current, GIN indexes
serve ranked search and the trigram fallback. SQLite needs none of it. The SQL is in sql/search_vector_v1.sql."""

from pathlib import Path

from django.db import migrations


SQL = Path(__file__).parent / "sql"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute((SQL / "search_vector_v1.sql").read_text())


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute((SQL / "search_vector_v1.down.sql").read_text())


class Migration(migrations.Migration):
    dependencies = [("artifacts", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
