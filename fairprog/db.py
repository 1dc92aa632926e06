"""Database helpers the apps share: expressions that read the same on PostgreSQL and SQLite."""

from __future__ import annotations

from typing import Any

from django.db.models import Aggregate, TextField


class JoinedText(Aggregate):
    """Values of a column joined into one text (string_agg / group_concat)."""

    function = "STRING_AGG"
    template = "%(function)s(%(expressions)s, '%(separator)s')"
    output_field = TextField()

    def __init__(self, expression: Any, *, separator: str = ",", **extra: Any) -> None:
        super().__init__(expression, separator=separator, **extra)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, function="GROUP_CONCAT", **extra)
