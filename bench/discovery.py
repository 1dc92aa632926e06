"""Benchmark: output discovery, 1,000 awards in each of 4 sources, against a loopback stand-in
for the indexes that answers after a simulated latency and enforces each source's rate.

The stand-in (a process of its own) counts every source's requests over a sliding second
(over 1/rate seconds below one a second) and answers 429 with Retry-After beyond the rate,
counting a violation; otherwise it answers, after the latency, with a recorded single-record
body of that source (tests/fixtures/discovery/). The client (artifacts/discovery/client.py)
searches every award in every source with the configured settings, rates (and the
concurrency that goes with them) multiplied by --rate-scale so that a run takes minutes, not
the half hour Zenodo's 30 searches a minute would need. Prints, per source, requests,
violations, the share of the rate used, and the run's time; then the matching throughput
(read_page + work_matches over every recorded body, and the creators of the works that
match) and the peak memory.

    .venv/bin/python bench/discovery.py [--awards 1000] [--rate-scale 20] [--latency-ms 50]
        [--match-seconds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import multiprocessing
import os
import resource
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SECRET_KEY", "benchmark-only-key")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fairprog.settings")
# With a contact, Crossref's defaults are its polite pool's (10 a second, 3 at once).
os.environ.setdefault("DISCOVERY_CONTACT", "bench@fairprog.example.org")

from artifacts.discovery import client, pacing  # noqa: E402 - needs the path above
from artifacts.discovery.records import Source  # noqa: E402
from artifacts.discovery.sources import openalex  # noqa: E402

INDEXES = [source for source in Source if source is not Source.GITHUB]

FIXTURES = ROOT / "tests" / "fixtures" / "discovery"
# One recorded record per source, each citing NSF awards: every search is one page.
BODIES = {
    Source.DATACITE: "datacite/doi-10.5063-f1m61h5x-software-nsf-2026.json",
    Source.CROSSREF: "crossref/work-10.1145-2831244.2831252-funder-without-doi.json",
    Source.OPENALEX: "openalex/work-doi-10.1145-3448016.3452841-grants-and-awards-2025-12.json",
    Source.ZENODO: "zenodo/inveniordm-rogue-scholar-record-ddhjk-a8f36-funding.json",
}


def limit_of(rate: float) -> tuple[int, float]:
    """What the stand-in allows: (requests, in a window of seconds)."""
    return (int(rate), 1.0) if rate >= 1 else (1, 1.0 / rate)


def serve(rates: dict[str, float], latency: float, pipe: Connection) -> None:
    """The stand-in's process: answers until told to stop, then sends its counts."""
    from aiohttp import web

    bodies = {str(source): (FIXTURES / path).read_bytes() for source, path in BODIES.items()}
    recent: dict[str, deque[float]] = {name: deque() for name in rates}
    counts: dict[str, dict[str, float]] = {
        name: {"requests": 0, "violations": 0, "first": 0.0, "violation_at": -1.0} for name in rates
    }

    async def handle(request: web.Request) -> web.Response:
        name = request.match_info["source"]
        now = time.monotonic()
        limit, window = limit_of(rates[name])
        seen = recent[name]
        while seen and seen[0] <= now - window:
            seen.popleft()
        counts[name]["requests"] += 1
        counts[name]["first"] = counts[name]["first"] or now
        if len(seen) >= limit:
            counts[name]["violations"] += 1
            if counts[name]["violation_at"] < 0:
                counts[name]["violation_at"] = now - counts[name]["first"]
            return web.Response(status=429, headers={"Retry-After": "1"})
        seen.append(now)
        await asyncio.sleep(latency)
        return web.Response(body=bodies[name], content_type="application/json")

    async def main() -> None:
        app = web.Application()
        app.router.add_get("/{source}/{tail:.*}", handle)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        pipe.send(runner.addresses[0][1])
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, pipe.recv)  # any message: stop
        pipe.send(counts)
        await runner.cleanup()

    asyncio.run(main())


def configs(origin: str, scale: float, latency: float) -> list[client.SourceConfig]:
    result = []
    for config in client.configs_from_settings(list(BODIES)):
        rate = config.rate * scale
        result.append(
            replace(
                config,
                enabled=True,
                base_url=f"{origin}/{config.name}",
                rate=rate,
                # What the scaled rate needs at this latency, twice over, if above the setting.
                concurrency=max(config.concurrency, math.ceil(rate * latency * 2)),
                retries=5,
            )
        )
    return result


def search(args: argparse.Namespace) -> None:
    from django.conf import settings

    awards = [f"{1900000 + n:07d}" for n in range(args.awards)]
    probe = client.configs_from_settings(list(BODIES))
    rates = {str(config.name): config.rate * args.rate_scale for config in probe}
    here, there = multiprocessing.Pipe()
    server = multiprocessing.Process(target=serve, args=(rates, args.latency_ms / 1000, there))
    server.start()
    port = here.recv()
    chosen = configs(f"http://127.0.0.1:{port}", args.rate_scale, args.latency_ms / 1000)
    total = sum(config.concurrency for config in chosen)
    print(
        f"awards {args.awards}, sources {len(chosen)}, latency {args.latency_ms:g} ms, "
        f"rate scale {args.rate_scale:g}, total concurrency {total}, "
        f"timeout {settings.DISCOVERY_TIMEOUT:g} s, window margin {pacing.WINDOW_MARGIN} s"
    )
    for config in chosen:
        configured = config.rate / args.rate_scale
        print(
            f"  {config.label:9} rate {config.rate:g}/s (configured {configured:g}),"
            f" burst {config.burst}, concurrency {config.concurrency}"
        )
    started = time.perf_counter()
    results = client.search_all(chosen, awards, total_concurrency=total)
    wall = time.perf_counter() - started
    here.send("stop")
    counts = here.recv()
    server.join(timeout=10)
    print(f"\n{'source':9} {'requests':>8} {'429s':>5} {'violations':>10} {'works':>6} "
          f"{'seconds':>8} {'rate used':>9}  result")  # fmt: skip
    for config in chosen:
        result = results[config.name]
        seen = counts[str(config.name)]
        # The first request goes at once: the rate bounds the intervals after it.
        used = (result.requests - 1) / (config.rate * result.seconds) if result.seconds else 0.0
        violations = int(seen["violations"])
        print(
            f"{config.label:9} {result.requests:8d} {result.errors:5d} {violations:10d} "
            f"{result.works_read:6d} {result.seconds:8.1f} {used:9.1%}  "
            f"{'ok' if result.ok else result.error}"
        )
        if seen["violation_at"] >= 0:
            print(f"{'':9} first violation {seen['violation_at']:.2f} s after its first request")
    print(f"wall time {wall:.1f} s")


def matching(seconds: float) -> None:
    """read_page and work_matches over every recorded body, per source and in all; beside
    them orjson.loads alone, the most any reader of those bodies could reach."""
    from artifacts.discovery.awards import NSF, award_numbers_in, work_matches

    # The four indexes' recorded search answers; GitHub's recorded files are a CITATION.cff and
    # a repository, not search answers.
    sources = {source.value for source in INDEXES}
    recorded = [
        (Source(path.parent.name), path.read_bytes())
        for path in sorted(FIXTURES.glob("*/*.json"))
        if path.parent.name in sources
    ]
    # OpenAlex is asked for the fields the reader needs (select=), so its answers are the
    # recorded works cut to those fields, as OpenAlex cuts them.
    bodies = [(source, as_asked(source, body)) for source, body in recorded]
    url = "https://example.org/"
    read = [
        (source, client.reader_for(source).read_page(body, url=url).works)
        for source, body in bodies
    ]
    cited = {
        number
        for _, works in read
        for work in works
        for reference in work.awards
        for number in award_numbers_in(reference.raw_award)
    }
    # The program's awards: every number the recorded bodies cite, and a portfolio's worth more.
    awards = dict.fromkeys(cited | {f"{2000000 + n}" for n in range(1000)}, NSF)
    print(f"\nmatching over {len(bodies)} recorded bodies, {len(awards)} awards of the program:")
    print(f"{'source':9} {'MB':>5} {'works':>6} {'matched':>7} {'JSON works/s':>13} "
          f"{'read works/s':>13} {'match works/s':>14} {'both works/s':>13}")  # fmt: skip
    totals = [0.0, 0.0, 0.0, 0.0, 0.0, 0.0]  # JSON, read, match, both, works, matched
    for source in INDEXES:
        mine = [body for name, body in bodies if name == source]
        works = [work for name, found in read if name == source for work in found]
        reader = client.reader_for(source)
        budget = seconds / 16
        timed = (
            _timed(budget, partial(_each, orjson.loads, mine)),
            _timed(budget, partial(_each, partial(reader.read_page, url=url), mine)),
            _timed(budget, partial(_each, partial(work_matches, awards=awards), works)),
            # What a run does with a page: read it, match each work, and read the creators
            # of the works that match (their suggestions record them).
            _timed(budget, partial(_page_matched, reader, mine, awards)),
        )
        matched = sum(1 for work in works if work_matches(work, awards=awards))
        for place, seconds_taken in enumerate(timed):
            totals[place] += seconds_taken
        totals[4] += len(works)
        totals[5] += matched
        size = sum(map(len, mine)) / 1e6
        rates = " ".join(
            f"{len(works) / t:{w},.0f}" for t, w in zip(timed, (13, 13, 14, 13), strict=True)
        )
        print(f"{source.value:9} {size:5.1f} {len(works):6d} {matched:7d} {rates}")
    count, matched = totals[4], int(totals[5])
    rates = " ".join(
        f"{count / t:{w},.0f}" for t, w in zip(totals[:4], (13, 13, 14, 13), strict=True)
    )
    print(f"{'all':9} {'':5} {int(count):6d} {matched:7d} {rates}")
    whole = [body for source, body in recorded if source == Source.OPENALEX]
    whole_works = sum(len(openalex.read_page(body, url=url).works) for body in whole)
    read_whole = _timed(seconds / 12, partial(_each, partial(openalex.read_page, url=url), whole))
    print(
        f"(OpenAlex works whole, as recorded without select=: {sum(map(len, whole)) / 1e6:.1f} MB, "
        f"read {whole_works / read_whole:,.0f} works/s)"
    )


def as_asked(source: Source, body: bytes) -> bytes:
    """A recorded OpenAlex answer as it comes when ``select=`` names the fields the reader
    reads (grants[] kept: the recorded answers are from before OpenAlex removed it)."""
    if source != Source.OPENALEX:
        return body
    fields = {*openalex.SELECT, "grants"}
    answer = orjson.loads(body)
    if "results" not in answer:
        return orjson.dumps({k: v for k, v in answer.items() if k in fields})
    answer["results"] = [{k: v for k, v in w.items() if k in fields} for w in answer["results"]]
    return orjson.dumps(answer)


def _page_matched(reader: client.SourceReader, bodies: list[bytes], awards: Any) -> None:
    from artifacts.discovery.awards import work_matches

    for body in bodies:
        for work in reader.read_page(body, url="https://example.org/").works:
            if work_matches(work, awards=awards):
                tuple(work.creators)


def _each(function: Callable[[Any], object], values: list[Any]) -> None:
    for value in values:
        function(value)


def _timed(budget: float, work: Callable[[], object]) -> float:
    """Seconds one call of ``work`` takes, the best of as many as fit in ``budget``."""
    best, spent = math.inf, 0.0
    while spent < budget or best == math.inf:
        started = time.perf_counter()
        work()
        took = time.perf_counter() - started
        best, spent = min(best, took), spent + took
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--awards", type=int, default=1000)
    parser.add_argument("--rate-scale", type=float, default=20.0)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--match-seconds", type=float, default=3.0)
    args = parser.parse_args()
    search(args)
    matching(args.match_seconds)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (this process; the stand-in runs apart) {peak:.0f} MB")


if __name__ == "__main__":
    main()
