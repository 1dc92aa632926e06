"""Discover the funded projects' outputs now: search the scholarly indexes by award number, or
read one saved answer, and add what matches to the staff's suggestion queue."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from artifacts.discovery.client import LABELS
from artifacts.discovery.records import Source
from artifacts.models import DiscoveryRun, Suggestion
from artifacts.services.discovery_runs import (
    DiscoveryProgress,
    discovery_from_file,
    discovery_run,
)
from fairprog.commands import DocumentedCommand, ProgressLine
from fairprog.errors import DomainError

SOURCE_NAMES = ", ".join(source.value for source in Source)


class Command(DocumentedCommand):
    """Search DataCite, Crossref, OpenAlex and Zenodo for works citing the program's awards
    (those active or ended within DISCOVERY_YEARS years, or each --award named) and add the
    works that match to the suggestion queue. --from-file reads one saved API answer of the
    one --source given instead of the network. Progress goes to stderr, then a summary per
    source; --json prints the suggestions made as JSON on stdout."""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--award", action="append", default=[], metavar="N", help="only this award number"
        )
        parser.add_argument(
            "--source", action="append", default=[], metavar="S", help=f"only {SOURCE_NAMES}"
        )
        parser.add_argument(
            "--from-file", metavar="PATH", help="read this saved answer of --source instead"
        )
        parser.add_argument(
            "--json", action="store_true", help="print the suggestions made as JSON on stdout"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        sources = self._sources(options["source"])
        made: list[tuple[Suggestion, Source]] = []
        try:
            if options["from_file"]:
                if len(sources) != 1:
                    raise CommandError(
                        f"--from-file reads one source's answer: give exactly one --source "
                        f"({SOURCE_NAMES}), not {len(sources)}."
                    )
                path = Path(options["from_file"])
                runs: list[DiscoveryRun] = []
                suggestions = discovery_from_file(
                    path=path, source=sources[0], award_numbers=options["award"], on_run=runs.append
                )
                made = [(suggestion, sources[0]) for suggestion in suggestions]
            else:
                progress = _Progress(self.stderr.write)
                runs = discovery_run(
                    sources=sources or None,
                    award_numbers=options["award"],
                    on_progress=progress.show,
                    on_suggestion=lambda suggestion, source: made.append((suggestion, source)),
                )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        # With --json, stdout is the JSON alone: the summary goes beside the progress.
        out = self.stderr if options["json"] else self.stdout
        if not runs:
            out.write("No source is switched on (DISCOVERY_<SOURCE>_ENABLED): nothing searched.")
        for line in _summary(runs):
            out.write(line)
        if options["json"]:
            self.stdout.write(json.dumps([_entry(s, source) for s, source in made], indent=2))

    def _sources(self, names: list[str]) -> list[Source]:
        sources: list[Source] = []
        for name in names:
            try:
                source = Source(name.strip().lower())
            except ValueError:
                raise CommandError(
                    f'Unknown source "{name}": choose from {SOURCE_NAMES}.'
                ) from None
            if source not in sources:
                sources.append(source)
        return sources


class _Progress:
    """One progress line per source: awards done of all, requests, rate and time left."""

    def __init__(self, write: Callable[[str], object]) -> None:
        self.write = write
        self.lines: dict[Source, ProgressLine] = {}
        self.latest: dict[Source, DiscoveryProgress] = {}

    def show(self, progress: DiscoveryProgress) -> None:
        source = progress.source
        self.latest[source] = progress
        if source not in self.lines:
            write = functools.partial(self._write, source)
            self.lines[source] = ProgressLine(progress.awards_total, write, seconds=1.0)
        self.lines[source].advance()

    def _write(self, source: Source, line: str) -> None:
        latest = self.latest[source]
        label = LABELS.get(source, str(source))
        counts = line.strip().replace(" (", " awards (", 1)
        read = f"{latest.pages:,} requests, {latest.works_read:,} works read"
        self.write(f"{label}: {counts}, {read}")


def _summary(runs: list[DiscoveryRun]) -> list[str]:
    lines = [
        f"{'source':9} {'status':9} {'requests':>8} {'works read':>10} {'suggestions':>11}  error"
    ]
    for run in runs:
        lines.append(
            f"{run.get_source_display():9} {run.status:9} {run.requests:8,} {run.works_read:10,} "
            f"{run.suggestions_made:11,}  {run.error}".rstrip()
        )
    return lines


def _entry(suggestion: Suggestion, source: Source) -> dict[str, str]:
    return {
        "award_number": suggestion.award.award_number,
        "identifier": suggestion.doi or suggestion.url,
        "source": source.value,
        "type": suggestion.work_type,
    }
