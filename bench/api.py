"""Benchmark: the artifact list endpoint against the physical limit for the same page.

On PostgreSQL with 100,000 artifacts, times GET /api/v1/artifacts/?page_size=100 through
the whole Django stack (in-process WSGI, no network) and, side by side in the same run, a
baseline that runs exactly the SQL the endpoint ran, with psycopg, and serialises the rows
with orjson. Prints requests/second of both, their ratio, the queries per request at page
sizes 10, 50 and 100, and the rate of the 304 path (a conditional GET that still matches).

    .venv/bin/python bench/api.py [--artifacts 100000] [--seconds 10] [--keep]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/fairprog_bench_api")
os.environ.setdefault("SECRET_KEY", "benchmark-only-key")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fairprog.settings")
os.environ["API_ANON_RATE"] = "100000000/second"  # measure the endpoint, not the throttle
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")  # in-process requests are plain HTTP


def rate(action: Callable[[], object], seconds: float) -> float:
    for _ in range(5):
        action()
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        action()
        done += 1
    return done / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--artifacts", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=20.0, help="per side, in total")
    parser.add_argument("--keep", action="store_true", help="reuse the loaded database")
    args = parser.parse_args()

    from bench.search import prepare_catalogue

    prepare_catalogue(total=args.artifacts, keep=args.keep)
    import orjson
    import psycopg
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from artifacts.models import Artifact

    print(f"database: PostgreSQL, {Artifact.objects.count():,} artifacts")

    client = Client()
    url = "/api/v1/artifacts/?page_size=100"
    for page_size in (10, 50, 100):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"/api/v1/artifacts/?page_size={page_size}")
        assert response.status_code == 200, response.content[:300]
        print(f"page size {page_size}: {len(ctx.captured_queries)} queries per request")

    with CaptureQueriesContext(connection) as ctx:
        body = client.get(url).content
    statements = [query["sql"] for query in ctx.captured_queries]
    items = len(orjson.loads(body)["results"])

    database = settings.DATABASES["default"]
    raw = psycopg.connect(
        host=database["HOST"] or "127.0.0.1",
        port=database["PORT"] or 5432,
        user=database["USER"],
        dbname=database["NAME"],
        autocommit=True,
    )

    def baseline() -> bytes:
        # The same statements, rows straight to dicts, dicts straight to JSON.
        payload = []
        with raw.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql.encode())
                names = [column.name for column in cursor.description or []]
                payload.append([dict(zip(names, row, strict=True)) for row in cursor.fetchall()])
        return orjson.dumps(payload, default=str)

    def api() -> bytes:
        return client.get(url).content

    # Alternate short rounds of each, so that drift in the machine's speed during the run
    # (other processes, CPU frequency) falls on both sides alike.
    baseline_rates, api_rates = [], []
    rounds = 10
    for _ in range(rounds):
        baseline_rates.append(rate(baseline, args.seconds / rounds))
        api_rates.append(rate(api, args.seconds / rounds))
    baseline_rate = statistics.median(baseline_rates)
    api_rate = statistics.median(api_rates)
    etag = client.get(url)["ETag"]

    def not_modified() -> int:
        return client.get(url, HTTP_IF_NONE_MATCH=etag).status_code

    assert not_modified() == 304
    conditional_rate = rate(not_modified, args.seconds)
    print(f"list endpoint, page size 100 ({items} items, {len(statements)} queries):")
    print(f"  API through Django:        {api_rate:8.1f} requests/s")
    print(f"  baseline psycopg + orjson: {baseline_rate:8.1f} requests/s")
    ratio = api_rate / baseline_rate
    print(f"  ratio API / baseline:      {ratio:8.2f}  (medians of {rounds} alternating rounds)")
    ratios = sorted(a / b for a, b in zip(api_rates, baseline_rates, strict=True))
    print(f"  ratio per round:           {ratios[0]:.2f} .. {ratios[-1]:.2f}")
    print(f"  304 path (If-None-Match):  {conditional_rate:8.1f} requests/s")
    raw.close()


if __name__ == "__main__":
    main()
