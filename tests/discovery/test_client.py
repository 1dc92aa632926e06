"""The discovery client against a loopback stand-in for the indexes, serving recorded bodies:
paging, Retry-After, retries, timeouts, malformed answers, the rate kept, runs independent."""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import gc
import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote

import pytest
from aiohttp import web

from artifacts.discovery.client import (
    SourceConfig,
    SourceRunResult,
    search_all,
    sources_search,
)
from artifacts.discovery.pacing import RateLimiter, retry_after_seconds
from artifacts.discovery.records import FoundWork, Page, Source, SourceFormatError, WorkType
from artifacts.linkcheck import run_sync
from tests.discovery.conftest import Answer, StandIn

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "discovery" / "datacite"
# Three recorded DataCite answers that chain into three pages once the stand-in answers for
# api.datacite.org and api.stage.datacite.org: a list whose next page is page 2, a staging
# list whose next link adds affiliation=true, and a single record (the last page).
PAGE_ONE = (FIXTURES / "dois-page-size-5-2020.json").read_bytes()
PAGE_TWO = (
    FIXTURES / "stage-dois-query-fundingReferences-funderIdentifierType-page25.json"
).read_bytes()
PAGE_THREE = (FIXTURES / "doi-10.5063-f1m61h5x-software-nsf-2026.json").read_bytes()
CONTACT = "discovery@fairprog.example.org"


class DataCiteShape:
    """Reads DataCite's list and single-record answers: enough of the shape to page."""

    @staticmethod
    def first_url(
        *, base_url: str, award_number: str, funder_id: str, contact: str, page_size: int
    ) -> str:
        query = quote(f'fundingReferences.awardNumber:"{award_number}"')
        return f"{base_url}/dois?query={query}&page%5Bsize%5D={page_size}"

    @staticmethod
    def read_page(body: bytes, *, url: str) -> Page:
        try:
            document: Any = json.loads(body)
            data = document["data"]
        except (ValueError, KeyError, TypeError) as exc:
            raise SourceFormatError(f"DataCite answer has no list of works ({exc!r})") from exc
        records = data if isinstance(data, list) else [data]
        works = tuple(
            FoundWork(
                source=Source.DATACITE,
                source_id=record["id"],
                doi=record["id"].lower(),
                url="",
                title="",
                work_type=WorkType.OTHER,
                type_as_given="",
            )
            for record in records
        )
        next_url = (document.get("links") or {}).get("next") if isinstance(data, list) else None
        return Page(works=works, next_url=next_url)


READER = DataCiteShape()


def config(index: StandIn, **overrides: Any) -> SourceConfig:
    values: dict[str, Any] = {
        "name": Source.DATACITE,
        "base_url": index.origin,
        "rate": 50.0,
        "burst": 5,
        "contact": CONTACT,
        "timeout": 2.0,
        "retries": 2,
        "page_size": 5,
        "concurrency": 2,
        "backoff": 0.05,
    }
    values.update(overrides)
    return SourceConfig(**values)


def run(index: StandIn, awards: list[str], **overrides: Any) -> SourceRunResult:
    configuration = config(index, **overrides)
    results = search_all([configuration], awards, readers={configuration.name: READER})
    return results[configuration.name]


def three_pages(request: web.Request, count: int) -> Answer:
    query = parse_qs(request.query_string)
    if "affiliation" in query:
        return Answer(body=PAGE_THREE)
    if query.get("page[number]") == ["2"]:
        return Answer(body=PAGE_TWO)
    return Answer(body=PAGE_ONE)


def test_source_search_follows_next_links_to_the_last_page(index: StandIn) -> None:
    index.route = three_pages
    pages: list[int] = []

    configuration = config(index)
    results = search_all(
        [configuration],
        ["1939743"],
        readers={Source.DATACITE: READER},
        on_page=lambda source, award, page: pages.append(len(page.works)),
    )

    result = results[Source.DATACITE]
    assert result.ok, result.error
    assert pages == [5, 25, 1]
    assert (result.requests, result.pages, result.works_read) == (3, 3, 31)
    assert len(result.works_by_award["1939743"]) == 31
    assert result.works[-1].doi == "10.5063/f1m61h5x"
    assert index.seen[0].path_qs.startswith(
        "/dois?query=fundingReferences.awardNumber%3A%221939743%22&"
    )


def test_source_search_reads_pages_with_the_datacite_reader(index: StandIn) -> None:
    datacite = pytest.importorskip("artifacts.discovery.sources.datacite")
    index.route = three_pages

    results = search_all([config(index)], ["1939743"], readers={Source.DATACITE: datacite})

    result = results[Source.DATACITE]
    assert result.ok, result.error
    assert (result.pages, result.works_read) == (3, 31)


def test_every_request_names_fairprog_and_the_contact(index: StandIn) -> None:
    index.route = lambda request, count: Answer(body=PAGE_THREE)

    run(index, ["1939743", "2040800"])

    agents = {seen.headers["User-Agent"] for seen in index.seen}
    assert len(index.seen) == 2
    expected = f"FairProg-discovery/1.0 (output discovery of a research program; mailto:{CONTACT})"
    assert agents == {expected}


def test_source_search_waits_out_retry_after_then_succeeds(index: StandIn) -> None:
    index.route = lambda request, count: (
        Answer(429, headers={"Retry-After": "1"}) if count == 1 else Answer(body=PAGE_THREE)
    )

    result = run(index, ["1939743"])

    assert result.ok, result.error
    assert (result.requests, result.errors, result.works_read) == (2, 1, 1)
    assert index.seen[1].at - index.seen[0].at >= 0.95


def test_retry_after_pauses_every_request_to_that_source(index: StandIn) -> None:
    index.route = lambda request, count: (
        Answer(503, headers={"Retry-After": "1"}) if count == 1 else Answer(body=PAGE_THREE)
    )

    result = run(index, ["1939743", "2040800", "1440742"], concurrency=1, retries=1)

    assert result.ok, result.error
    # The other awards' requests also waited out the pause the first answer asked for.
    assert all(seen.at - index.seen[0].at >= 0.95 for seen in index.seen[1:])


def test_retry_after_reads_seconds_and_http_dates() -> None:
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30)

    from_date = retry_after_seconds(email.utils.format_datetime(later, usegmt=True))

    assert retry_after_seconds("7") == 7.0
    assert from_date is not None
    assert 28 <= from_date <= 30
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


def test_source_search_retries_a_server_error(index: StandIn) -> None:
    index.route = lambda request, count: Answer(500) if count == 1 else Answer(body=PAGE_THREE)

    result = run(index, ["1939743"])

    assert result.ok, result.error
    assert (result.requests, result.errors, result.works_read) == (2, 1, 1)


def test_source_search_fails_clearly_after_timeouts(index: StandIn) -> None:
    index.route = lambda request, count: Answer(body=PAGE_THREE, delay=1.0)

    result = run(index, ["1939743"], timeout=0.2, retries=1)

    assert not result.ok
    assert (result.requests, result.errors) == (2, 2)
    assert result.error.startswith(f"DataCite: {index.origin}/dois?query=")
    assert result.error.endswith("no answer within 0.2 s (2 attempts).")
    assert result.works_by_award == {}


def test_client_errors_other_than_429_are_not_retried(index: StandIn) -> None:
    index.route = lambda request, count: Answer(400)

    result = run(index, ["1939743"])

    assert result.requests == 1
    assert result.error.endswith("HTTP 400 Bad Request.")


def test_malformed_json_fails_the_run_naming_the_url_and_keeps_nothing(index: StandIn) -> None:
    # The first page is read; the second is garbage: nothing of the run is kept.
    def route(request: web.Request, count: int) -> Answer:
        if "page%5Bnumber%5D=2" in request.path_qs:
            return Answer(body=b'{"data": [')
        return three_pages(request, count)

    index.route = route

    result = run(index, ["1939743"])

    assert not result.ok
    assert result.works_read == 5
    assert result.works_by_award == {}
    assert result.works == ()
    assert "DataCite: " in result.error
    assert "page%5Bnumber%5D=2" in result.error
    assert "unreadable answer: DataCite answer has no list of works" in result.error


def test_next_page_on_another_site_is_refused(index: StandIn) -> None:
    body = json.dumps(
        {"data": [{"id": "10.1/x"}], "links": {"next": "http://elsewhere.example/dois"}}
    )
    index.route = lambda request, count: Answer(body=body.encode())

    result = run(index, ["1939743"])

    assert result.requests == 1
    assert "the next page is on another site (http://elsewhere.example/dois)" in result.error


def test_limiter_keeps_the_rate_in_every_second_the_index_sees(
    index: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Counted where requests leave: the stand-in's own clock would count a busy test
    machine's scheduling, which bunches arrivals that were sent apart."""
    index.route = lambda request, count: Answer(body=PAGE_THREE)
    awards = [f"{2000000 + n}" for n in range(24)]
    sent: list[float] = []
    acquire = RateLimiter.acquire

    async def counted(self: RateLimiter) -> None:
        await acquire(self)
        sent.append(time.monotonic())

    monkeypatch.setattr(RateLimiter, "acquire", counted)

    started = time.monotonic()
    result = run(index, awards, rate=8.0, burst=8, concurrency=6)
    elapsed = time.monotonic() - started

    busiest = max(sum(1 for later in sent if 0 <= later - at < 1.0) for at in sent)
    assert result.ok, result.error
    assert len(index.seen) == len(sent) == 24
    assert busiest <= 8
    assert elapsed >= 2.0  # 24 requests at 8 a second take over two seconds


def test_a_burst_of_one_spaces_requests_evenly() -> None:
    async def starts() -> list[float]:
        limiter = RateLimiter(rate=4.0, burst=1)
        loop = asyncio.get_running_loop()
        times = []
        for _ in range(3):
            await limiter.acquire()
            times.append(loop.time())
        return times

    times = run_sync(starts)

    assert times[1] - times[0] >= 0.24
    assert times[2] - times[1] >= 0.24


def test_limiter_refuses_a_rate_of_zero() -> None:
    with pytest.raises(ValueError, match="rate must be above 0"):
        RateLimiter(rate=0)


def test_one_failing_source_does_not_stop_another(index: StandIn) -> None:
    def route(request: web.Request, count: int) -> Answer:
        if request.path.startswith("/broken"):
            return Answer(body=b"<html>Service unavailable</html>")
        return Answer(body=PAGE_THREE)

    index.route = route
    good = config(index)
    broken = config(index, name=Source.CROSSREF, base_url=f"{index.origin}/broken")
    readers = {Source.DATACITE: READER, Source.CROSSREF: READER}

    results = run_sync(
        lambda: sources_search([good, broken], ["1939743", "2040800"], readers=readers)
    )

    assert results[Source.DATACITE].ok
    assert results[Source.DATACITE].works_read == 2
    assert results[Source.CROSSREF].error.startswith(f"Crossref: {index.origin}/broken/dois?")
    assert results[Source.CROSSREF].works == ()


def test_disabled_sources_are_not_searched(index: StandIn) -> None:
    index.route = lambda request, count: Answer(body=PAGE_THREE)

    results = search_all(
        [config(index, enabled=False)], ["1939743"], readers={Source.DATACITE: READER}
    )

    assert results == {}
    assert index.seen == []


class BrokenReader(DataCiteShape):
    @staticmethod
    def read_page(body: bytes, *, url: str) -> Page:
        raise IndexError("list index out of range")


def test_a_reader_failing_unexpectedly_fails_only_its_own_source(index: StandIn) -> None:
    index.route = lambda request, count: Answer(body=PAGE_THREE)
    good = config(index)
    broken = config(index, name=Source.ZENODO)
    readers = {Source.DATACITE: READER, Source.ZENODO: BrokenReader()}

    results = search_all([good, broken], ["1939743"], readers=readers)

    assert results[Source.DATACITE].ok
    assert results[Source.ZENODO].error == (
        "Zenodo: the run failed: IndexError('list index out of range')."
    )


def test_a_run_gives_what_it_read_back_to_the_cyclic_collector(index: StandIn) -> None:
    index.route = three_pages
    result = run(index, ["1939743"])
    assert result.ok, result.error
    assert gc.get_freeze_count() == 0
