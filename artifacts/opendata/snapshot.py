"""Reading the current open-data snapshot for /data/: which files it serves, each file's
checksum, and the listing of its files with their columns."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from artifacts.opendata.schema import resources

# Under OPEN_DATA_DIR, ``current`` links to the snapshot served; each snapshot describes
# itself in PACKAGE.
CURRENT = "current"
PACKAGE = "datapackage.json"

# What /data/<file> serves: the snapshot's files and nothing else.
CONTENT_TYPES = {
    "awards.csv": "text/csv; charset=utf-8",
    "artifacts.csv": "text/csv; charset=utf-8",
    "artifacts.jsonl": "application/x-ndjson",
    "publications.csv": "text/csv; charset=utf-8",
    "deadlines.ics": "text/calendar; charset=utf-8",
    PACKAGE: "application/json",
}


@dataclass(frozen=True)
class Snapshot:
    """The current snapshot, resolved once per request so that a file and the checksum it
    is served with come from the same export."""

    directory: Path
    package: dict[str, Any]
    package_sha256: str

    @property
    def created(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.package["created"])

    def resource(self, filename: str) -> dict[str, Any] | None:
        return next((r for r in self.package["resources"] if r["path"] == filename), None)

    def sha256(self, filename: str) -> str:
        if filename == PACKAGE:
            return self.package_sha256
        resource = self.resource(filename)
        return str(resource["hash"]).removeprefix("sha256:") if resource else ""


def open_data_current(*, base: Path | None = None) -> Snapshot | None:
    """The snapshot ``current`` points at, or None before the first export."""
    base = Path(base or settings.OPEN_DATA_DIR)
    try:
        directory = base / os.readlink(base / CURRENT)
        raw = (directory / PACKAGE).read_bytes()
    except OSError:
        return None
    return Snapshot(
        directory=directory, package=json.loads(raw), package_sha256=hashlib.sha256(raw).hexdigest()
    )


@dataclass(frozen=True)
class ListedFile:
    """A file of a snapshot as /data/ lists it."""

    path: str
    title: str
    description: str
    mediatype: str
    bytes: int
    rows: int
    row_label: str
    fields: list[dict[str, str]]


def _constraints_text(constraints: dict[str, Any]) -> str:
    said = []
    if constraints.get("required"):
        said.append("Always present.")
    if constraints.get("unique"):
        said.append("Unique.")
    if constraints.get("enum"):
        said.append(f"One of: {', '.join(constraints['enum'])}.")
    return " ".join(said)


def open_data_listing(snapshot: Snapshot) -> list[ListedFile]:
    """The snapshot's files with their column documentation, from its own package."""
    labels = {resource.path: resource.row_label for resource in resources()}
    return [
        ListedFile(
            path=resource["path"],
            title=resource.get("title", resource["path"]),
            description=resource.get("description", ""),
            mediatype=resource.get("mediatype", ""),
            bytes=resource.get("bytes", 0),
            rows=resource.get("rows", resource.get("events", 0)),
            row_label=labels.get(resource["path"], "rows"),
            fields=[
                {
                    "name": described["name"],
                    "title": described.get("title", ""),
                    "type": described.get("type", "any"),
                    "description": described.get("description", ""),
                    "constraints": _constraints_text(described.get("constraints", {})),
                }
                for described in resource.get("schema", {}).get("fields", [])
            ],
        )
        for resource in snapshot.package["resources"]
    ]
