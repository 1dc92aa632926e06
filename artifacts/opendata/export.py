"""One open-data export on disk: write a new snapshot directory, describe it in its
datapackage.json, make it current, and prune what is no longer needed.

An export writes a new directory, then swaps ``current`` with an atomic rename of a new
symlink, so a reader sees either the old set of files or the new one, never a mix or half
a file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse

from artifacts.opendata import writers
from artifacts.opendata.schema import open_data_license, resources
from artifacts.opendata.snapshot import CURRENT, PACKAGE, open_data_current
from fairprog.errors import DomainError

SNAPSHOT_PREFIX = "snapshot-"


def _sync_directory(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sha256(path: Path) -> str:
    with path.open("rb") as data:
        return hashlib.file_digest(data, "sha256").hexdigest()


@contextlib.contextmanager
def _one_database_snapshot() -> Iterator[None]:
    """On PostgreSQL, read everything in one read-only REPEATABLE READ transaction: the files
    then agree with each other (every artifact's award is in awards.csv) however the data
    changes meanwhile. SQLite opens its transactions for writing (IMMEDIATE), which would
    hold off every writer for the whole export, so it reads as it goes."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    # A health check's query would start the transaction before the SET below may run.
    connection.close_if_health_check_failed()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


@contextlib.contextmanager
def _exclusive(base: Path) -> Iterator[None]:
    """One export at a time per directory (the nightly task and the command may meet)."""
    with (base / ".export.lock").open("a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DomainError(
                f"Another open-data export is writing to {base}; try again when it has finished."
            ) from None
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@dataclass(frozen=True)
class FileReport:
    name: str
    rows: int
    bytes: int


@dataclass
class ExportReport:
    directory: Path  # the new snapshot, now current
    created: dt.datetime
    seconds: float
    files: list[FileReport] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(f.rows for f in self.files if f.name != PACKAGE)

    @property
    def bytes(self) -> int:
        return sum(f.bytes for f in self.files)


def open_data_export(
    *, base: Path | None = None, progress: writers.Progress | None = None
) -> ExportReport:
    """Write a complete snapshot of the public data under ``base`` (OPEN_DATA_DIR) and make it
    current. On any failure the partial snapshot is removed and the previous one stays
    current; the error is raised."""
    base = Path(base or settings.OPEN_DATA_DIR)
    base.mkdir(parents=True, exist_ok=True)
    data_license = open_data_license()
    site = settings.SITE_URL
    started = time.monotonic()
    with _exclusive(base):
        created = dt.datetime.now(dt.UTC).replace(microsecond=0)
        directory = Path(
            tempfile.mkdtemp(prefix=f"{SNAPSHOT_PREFIX}{created:%Y%m%dT%H%M%SZ}-", dir=base)
        )
        try:
            directory.chmod(0o755)  # mkdtemp's 0700 would hide it from the web server's user
            with _one_database_snapshot():
                rows = {
                    "awards.csv": writers.write_awards(
                        directory / "awards.csv", site=site, progress=progress
                    )
                }
                rows["artifacts.csv"] = rows["artifacts.jsonl"] = writers.write_artifacts(
                    directory / "artifacts.csv",
                    directory / "artifacts.jsonl",
                    site=site,
                    progress=progress,
                )
                rows["publications.csv"] = writers.write_publications(
                    directory / "publications.csv", progress=progress
                )
                rows["deadlines.ics"] = writers.write_deadlines(
                    directory / "deadlines.ics", site=site, progress=progress
                )
            files = [
                FileReport(name, rows[name], (directory / name).stat().st_size) for name in rows
            ]
            hashes = {name: _sha256(directory / name) for name in rows}
            since = _unchanged_since(base, directory, hashes)
            package = _package(
                directory, created=since or created, license=data_license, rows=rows, hashes=hashes
            )
            (directory / PACKAGE).write_bytes(package)
            _sync_directory(directory)
            files.append(FileReport(PACKAGE, 0, len(package)))
            previous = _switch(base, directory)
        except BaseException:
            shutil.rmtree(directory, ignore_errors=True)
            raise
        _sync_directory(base)
        _prune(base, keep={directory.name, previous})
    return ExportReport(
        directory=directory, created=created, seconds=time.monotonic() - started, files=files
    )


def _calendar_digest(path: Path) -> str:
    """SHA-256 of a calendar without its DTSTAMP lines, which say when it was written."""
    digest = hashlib.sha256()
    with path.open("rb") as calendar:
        for line in calendar:
            if not line.startswith(b"DTSTAMP"):
                digest.update(line)
    return digest.hexdigest()


def _unchanged_since(base: Path, directory: Path, hashes: dict[str, str]) -> dt.datetime | None:
    """When the current snapshot was made, if the new files hold what its files hold (else
    None). The package then keeps that date, and the files their checksums, so /data/'s
    ETag and Last-Modified move only when public data changes, never with an export that
    found nothing new (an edited draft, a quiet night). An unchanged calendar is replaced
    by the current one's bytes: it differs only in when it was written."""
    previous = open_data_current(base=base)
    if previous is None:
        return None
    for name, sha256 in hashes.items():
        if previous.sha256(name) == sha256:
            continue
        old, new = previous.directory / name, directory / name
        try:
            same = name.endswith(".ics") and _calendar_digest(old) == _calendar_digest(new)
        except OSError:
            same = False
        if not same:
            return None
        shutil.copyfile(old, new)
        hashes[name] = previous.sha256(name)
    return previous.created


def _package(
    directory: Path,
    *,
    created: dt.datetime,
    license: dict[str, str],
    rows: dict[str, int],
    hashes: dict[str, str],
) -> bytes:
    site = settings.SITE_URL
    described = {
        "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
        "name": "fairprog-open-data",
        "title": "FairProg open data: the Fairness in AI program's portfolio",
        "description": (
            "Public data of the Fairness in AI research-funding program, as FairProg records "
            "it: the funded projects (awards), the open-source artifacts they released (CSV, "
            "and JSON Lines in the API's shape), their publications (CSV), and the program's "
            "public deadlines (iCalendar). Regenerated every night; no proposals, reviews, "
            "e-mail addresses or staff-only records."
        ),
        "homepage": f"{site}{reverse('artifacts:open-data')}",
        "keywords": ["fairness", "artificial intelligence", "research funding", "NSF"],
        "licenses": [license],
        "created": writers.utc_text(created),
        "resources": [
            resource.descriptor(
                rows=rows[resource.path],
                size=(directory / resource.path).stat().st_size,
                sha256=hashes[resource.path],
            )
            for resource in resources()
        ],
    }
    return json.dumps(described, indent=2, ensure_ascii=False).encode() + b"\n"


def _switch(base: Path, directory: Path) -> str:
    """Point ``current`` at ``directory`` in one atomic rename; return the name of the
    snapshot it pointed at before ("" if none)."""
    current = base / CURRENT
    try:
        previous = os.readlink(current)
    except FileNotFoundError:
        previous = ""
    except OSError as exc:
        raise DomainError(f"{current} exists and is not a symbolic link; move it away.") from exc
    staged = base / f".{CURRENT}-{directory.name}"
    staged.unlink(missing_ok=True)
    os.symlink(directory.name, staged)  # relative: the tree may be moved or mounted elsewhere
    os.replace(staged, current)
    return Path(previous).name


def _prune(base: Path, *, keep: set[str]) -> None:
    """Delete snapshots other than the current and the previous one (which downloads that
    began before the switch may still be reading), and what failed exports left behind."""
    for entry in base.iterdir():
        if entry.is_symlink():
            if entry.name.startswith(f".{CURRENT}-"):  # staged by an export that died
                entry.unlink(missing_ok=True)
        elif entry.name.startswith(SNAPSHOT_PREFIX) and entry.name not in keep:
            shutil.rmtree(entry, ignore_errors=True)
