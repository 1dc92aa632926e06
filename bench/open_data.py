"""Benchmark: the open-data export on PostgreSQL with 100,000 artifacts and 1,000 awards.

Loads the synthetic catalogue of bench/search.py (awards, artifacts with descriptions,
keywords, dimensions and tasks), then gives every award a PI and two co-PIs and a program
element, every artifact two creators and two checked links, and the program some public
deadlines. Times ``open_data_export`` (what ``manage.py export_open_data`` and the nightly
task run) into a scratch directory, several times, and prints the time of each run and the
rows and bytes of each file. The target is 20 s.

    .venv/bin/python bench/open_data.py [--artifacts 100000] [--runs 3] [--keep]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/fairprog_bench_opendata")
os.environ.setdefault("SECRET_KEY", "benchmark-only-key")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fairprog.settings")


def add_people_links_and_deadlines() -> None:
    """What bench/search.py's catalogue lacks and the export reads: teams, creators, links."""
    import random

    from django.db import connection

    from artifacts.models import Artifact, ArtifactCreator, ArtifactLink, LinkState
    from proposals.models import (
        Award,
        AwardInvestigator,
        Cycle,
        Deadline,
        Person,
        ProgramElement,
    )

    rng = random.Random(11)
    started = time.perf_counter()
    people = Person.objects.bulk_create(
        [
            Person(
                given_name=f"Given{n}",
                family_name=f"Family{n}",
                email=f"person{n}@example.edu",  # private: must never reach a file
                orcid="",
            )
            for n in range(5000)
        ]
    )
    element, _ = ProgramElement.objects.get_or_create(code="114Y")
    awards = list(Award.objects.all())
    Award.program_elements.through.objects.bulk_create(
        [Award.program_elements.through(award_id=a.pk, programelement_id=element.pk)
         for a in awards]
    )  # fmt: skip
    AwardInvestigator.objects.bulk_create(
        [
            AwardInvestigator(award=award, person=person, role=role, order=order)
            for award in awards
            for order, (person, role) in enumerate(
                zip(rng.sample(people, 3), ["pi", "co_pi", "co_pi"], strict=True)
            )
        ]
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE artifacts_artifact SET "
            "landing_url = 'https://example.org/artifact/' || id, "
            "repository_url = 'https://github.com/example/artifact-' || id, "
            "version = '1.0.' || (id % 7), release_date = DATE '2024-01-01' + (id % 365)::int"
        )
    artifact_ids = list(Artifact.objects.values_list("pk", flat=True))
    now = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    for start in range(0, len(artifact_ids), 10000):
        batch = artifact_ids[start : start + 10000]
        ArtifactCreator.objects.bulk_create(
            [
                ArtifactCreator(artifact_id=pk, person=person, order=order)
                for pk in batch
                for order, person in enumerate(rng.sample(people, 2))
            ]
        )
        ArtifactLink.objects.bulk_create(
            [
                ArtifactLink(
                    artifact_id=pk,
                    role=role,
                    url=url,
                    host=url.split("/")[2],
                    state=LinkState.OK,
                    state_since=now,
                    last_checked_at=now,
                    final_url=url,
                )
                for pk in batch
                for role, url in (
                    ("landing", f"https://example.org/artifact/{pk}"),
                    ("repository", f"https://github.com/example/artifact-{pk}"),
                )
            ]
        )
    Artifact.objects.update(link_health=LinkState.OK)
    for cycle in Cycle.objects.all():
        for kind, month in (("letter_of_intent", 5), ("full_proposal", 7)):
            Deadline.objects.create(
                cycle=cycle,
                kind=kind,
                due_date=dt.date(cycle.year, month, 13),
                due_at=dt.datetime(cycle.year, month, 13, 21, tzinfo=dt.UTC),
            )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"added teams, creators, links and deadlines in {time.perf_counter() - started:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--artifacts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="reuse the loaded database")
    args = parser.parse_args()

    from bench.search import prepare_catalogue

    prepare_catalogue(total=args.artifacts, keep=args.keep)
    from artifacts.models import ArtifactCreator
    from artifacts.opendata.export import open_data_export
    from artifacts.opendata.snapshot import PACKAGE
    from artifacts.selectors.artifacts import artifact_public_queryset
    from proposals.models import Award

    if not ArtifactCreator.objects.exists():
        add_people_links_and_deadlines()
    print(
        f"database: PostgreSQL, {artifact_public_queryset().count():,} "
        f"public artifacts, {Award.objects.count():,} awards"
    )
    seconds = []
    with tempfile.TemporaryDirectory(prefix="fairprog-opendata-") as scratch:
        for run in range(args.runs):
            started = time.perf_counter()
            report = open_data_export(base=Path(scratch))
            seconds.append(time.perf_counter() - started)
            print(f"run {run + 1}: {seconds[-1]:.2f} s")
    print(f"export: median {statistics.median(seconds):.2f} s of {args.runs} runs (target 20 s)")
    for file in report.files:
        rows = f"{file.rows:>9,} rows" if file.name != PACKAGE else " " * 14
        print(f"  {file.name:<18} {rows}  {file.bytes / 1e6:8.1f} MB")
    print(f"  total              {report.rows:>9,} rows  {report.bytes / 1e6:8.1f} MB")


if __name__ == "__main__":
    main()
