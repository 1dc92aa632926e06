"""Running output discovery end to end: which awards are searched and whose awards they are,
each source's run over them recorded as a DiscoveryRun, and the suggestions the works it finds
make; or one saved answer of a source read instead of the network."""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone

from artifacts.discovery.awards import NSF, FunderIdentity, work_matches
from artifacts.discovery.client import (
    LABELS,
    SourceConfig,
    SourceRunResult,
    configs_from_settings,
    reader_for,
    search_all,
)
from artifacts.discovery.records import FoundWork, Page, Source, SourceFormatError
from artifacts.models import DiscoveryRun, Suggestion
from artifacts.services.discovery import suggestion_record
from fairprog.errors import DomainError
from proposals.models import Award

logger = logging.getLogger(__name__)

# NSF as FairProg's organizations record it: its Crossref Funder ID (bare) and ROR id.
NSF_FUNDER_ID = "100000001"
NSF_ROR = "021nxhr62"


@dataclass(frozen=True)
class DiscoveryProgress:
    """How far one source's run has got: awards whose search is over, of all, and what it
    read so far (each page one answered request)."""

    source: Source
    awards_done: int
    awards_total: int
    pages: int
    works_read: int


OnProgress = Callable[[DiscoveryProgress], None]
OnSuggestion = Callable[[Suggestion, Source], None]


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February, in a year that has none
        return day.replace(year=day.year - years, day=28)


def discovery_awards(*, award_numbers: Sequence[str] | None = None) -> list[Award]:
    """The awards discovery searches for: exactly those named, or every award active now or
    ended within DISCOVERY_YEARS years (an award without dates counts as active; one that has
    not started yet is left for later)."""
    awards = Award.objects.select_related("program__award_funder").order_by("award_number")
    if award_numbers:
        wanted = list(dict.fromkeys(number.strip() for number in award_numbers))
        found = list(awards.filter(award_number__in=wanted))
        missing = [number for number in wanted if number not in {a.award_number for a in found}]
        if missing:
            listed = ", ".join(missing)
            raise DomainError(f"No award numbered {listed}: name awards FairProg has recorded.")
        return found
    today = timezone.localdate()
    since = _years_before(today, settings.DISCOVERY_YEARS)
    started = Q(start_date__isnull=True) | Q(start_date__lte=today)
    recent = Q(end_date__isnull=True) | Q(end_date__gte=since)
    return list(awards.filter(started, recent))


def award_funder_identity(award: Award) -> FunderIdentity:
    """Who made ``award``, as the indexes may name them: its program's award funder. NSF is
    known with its directorates and divisions; a program naming no funder makes NSF awards,
    since an award number here is an NSF award id."""
    funder = award.program.award_funder
    if funder is None or funder.funder_id == NSF_FUNDER_ID or funder.ror_id == NSF_ROR:
        return NSF
    return FunderIdentity(
        crossref_funder_ids=frozenset({funder.funder_id} - {""}),
        ror_ids=frozenset({funder.ror_id} - {""}),
        names=frozenset({funder.name}),
    )


class _Tracker:
    """Turns the client's pages into each source's awards done: an award's search is over
    when the client reads no further (an empty page, no next page, or its page cap)."""

    def __init__(
        self, configs: Sequence[SourceConfig], total: int, on_progress: OnProgress | None
    ) -> None:
        self.total, self.on_progress = total, on_progress
        self.max_pages = {config.name: config.max_pages for config in configs}
        self.done: Counter[Source] = Counter()
        self.pages: Counter[Source] = Counter()
        self.works: Counter[Source] = Counter()
        self.award_pages: Counter[tuple[Source, str]] = Counter()

    def page(self, source: Source, award_number: str, page: Page) -> None:
        self.pages[source] += 1
        self.works[source] += len(page.works)
        self.award_pages[source, award_number] += 1
        capped = self.award_pages[source, award_number] >= self.max_pages[source]
        if page.works and page.next_url and not capped:
            return
        self.done[source] += 1
        if self.on_progress is not None:
            self.on_progress(
                DiscoveryProgress(
                    source=source,
                    awards_done=self.done[source],
                    awards_total=self.total,
                    pages=self.pages[source],
                    works_read=self.works[source],
                )
            )


def _finish(run: DiscoveryRun, *, error: str = "") -> None:
    run.status = DiscoveryRun.Status.FAILED if error else DiscoveryRun.Status.SUCCEEDED
    run.error = error
    run.finished_at = timezone.now()
    run.save()


def _suggestions_record(
    *,
    works: Iterable[FoundWork],
    awards: Mapping[str, Award],
    funders: Mapping[str, FunderIdentity],
) -> list[Suggestion]:
    """Each work citing an award in scope recorded as a suggestion of the first award it
    cites, with every reason; returns those new to the queue."""
    made: list[Suggestion] = []
    since = timezone.now()
    for work in works:
        matches = work_matches(work, awards=funders)
        if not matches:
            continue
        award = awards[matches[0].award_number]
        suggestion = suggestion_record(work=work, award=award, matches=matches, raw=work.raw)
        # A work found again while still pending joins its suggestion: it is not new.
        if suggestion is None or suggestion.created_at < since:
            continue
        if all(suggestion.pk != other.pk for other in made):
            made.append(suggestion)
    return made


def _source_record(
    *,
    run: DiscoveryRun,
    result: SourceRunResult,
    awards: Mapping[str, Award],
    funders: Mapping[str, FunderIdentity],
    on_suggestion: OnSuggestion | None,
) -> None:
    run.requests, run.works_read = result.requests, result.works_read
    if not result.ok:
        _finish(run, error=result.error)
        return
    try:
        # All of a source's suggestions or none: a run that fails half-way leaves no trace.
        with transaction.atomic():
            made = _suggestions_record(works=result.works, awards=awards, funders=funders)
    except Exception as exc:  # this source's run fails alone, as a failed search would
        logger.exception("Recording the suggestions of %s failed", run.source)
        label = LABELS.get(result.source, str(result.source))
        _finish(run, error=f"{label}: recording its suggestions failed: {exc!r}.")
        return
    run.suggestions_made = len(made)
    _finish(run)
    if on_suggestion is not None:
        for suggestion in made:
            on_suggestion(suggestion, result.source)


def _reconnect_if_stale() -> None:
    """A search may take hours without a query: a connection the server dropped meanwhile is
    replaced, as between two requests, before the runs are recorded. Inside a transaction the
    connection is the caller's to keep."""
    if not connection.in_atomic_block:
        close_old_connections()


def _enabled(sources: Sequence[Source] | None) -> list[SourceConfig]:
    configs = configs_from_settings(sources)
    if sources:
        off = [config for config in configs if not config.enabled]
        if off:
            names = ", ".join(f"{c.label} (DISCOVERY_{c.name.name}_ENABLED)" for c in off)
            raise DomainError(f"Switched off in the settings: {names}.")
    return [_within_daily_limit(config) for config in configs if config.enabled]


def _within_daily_limit(config: SourceConfig) -> SourceConfig:
    """The config with what is left of its source's daily limit (OpenAlex's 100,000 requests
    a day) after the requests of its runs that started in the last 24 hours."""
    limit = getattr(settings, f"DISCOVERY_{config.name.name}_DAILY_LIMIT", 0)
    if not limit:
        return config
    since = timezone.now() - dt.timedelta(hours=24)
    used = DiscoveryRun.objects.filter(source=config.name, started_at__gte=since).aggregate(
        used=Sum("requests")
    )["used"]
    return replace(config, request_budget=max(0, limit - (used or 0)))


def discovery_run(
    *,
    sources: Sequence[Source] | None = None,
    award_numbers: Sequence[str] | None = None,
    on_progress: OnProgress | None = None,
    on_suggestion: OnSuggestion | None = None,
) -> list[DiscoveryRun]:
    """Search every enabled source (or those named) for works citing the awards in scope (or
    those named), and record what matches as suggestions: one DiscoveryRun per source, each
    source's suggestions in one transaction. A source that fails records its run as failed,
    with its error, and no suggestion; the others go on."""
    configs = _enabled(sources)
    awards = {award.award_number: award for award in discovery_awards(award_numbers=award_numbers)}
    funders = {number: award_funder_identity(award) for number, award in awards.items()}
    runs = {
        config.name: DiscoveryRun.objects.create(source=config.name, awards_searched=len(awards))
        for config in configs
    }
    tracker = _Tracker(configs, len(awards), on_progress)
    try:
        results = search_all(configs, list(awards), on_page=tracker.page)
    except BaseException as exc:  # interrupted or stopped: no run is left "running"
        _reconnect_if_stale()
        for run in runs.values():
            _finish(run, error=f"The run was stopped before it ended ({exc!r}).")
        raise
    _reconnect_if_stale()
    for config in configs:
        result = results.get(config.name) or SourceRunResult(
            source=config.name, error=f"{config.label}: the client returned no result."
        )
        _source_record(
            run=runs[config.name],
            result=result,
            awards=awards,
            funders=funders,
            on_suggestion=on_suggestion,
        )
    return list(runs.values())


def discovery_from_file(
    *,
    path: Path,
    source: Source,
    award_numbers: Sequence[str] | None = None,
    on_run: Callable[[DiscoveryRun], None] | None = None,
) -> list[Suggestion]:
    """Read one saved answer of ``source``'s API (as its reader reads a page) instead of the
    network, record what matches the awards in scope (or those named) as suggestions, and the
    reading as a DiscoveryRun (given to ``on_run``); returns the suggestions new to the queue.
    An answer that cannot be read writes nothing."""
    label = LABELS.get(source, str(source))
    try:
        body = path.read_bytes()
    except OSError as exc:
        raise DomainError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
    try:
        page = reader_for(source).read_page(body, url=path.resolve().as_uri())
    except (SourceFormatError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise DomainError(f"{path} is not a {label} answer FairProg can read: {exc}") from exc
    awards = {award.award_number: award for award in discovery_awards(award_numbers=award_numbers)}
    funders = {number: award_funder_identity(award) for number, award in awards.items()}
    works = list({work.key: work for work in page.works}.values())
    with transaction.atomic():
        run = DiscoveryRun.objects.create(
            source=source.value, awards_searched=len(awards), works_read=len(page.works)
        )
        made = _suggestions_record(works=works, awards=awards, funders=funders)
        run.suggestions_made = len(made)
        _finish(run)
    if on_run is not None:
        on_run(run)
    return made
