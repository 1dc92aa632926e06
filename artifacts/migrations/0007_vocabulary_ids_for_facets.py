"""Each artifact's fairness dimension and task ids as sorted arrays on its own row
(PostgreSQL only), so facet counts over many matched artifacts read them in place instead of
joining the two vocabulary tables. The columns are not declared on the model: the ORM never
writes them, and triggers on the vocabulary tables keep them current."""

from django.db import migrations, models

VOCABULARIES = (
    ("dimension_ids", "artifacts_artifact_dimensions", "fairnessdimension_id"),
    ("task_ids", "artifacts_artifact_tasks", "task_id"),
)


def ids(column: str, through: str, artifact: str) -> str:
    return (
        f"ARRAY(SELECT v.{column} FROM {through} AS v "
        f"WHERE v.artifact_id = {artifact} ORDER BY v.{column})"
    )


def forward_sql() -> str:
    sql = []
    for array, through, column in VOCABULARIES:
        refresh = f"""
    UPDATE artifacts_artifact AS a SET {array} = {ids(column, through, "a.id")}
    WHERE a.id IN (SELECT artifact_id FROM changed_rows);"""
        sql.append(f"""
ALTER TABLE artifacts_artifact ADD COLUMN {array} integer[] NOT NULL DEFAULT '{{}}';
UPDATE artifacts_artifact AS a SET {array} = {ids(column, through, "a.id")};
CREATE OR REPLACE FUNCTION {through}_ids() RETURNS trigger AS $$
BEGIN
  {refresh}
  RETURN NULL;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER {through}_ids_insert_trg AFTER INSERT ON {through}
  REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION {through}_ids();
CREATE TRIGGER {through}_ids_delete_trg AFTER DELETE ON {through}
  REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION {through}_ids();
""")
    return "\n".join(sql)


def backward_sql() -> str:
    sql = []
    for array, through, _ in VOCABULARIES:
        sql += [
            f"DROP TRIGGER IF EXISTS {through}_ids_insert_trg ON {through};",
            f"DROP TRIGGER IF EXISTS {through}_ids_delete_trg ON {through};",
            f"DROP FUNCTION IF EXISTS {through}_ids();",
            f"ALTER TABLE artifacts_artifact DROP COLUMN IF EXISTS {array};",
        ]
    return "\n".join(sql)


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(forward_sql())


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(backward_sql())


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
