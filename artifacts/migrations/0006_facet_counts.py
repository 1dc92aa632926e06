"""Whole-catalogue facet counts, kept current by statement-level triggers on PostgreSQL.

Each trigger adds what the changed rows contributed after the statement and subtracts what
they contributed before, so the counts follow inserts, edits (kind, licence, award, publication
state), deletions and changes to an artifact's dimensions and tasks, however they are made.
"""

from django.db import migrations, models

LISTED = "status = 'published'"


def contributions(rows: str) -> str:
    """(facet, value) pairs that the listed artifacts in ``rows`` count towards."""
    return f"""
        SELECT 'kind' AS facet, kind::text AS value FROM {rows} WHERE {LISTED}
        UNION ALL SELECT 'license', license FROM {rows} WHERE {LISTED} AND license <> ''
        UNION ALL SELECT 'award', award_id::text FROM {rows} WHERE {LISTED}
        UNION ALL SELECT 'dimension', d.fairnessdimension_id::text FROM {rows} AS r
            JOIN artifacts_artifact_dimensions AS d ON d.artifact_id = r.id WHERE r.{LISTED}
        UNION ALL SELECT 'task', t.task_id::text FROM {rows} AS r
            JOIN artifacts_artifact_tasks AS t ON t.artifact_id = r.id WHERE r.{LISTED}"""


def upsert(delta: str) -> str:
    return f"""
    INSERT INTO artifacts_facetcount (facet, value, count)
    SELECT facet, value, sum(n) FROM ({delta}) AS delta(facet, value, n)
    GROUP BY facet, value HAVING sum(n) <> 0
    ON CONFLICT (facet, value) DO UPDATE SET count = artifacts_facetcount.count + EXCLUDED.count;"""


def signed(rows: str, sign: int) -> str:
    return f"SELECT facet, value, {sign} FROM ({contributions(rows)}) AS c"


def vocabulary_signed(column: str, facet: str, rows: str, sign: int) -> str:
    return f"""SELECT '{facet}', r.{column}::text, {sign} FROM {rows} AS r
        JOIN artifacts_artifact AS a ON a.id = r.artifact_id WHERE a.{LISTED}"""


def function(name: str, body: str) -> str:
    return f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$
BEGIN
  {body}
  RETURN NULL;
END
$$ LANGUAGE plpgsql;"""


def trigger(name: str, table: str, event: str, referencing: str) -> str:
    return f"""
CREATE TRIGGER {name}_trg AFTER {event} ON {table}
  REFERENCING {referencing} FOR EACH STATEMENT EXECUTE FUNCTION {name}();"""


def forward_sql() -> str:
    sql = [
        function("artifacts_facet_insert", upsert(signed("new_rows", 1))),
        function("artifacts_facet_delete", upsert(signed("old_rows", -1))),
        function(
            "artifacts_facet_update",
            upsert(f"{signed('old_rows', -1)} UNION ALL {signed('new_rows', 1)}"),
        ),
        trigger("artifacts_facet_insert", "artifacts_artifact", "INSERT", "NEW TABLE AS new_rows"),
        trigger("artifacts_facet_delete", "artifacts_artifact", "DELETE", "OLD TABLE AS old_rows"),
        trigger(
            "artifacts_facet_update",
            "artifacts_artifact",
            "UPDATE",
            "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        ),
    ]
    for through, column, facet in (
        ("artifacts_artifact_dimensions", "fairnessdimension_id", "dimension"),
        ("artifacts_artifact_tasks", "task_id", "task"),
    ):
        added = vocabulary_signed(column, facet, "new_rows", 1)
        removed = vocabulary_signed(column, facet, "old_rows", -1)
        sql += [
            function(f"{through}_facet_insert", upsert(added)),
            function(f"{through}_facet_delete", upsert(removed)),
            function(f"{through}_facet_update", upsert(f"{removed} UNION ALL {added}")),
            trigger(f"{through}_facet_insert", through, "INSERT", "NEW TABLE AS new_rows"),
            trigger(f"{through}_facet_delete", through, "DELETE", "OLD TABLE AS old_rows"),
            trigger(
                f"{through}_facet_update",
                through,
                "UPDATE",
                "OLD TABLE AS old_rows NEW TABLE AS new_rows",
            ),
        ]
    sql.append(upsert(signed("artifacts_artifact", 1)))  # what is already there
    return "\n".join(sql)


def backward_sql() -> str:
    sql = []
    for table, prefix in (
        ("artifacts_artifact", "artifacts_facet"),
        ("artifacts_artifact_dimensions", "artifacts_artifact_dimensions_facet"),
        ("artifacts_artifact_tasks", "artifacts_artifact_tasks_facet"),
    ):
        for event in ("insert", "delete", "update"):
            sql.append(f"DROP TRIGGER IF EXISTS {prefix}_{event}_trg ON {table};")
            sql.append(f"DROP FUNCTION IF EXISTS {prefix}_{event}();")
    return "\n".join(sql)


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(forward_sql())


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(backward_sql())


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
