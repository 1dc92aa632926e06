"""A scratch PostgreSQL database for benchmarks: dropped and created anew."""

from __future__ import annotations


def reset_database() -> None:
    """Recreate the database named in DATABASE_URL (PostgreSQL only; others are left alone)."""
    import psycopg
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.postgresql":
        return
    with psycopg.connect(
        host=database["HOST"] or "127.0.0.1",
        port=database["PORT"] or 5432,
        user=database["USER"],
        dbname="postgres",
        autocommit=True,
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database["NAME"]}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{database["NAME"]}"')
