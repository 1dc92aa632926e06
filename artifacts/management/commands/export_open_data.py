"""Write the open-data snapshot now (beat makes one every night) and make it current."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser
from django.template.defaultfilters import filesizeformat

from artifacts.opendata.export import open_data_export
from artifacts.opendata.snapshot import PACKAGE
from fairprog.commands import DocumentedCommand
from fairprog.errors import DomainError


class Command(DocumentedCommand):
    """Export the public awards, artifacts and deadlines as the files /data/ serves (CSV,
    JSON Lines, iCalendar and datapackage.json), as a new snapshot that replaces the current
    one only once complete. Shows progress and a summary."""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            metavar="DIR",
            type=Path,
            help=f"directory of the snapshots (default OPEN_DATA_DIR: {settings.OPEN_DATA_DIR})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        base = options["output"] or Path(settings.OPEN_DATA_DIR)
        self.stdout.write(f"Exporting open data to {base} …")
        try:
            report = open_data_export(base=base, progress=_Progress(self.stdout.write))
        except DomainError as exc:
            raise CommandError(f"{exc.message} Nothing was changed.") from exc
        except Exception as exc:
            raise CommandError(
                f"The open-data export failed: {exc.__class__.__name__}: {exc}. Its partial "
                "files were removed; the previous snapshot (if any) is still the one served."
            ) from exc
        for file in report.files:
            rows = f"{file.rows:>9,} rows" if file.name != PACKAGE else " " * 14
            self.stdout.write(f"  {file.name:<18} {rows}  {_size(file.bytes):>10}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Done in {report.seconds:.1f} s: {len(report.files)} files, "
                f"{report.rows:,} rows, {_size(report.bytes)}. "
                f"Current snapshot: {report.directory}"
            )
        )


def _size(n: int) -> str:
    return str(filesizeformat(n)).replace("\xa0", " ")


class _Progress:
    """Rows written per file and the rate, at most twice a second, and each file's total."""

    def __init__(self, write: Any) -> None:
        self.write = write
        self.shown = 0.0

    def __call__(self, label: str, rows: int, seconds: float, done: bool) -> None:
        now = time.monotonic()
        if not done and now - self.shown < 0.5:
            return
        self.shown = now
        rate = f" ({rows / seconds:,.0f} rows/s)" if seconds > 0 and rows else ""
        state = "written" if done else "…"
        self.write(f"{label}: {rows:,} rows {state}{rate}")
