"""The HTTP client of output discovery: pages through each scholarly index by award number,
within the rate the index publishes.

Knows nothing of the database: it takes award numbers and returns, per source, the works
found and what the run cost. The readers in artifacts/discovery/sources/ build the URLs and
read the answers; this module only moves bytes, politely.

- Rate: one limiter per source, shared by every request to it, lets at most ``rate``
  requests start in any window of a second (of ``1/rate`` seconds below one a second) and at
  most ``burst`` back to back. ``Retry-After`` on 429/503 pauses the whole source.
- Retries with exponential backoff and jitter for timeouts, connection failures, 429 and 5xx,
  up to ``retries``; never for other 4xx (asking again would get the same answer).
- A source whose answer cannot be read, or that keeps failing, ends its own run with an
  error naming the source, the URL and what was wrong, and returns no works: a run is
  all or nothing. Sources run independently; one failing never stops another.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import importlib
import random
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol
from urllib.parse import urlsplit

import aiohttp
import yarl

from artifacts.discovery.pacing import RateLimiter, retry_after_seconds
from artifacts.discovery.records import FoundWork, Page, Source, SourceFormatError
from artifacts.discovery.sources import with_param
from artifacts.linkcheck import run_sync

LABELS = {
    Source.DATACITE: "DataCite",
    Source.CROSSREF: "Crossref",
    Source.OPENALEX: "OpenAlex",
    Source.ZENODO: "Zenodo",
    Source.GITHUB: "GitHub",
}
# How each index names the program's funder (NSF): Crossref by its Funder ID, Zenodo by ROR;
# GitHub's code search knows no funders.
NSF_FUNDER_IDS = {
    Source.DATACITE: "10.13039/100000001",
    Source.CROSSREF: "10.13039/100000001",
    Source.OPENALEX: "10.13039/100000001",
    Source.ZENODO: "021nxhr62",
    Source.GITHUB: "",
}
VERSION = "1.0"


@dataclass(frozen=True)
class SourceConfig:
    name: Source
    enabled: bool = True
    base_url: str = ""
    rate: float = 1.0  # requests per second, never exceeded over any window of a second
    burst: int = 1  # requests that may start back to back
    contact: str = ""  # an e-mail address: Crossref's and OpenAlex's polite pools key on it
    token: str = ""  # sent as the source's reader says (a header or a parameter) when set
    # Requests this run may make (what is left of the source's daily limit); None: no limit.
    request_budget: int | None = None
    timeout: float = 30.0  # seconds for a whole request
    retries: int = 3
    page_size: int = 100
    concurrency: int = 2  # requests in flight to this source at once
    max_pages: int = 20  # per award; more means the query matches far too much
    backoff: float = 1.0  # first retry after about this many seconds, then doubling
    max_retry_after: float = 300.0  # told to wait longer than this: the run fails instead
    funder_id: str = ""

    @property
    def label(self) -> str:
        return LABELS.get(self.name, str(self.name))

    @property
    def user_agent(self) -> str:
        address = self.contact.removeprefix("mailto:")
        mailto = f"; mailto:{address}" if address else ""
        return f"FairProg-discovery/{VERSION} (output discovery of a research program{mailto})"

    @classmethod
    def from_settings(cls, source: Source, **overrides: Any) -> SourceConfig:
        from django.conf import settings

        prefix = f"DISCOVERY_{source.name}"
        config = cls(
            name=source,
            enabled=getattr(settings, f"{prefix}_ENABLED"),
            base_url=getattr(settings, f"{prefix}_URL"),
            rate=getattr(settings, f"{prefix}_RATE"),
            concurrency=getattr(settings, f"{prefix}_CONCURRENCY"),
            contact=getattr(settings, f"{prefix}_CONTACT", settings.DISCOVERY_CONTACT),
            token=getattr(settings, f"{prefix}_TOKEN", ""),
            timeout=settings.DISCOVERY_TIMEOUT,
            retries=settings.DISCOVERY_RETRIES,
            page_size=settings.DISCOVERY_PAGE_SIZE,
            max_pages=settings.DISCOVERY_MAX_PAGES,
            funder_id=NSF_FUNDER_IDS[source],
        )
        return replace(config, **overrides)


class SourceReader(Protocol):
    """What a module of artifacts/discovery/sources/ offers. A reader may also say how the
    source takes a token (``TOKEN_HEADER``: header name and value format, by default a bearer
    token; or ``TOKEN_PARAM``: a query parameter), and may name for each work a second
    address to read before matching (``follow_url`` and ``read_followed``: GitHub's search
    finds a file, whose text says which awards it names)."""

    def first_url(
        self, *, base_url: str, award_number: str, funder_id: str, contact: str, page_size: int
    ) -> str: ...

    def read_page(self, body: bytes, *, url: str) -> Page: ...


OnPage = Callable[[Source, str, Page], None]


@dataclass
class SourceRunResult:
    source: Source
    works_by_award: dict[str, tuple[FoundWork, ...]] = field(default_factory=dict)
    awards_searched: int = 0
    requests: int = 0
    pages: int = 0
    works_read: int = 0
    errors: int = 0  # failed attempts, retried or not
    error: str = ""  # why the run failed; empty when it completed
    capped: tuple[str, ...] = ()  # awards with more than max_pages pages: the rest unread
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.error

    @property
    def works(self) -> tuple[FoundWork, ...]:
        """Every work found, once, though several awards found it."""
        unique: dict[str, FoundWork] = {}
        for works in self.works_by_award.values():
            for work in works:
                unique.setdefault(work.key, work)
        return tuple(unique.values())


class _RunFailed(Exception):
    pass


class _SourceRun:
    """One source's run: its limiter, its slots and its counts."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        config: SourceConfig,
        reader: SourceReader,
        *,
        on_page: OnPage | None,
        total_slots: asyncio.Semaphore | None,
    ) -> None:
        self.session, self.config, self.reader, self.on_page = session, config, reader, on_page
        self.limiter = RateLimiter(rate=config.rate, burst=config.burst)
        self.slots = asyncio.Semaphore(max(1, config.concurrency))
        self.total_slots = total_slots
        self.result = SourceRunResult(source=config.name)
        self.capped: list[str] = []
        self.headers = {"User-Agent": config.user_agent, "Accept": "application/json"}
        self.token_param: str = getattr(reader, "TOKEN_PARAM", "")
        if config.token and not self.token_param:
            name, value = getattr(reader, "TOKEN_HEADER", ("Authorization", "Bearer {}"))
            self.headers[name] = value.format(config.token)
        base = urlsplit(config.base_url)
        self.origin = (base.scheme, base.netloc)

    async def award(self, award_number: str) -> None:
        config = self.config
        url = self.reader.first_url(
            base_url=config.base_url,
            award_number=award_number,
            funder_id=config.funder_id,
            contact=config.contact.removeprefix("mailto:"),
            page_size=config.page_size,
        )
        if config.token and self.token_param:
            url = with_param(url, self.token_param, config.token)
        found: list[FoundWork] = []
        for number in range(config.max_pages + 1):
            if self.result.error:
                return
            if number == config.max_pages:
                self.capped.append(award_number)
                break
            page = self._read(await self.fetch(url), url)
            # What was read is kept to the end of the run and is acyclic (JSON): taken out of
            # the cyclic collector's sight, full collections over a growing heap no longer
            # stall the loop for tens of milliseconds, which bunched requests past the rate.
            gc.freeze()
            if hasattr(self.reader, "read_followed"):
                page = replace(page, works=await self._followed(page.works))
            self.result.pages += 1
            self.result.works_read += len(page.works)
            found.extend(page.works)
            if self.on_page is not None:
                self.on_page(config.name, award_number, page)
            # An empty page ends the list whatever it says next: cursors never run dry.
            if not page.works or not page.next_url or page.next_url == url:
                break
            url = self._next(page.next_url, url)
        self.result.works_by_award[award_number] = tuple(found)

    async def _followed(self, works: Sequence[FoundWork]) -> tuple[FoundWork, ...]:
        """Each work as its second address describes it; works whose address is gone (the
        file was deleted since the index saw it) or says nothing of use are left out."""
        reader: Any = self.reader
        followed = []
        for work in works:
            url = reader.follow_url(work)
            if not url:
                continue
            if urlsplit(url)[:2] != self.origin:
                raise _RunFailed(self._failure(url, "a work's file is on another site"))
            body = await self._get(url, missing_ok=True)
            if body is None:
                continue
            try:
                read = reader.read_followed(work, body)
            except (SourceFormatError, ValueError, KeyError, TypeError, AttributeError) as exc:
                raise _RunFailed(self._failure(url, f"unreadable file: {exc}")) from exc
            if read is not None:
                followed.append(read)
        return tuple(followed)

    async def fetch(self, url: str) -> bytes:
        """The body of a successful answer, after retries; raises _RunFailed."""
        body = await self._get(url, missing_ok=False)
        if body is None:  # pragma: no cover - only a missing_ok fetch answers None
            raise _RunFailed(self._failure(url, "no answer"))
        return body

    async def _get(self, url: str, *, missing_ok: bool) -> bytes | None:
        """fetch, and None for a 404 when ``missing_ok``."""
        config = self.config
        for attempt in range(config.retries + 1):
            status, body, retry_after, problem = await self._attempt(url)
            if status is not None and 200 <= status < 300:
                return body
            if missing_ok and status == 404:
                return None
            self.result.errors += 1
            if status is not None and status != 429 and status < 500:
                raise _RunFailed(self._failure(url, problem))
            if retry_after is not None and retry_after > config.max_retry_after:
                raise _RunFailed(
                    self._failure(url, f"{problem}, and asked to wait {retry_after:.0f} s")
                )
            if retry_after is not None:
                self.limiter.pause(retry_after)
            if attempt == config.retries:
                tries = "attempt" if attempt == 0 else "attempts"
                raise _RunFailed(self._failure(url, f"{problem} ({attempt + 1} {tries})"))
            backoff = config.backoff * (2**attempt) * random.uniform(0.5, 1.5)  # noqa: S311
            await asyncio.sleep(max(retry_after or 0.0, backoff))
        raise AssertionError("unreachable")  # the loop returns or raises  # pragma: no cover

    async def _attempt(self, url: str) -> tuple[int | None, bytes, float | None, str]:
        """One request: (status, body, Retry-After seconds, what went wrong)."""
        timeout = aiohttp.ClientTimeout(total=self.config.timeout)
        total = self.total_slots or contextlib.nullcontext()
        # The global slot is taken before the turn, so a request starts when its turn comes,
        # not later: a late start would bunch requests up at the index.
        async with self.slots, total:
            budget = self.config.request_budget
            if budget is not None and self.result.requests >= budget:
                raise _RunFailed(
                    f"{self.config.label}: the daily limit of requests is spent "
                    f"(DISCOVERY_{self.config.name.name}_DAILY_LIMIT; {budget} were left for "
                    "this run); the awards not yet searched wait for the next run."
                )
            self.result.requests += 1  # counted before the wait, so none slips past the check
            await self.limiter.acquire()
            try:
                # Sent exactly as the reader built it: re-quoting could change a cursor.
                target = yarl.URL(url, encoded=True)
                request = self.session.get(target, headers=self.headers, timeout=timeout)
                async with request as response:
                    status = response.status
                    if 200 <= status < 300:
                        return status, await response.read(), None, ""
                    retry_after = retry_after_seconds(response.headers.get("Retry-After"))
                    return status, b"", retry_after, f"HTTP {status} {response.reason}"
            except TimeoutError:
                return None, b"", None, f"no answer within {self.config.timeout:g} s"
            except aiohttp.ClientError as exc:
                return None, b"", None, f"connection failed ({type(exc).__name__}: {exc})"

    def _read(self, body: bytes, url: str) -> Page:
        try:
            return self.reader.read_page(body, url=url)
        except (SourceFormatError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise _RunFailed(self._failure(url, f"unreadable answer: {exc}")) from exc

    def _next(self, next_url: str, url: str) -> str:
        parts = urlsplit(next_url)
        if (parts.scheme, parts.netloc) != self.origin:
            problem = f"the next page is on another site ({next_url})"
            raise _RunFailed(self._failure(url, problem))
        return next_url

    def _failure(self, url: str, problem: str) -> str:
        if self.config.token:  # a token in the address is not for the run's record
            url = url.replace(self.config.token, "…")
        return f"{self.config.label}: {url}: {problem}."


async def source_search(
    session: aiohttp.ClientSession,
    config: SourceConfig,
    reader: SourceReader,
    award_numbers: Iterable[str],
    *,
    on_page: OnPage | None = None,
    total_slots: asyncio.Semaphore | None = None,
) -> SourceRunResult:
    """Search one source for every award number; all or nothing (see the module's doc)."""
    started = time.perf_counter()
    run = _SourceRun(session, config, reader, on_page=on_page, total_slots=total_slots)
    pending = deque(dict.fromkeys(award_numbers))
    run.result.awards_searched = len(pending)

    async def worker() -> None:
        while pending and not run.result.error:
            award_number = pending.popleft()
            try:
                await run.award(award_number)
            except _RunFailed as exc:
                run.result.error = run.result.error or str(exc)
            except Exception as exc:  # a reader's own mistake: this source's run fails alone
                failure = f"{config.label}: the run failed: {exc!r}."
                run.result.error = run.result.error or failure

    workers = min(max(1, config.concurrency), max(1, len(pending)))
    await asyncio.gather(*(worker() for _ in range(workers)))
    result = run.result
    if result.error:
        result.works_by_award = {}
    else:
        result.capped = tuple(run.capped)
    result.seconds = time.perf_counter() - started
    return result


def reader_for(source: Source) -> SourceReader:
    """The module that reads ``source``'s answers (imported when first needed)."""
    module: Any = importlib.import_module(f"artifacts.discovery.sources.{source.value}")
    return module


async def sources_search(
    configs: Sequence[SourceConfig],
    award_numbers: Sequence[str],
    *,
    readers: Mapping[Source, SourceReader] | None = None,
    total_concurrency: int = 16,
    on_page: OnPage | None = None,
) -> dict[Source, SourceRunResult]:
    """Every enabled source at once, on one session; each run on its own."""
    enabled = [config for config in configs if config.enabled]
    total_slots = asyncio.Semaphore(max(1, total_concurrency))
    connector = aiohttp.TCPConnector(limit=max(1, total_concurrency), ttl_dns_cache=300)
    async with aiohttp.ClientSession(
        connector=connector, cookie_jar=aiohttp.DummyCookieJar(), trust_env=False
    ) as session:
        runs = [
            source_search(
                session,
                config,
                (readers or {}).get(config.name) or reader_for(config.name),
                award_numbers,
                on_page=on_page,
                total_slots=total_slots,
            )
            for config in enabled
        ]
        try:
            outcomes = await asyncio.gather(*runs, return_exceptions=True)
        finally:
            gc.unfreeze()  # the run's garbage, cyclic or not, is collected as usual again
    results = {}
    for config, outcome in zip(enabled, outcomes, strict=True):
        if isinstance(outcome, BaseException):
            if not isinstance(outcome, Exception):
                raise outcome  # cancelled or interrupted: not one source's failure
            # A reader's own mistake fails its source's run, not every source's.
            outcome = SourceRunResult(
                source=config.name, error=f"{config.label}: the run failed: {outcome!r}."
            )
        results[config.name] = outcome
    return results


def search_all(
    configs: Sequence[SourceConfig],
    award_numbers: Sequence[str],
    *,
    readers: Mapping[Source, SourceReader] | None = None,
    total_concurrency: int = 16,
    on_page: OnPage | None = None,
) -> dict[Source, SourceRunResult]:
    """sources_search for synchronous callers (the management command, the Celery task)."""
    return run_sync(
        lambda: sources_search(
            configs,
            award_numbers,
            readers=readers,
            total_concurrency=total_concurrency,
            on_page=on_page,
        )
    )


def configs_from_settings(
    sources: Iterable[Source] | None = None, **overrides: Any
) -> list[SourceConfig]:
    """The configured sources (all four, or those named), enabled or not."""
    return [SourceConfig.from_settings(source, **overrides) for source in (sources or Source)]
