"""Benchmark: a full OAI-PMH ListRecords harvest over HTTP, at two catalogue sizes, to show
the harvest's memory is constant in catalogue size.

Builds a scratch PostgreSQL database (bulk_create) of published artifacts, each with two
creators, a dimension and a task, under 200 awards in three cycles; starts gunicorn (one sync
worker, as requirements.txt pins it) on it; harvests /oai?verb=ListRecords&metadataPrefix=
oai_dc page by page through resumption tokens, as a harvester does; then reads the worker's
peak resident memory (VmHWM from /proc). A fresh server per size, so each peak is its own.

    .venv/bin/python bench/oai.py [--sizes 10000 100000] [--page 500] [--format oai_dc]

DATABASE_URL names the database (default: a scratch PostgreSQL database
``fairprog_bench_oai``, dropped and created anew).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/fairprog_bench_oai")
os.environ.setdefault("SECRET_KEY", "benchmark-only-key")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fairprog.settings")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")  # the harvest is plain HTTP on loopback

from bench._scratch_db import reset_database  # noqa: E402 - needs the environment above

TOKEN = re.compile(rb"<resumptionToken[^>]*>([^<]+)</resumptionToken>")
NOW = dt.datetime.now(dt.UTC)


def load(*, total: int) -> None:
    """Top the catalogue up to ``total`` published artifacts."""
    from artifacts.models import Artifact, ArtifactCreator, FairnessDimension, Task
    from proposals.models import Award, Cycle, Organization, Person, Program

    have = Artifact.objects.count()
    if have >= total:
        return
    program, _ = Program.objects.get_or_create(
        short_name="FAI",
        defaults={"name": "Fairness in AI", "slug": "fai", "time_zone": "America/New_York"},
    )
    if not Award.objects.exists():
        cycles = [
            Cycle.objects.create(
                program=program, year=year, solicitation_number=f"NSF {year % 100}-566"
            )
            for year in (2020, 2021, 2022)
        ]
        institutions = Organization.objects.bulk_create(
            Organization(name=f"University {n}", name_key=f"university {n}") for n in range(50)
        )
        Award.objects.bulk_create(
            Award(
                award_number=f"{2040000 + n:07d}",
                program=program,
                cycle=cycles[n % 3],
                institution=institutions[n % 50],
                title=f"FAI: Measuring fairness {n}",
                start_date=dt.date(2021, 1, 1),
                end_date=dt.date(2023, 12, 31),
            )
            for n in range(200)
        )
        Person.objects.bulk_create(
            Person(given_name="Ana", family_name=f"Researcher{n}", name_key=f"ana researcher{n}")
            for n in range(2000)
        )
        FairnessDimension.objects.bulk_create(
            FairnessDimension(slug=f"d{n}", name=f"Dimension {n}") for n in range(8)
        )
        Task.objects.bulk_create(Task(slug=f"t{n}", name=f"Task {n}") for n in range(6))
    awards = list(Award.objects.values_list("pk", flat=True))
    people = list(Person.objects.values_list("pk", flat=True))
    dimensions = list(FairnessDimension.objects.values_list("pk", flat=True))
    tasks = list(Task.objects.values_list("pk", flat=True))
    kinds = [k for k, _ in Artifact.Kind.choices]
    batch = 5000
    for start in range(have, total, batch):
        rows = Artifact.objects.bulk_create(
            Artifact(
                award_id=awards[n % len(awards)],
                kind=kinds[n % len(kinds)],
                title=f"Fairness benchmark {n}",
                slug=f"fairness-benchmark-{n}",
                summary="Annotated examples for measuring disparities across groups.",
                landing_url=f"https://example.org/artifact/{n}",
                doi=f"10.5281/zenodo.{n}" if n % 2 else "",
                license="CC-BY-4.0",
                keywords=["benchmark", "fairness"],
                status=Artifact.Status.PUBLISHED,
                published_at=NOW - dt.timedelta(minutes=n),
            )
            for n in range(start, min(start + batch, total))
        )
        ArtifactCreator.objects.bulk_create(
            ArtifactCreator(artifact=a, person_id=people[(a.pk + k * 997) % len(people)], order=k)
            for a in rows
            for k in (1, 2)
        )
        Artifact.dimensions.through.objects.bulk_create(
            Artifact.dimensions.through(
                artifact_id=a.pk, fairnessdimension_id=dimensions[a.pk % len(dimensions)]
            )
            for a in rows
        )
        Artifact.tasks.through.objects.bulk_create(
            Artifact.tasks.through(artifact_id=a.pk, task_id=tasks[a.pk % len(tasks)]) for a in rows
        )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(port: int, page: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "OAI_PAGE_SIZE": str(page), "ALLOWED_HOSTS": "127.0.0.1,localhost"}
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "fairprog.wsgi:application",
         "--bind", f"127.0.0.1:{port}", "--workers", "1", "--timeout", "300",
         "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/oai?verb=Identify", timeout=2)
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    sys.exit("gunicorn did not start")


def _worker_peak_kib(master: int) -> int:
    """VmHWM of gunicorn's worker (the master's child): the harvest's peak resident memory."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    peaks = []
    for pid in children or [str(master)]:
        status = Path(f"/proc/{pid}/status").read_text()
        peaks.append(int(re.search(r"VmHWM:\s+(\d+)", status).group(1)))  # type: ignore[union-attr]
    return max(peaks)


def harvest(port: int, prefix: str) -> tuple[int, float, int]:
    """Records harvested, seconds, and responses."""
    base = f"http://127.0.0.1:{port}/oai"
    query: dict[str, Any] = {"verb": "ListRecords", "metadataPrefix": prefix}
    records = responses = 0
    began = time.perf_counter()
    while True:
        url = f"{base}?{urllib.parse.urlencode(query)}"  # our own server on loopback
        with urllib.request.urlopen(url, timeout=300) as r:  # noqa: S310
            body = r.read()
        responses += 1
        records += body.count(b"<record>")
        found = TOKEN.search(body)
        if not found:
            return records, time.perf_counter() - began, responses
        query = {"verb": "ListRecords", "resumptionToken": found.group(1).decode()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--page", type=int, default=500)
    parser.add_argument("--format", default="oai_dc", choices=["oai_dc", "oai_datacite"])
    args = parser.parse_args()

    import django

    reset_database()
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("This benchmark runs on PostgreSQL: set DATABASE_URL.")
    call_command("migrate", verbosity=0)
    header = (
        f"{'artifacts':>9} {'records':>8} {'pages':>6} {'seconds':>8} {'records/s':>10} "
        f"{'peak RSS MiB':>13}"
    )
    print(f"format {args.format}, page {args.page}, one gunicorn sync worker")
    print(header)
    print("-" * len(header))
    for size in sorted(args.sizes):
        began = time.perf_counter()
        load(total=size)
        connection.close()
        loaded = time.perf_counter() - began
        port = _free_port()
        server = _serve(port, args.page)
        try:
            records, seconds, pages = harvest(port, args.format)
            peak = _worker_peak_kib(server.pid) / 1024
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        print(
            f"{size:>9,} {records:>8,} {pages:>6,} {seconds:>8.1f} {records / seconds:>10,.0f} "
            f"{peak:>13.1f}   (loaded in {loaded:.0f} s)"
        )


if __name__ == "__main__":
    main()
