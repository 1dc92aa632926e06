"""Django's SQLite backend, which also makes the folder of its database file.

SQLite creates a missing database file but not its folder, and the embedded default keeps
the file under ``FAIRPROG_VAR_DIR``, which a fresh checkout does not have. Making the
folder when the first connection opens serves every way in (``migrate``, the web server,
a worker, the test database) without settings creating anything when they are read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params: Any) -> Any:
        name = str(conn_params["database"])
        # URIs ("file:…") and in-memory databases have no folder to make.
        if not name.startswith("file:") and not self.creation.is_in_memory_db(name):
            Path(name).parent.mkdir(parents=True, exist_ok=True)
        return super().get_new_connection(conn_params)
