"""Benchmark: the link checker on 10,000 URLs spread over 20 loopback hosts.

A local server (tests/linkserver.py, in a process of its own) answers on 127.0.0.2 … 127.0.0.21
after a simulated network latency (20 ms by default, a short trip to a nearby host). The
checker (artifacts/linkcheck.py) checks every URL with a per-host limit of 10 and no spacing
between requests; then the same URLs are checked one at a time with `requests.head`, the way
django-linkcheck does. Prints checks per second for both, their ratio, and the most
concurrent requests and connections the server saw on any one host.

With --database, the URLs are also stored as artifact links in a scratch PostgreSQL
database and checked through the service that records every check and derives link states
(what a worker's batch does), to show what recording costs.

    .venv/bin/python bench/linkcheck.py [--urls 10000] [--hosts 20] [--latency-ms 20]
        [--per-host 10] [--concurrency 200] [--baseline N] [--database]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/fairprog_bench_links")
os.environ.setdefault("SECRET_KEY", "benchmark-only-key")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fairprog.settings")

from artifacts import linkcheck, netguard  # noqa: E402 - needs the path above


class Server:
    def __init__(self, hosts: int, latency_ms: float) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.linkserver", "--hosts", str(hosts), "--no-tls",
             "--latency-ms", str(latency_ms)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        assert self.process.stdout is not None
        ready = json.loads(self.process.stdout.readline())
        self.hosts: list[str] = ready["hosts"]
        self.port: int = ready["port"]

    def url(self, host: int, path: str) -> str:
        return f"http://{self.hosts[host]}:{self.port}{path}"

    def stats(self) -> dict[str, object]:
        with urllib.request.urlopen(self.url(0, "/_stats")) as response:  # noqa: S310 - loopback
            return json.loads(response.read())

    def reset(self) -> None:
        urllib.request.urlopen(self.url(0, "/_reset")).close()  # noqa: S310 - loopback

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def busiest(stats: dict[str, object], key: str) -> int:
    addresses = stats["addresses"]
    assert isinstance(addresses, dict)
    return max(
        (values[key] for address, values in addresses.items() if not address.endswith("_stats")),
        default=0,
    )


def sequential(urls: list[str]) -> tuple[float, Counter[int]]:
    import requests

    statuses: Counter[int] = Counter()
    headers = {"User-Agent": "FairProg-linkcheck/1.0 (benchmark baseline)"}
    started = time.perf_counter()
    for n, url in enumerate(urls, start=1):
        response = requests.head(url, allow_redirects=True, timeout=10, headers=headers)
        statuses[response.status_code] += 1
        if n % 500 == 0:
            rate = n / (time.perf_counter() - started)
            print(f"\r  {n:,}/{len(urls):,} ({rate:,.0f}/s)", end="", flush=True)
    print()
    return time.perf_counter() - started, statuses


def through_database(urls: list[str], config: linkcheck.CheckerConfig) -> None:
    import django

    from bench._scratch_db import reset_database

    django.setup()
    reset_database()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from artifacts.models import Artifact, ArtifactLink
    from artifacts.services import links
    from proposals.models import Award, Program

    program = Program.objects.create(name="Fairness in AI", short_name="FAI", slug="fai")
    award = Award.objects.create(program=program, award_number="2040000", title="Benchmark")
    artifacts = Artifact.objects.bulk_create(
        Artifact(award=award, kind="dataset", title=f"A{n}", slug=f"a{n}", summary="s",
                 landing_url=url, link_health="unchecked")
        for n, url in enumerate(urls)
    )  # fmt: skip
    ArtifactLink.objects.bulk_create(
        ArtifactLink(
            artifact=a, role="landing", url=a.landing_url, host=linkcheck.host_of(a.landing_url)
        )
        for a in artifacts
    )
    ids = list(ArtifactLink.objects.values_list("pk", flat=True))
    started = time.perf_counter()
    report = links.links_check(link_ids=ids, config=config)
    seconds = time.perf_counter() - started
    states = Counter(ArtifactLink.objects.values_list("state", flat=True))
    print(
        f"with the database (checks recorded, states derived, batches of 2,000): "
        f"{report.checked:,} in {seconds:.1f} s = {report.checked / seconds:,.0f} checks/s; "
        f"states {dict(states)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--urls", type=int, default=10_000)
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--latency-ms", type=float, default=20)
    parser.add_argument("--per-host", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument(
        "--baseline", type=int, default=0, help="URLs for the sequential baseline (default all)"
    )
    parser.add_argument("--database", action="store_true", help="also check through the database")
    args = parser.parse_args()

    server = Server(args.hosts, args.latency_ms)
    try:
        urls = [server.url(n % args.hosts, f"/ok?n={n}") for n in range(args.urls)]
        config = linkcheck.CheckerConfig(
            concurrency=args.concurrency,
            per_host=args.per_host,
            host_interval=0,
            retries=1,
            allowed_networks=netguard.parse_networks(["127.0.0.0/8"]),
        )
        print(
            f"{len(urls):,} URLs on {args.hosts} hosts, {args.latency_ms:g} ms latency; "
            f"checker: {args.concurrency} at once, {args.per_host} per host"
        )
        server.reset()
        started = time.perf_counter()
        results = linkcheck.check_urls_sync(urls, config)
        seconds = time.perf_counter() - started
        stats = server.stats()
        outcomes = Counter(result.outcome for result in results)
        rate = len(results) / seconds
        print(f"aiohttp checker: {len(results):,} in {seconds:.2f} s = {rate:,.0f} checks/s")
        print(f"  outcomes: {dict(outcomes)}")
        print(
            f"  busiest host: {busiest(stats, 'max_in_flight')} requests in flight, "
            f"{busiest(stats, 'max_connections')} connections open at once "
            f"(limit {args.per_host})"
        )

        sample = urls[: args.baseline or len(urls)]
        print(f"sequential requests.head, {len(sample):,} URLs:")
        seconds_seq, statuses = sequential(sample)
        rate_seq = len(sample) / seconds_seq
        print(
            f"  {len(sample):,} in {seconds_seq:.1f} s = {rate_seq:,.1f} checks/s; {dict(statuses)}"
        )
        print(f"speed-up: {rate / rate_seq:,.1f}x")
        if args.database:
            through_database(urls, config)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
