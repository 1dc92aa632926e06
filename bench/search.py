"""Benchmark: catalogue search on PostgreSQL with 100,000 synthetic artifacts.

Prints p50 / p95 latency of ranked search (the page's ranked ids and rows) for a
rare term, a common term and a two-word phrase, and of the facet counts (uncached, for the
whole catalogue, those searches and facet choices), then the EXPLAIN plan of the search
query to show it uses the GIN index on the stored tsvector.

    .venv/bin/python bench/search.py [--artifacts 100000] [--runs 60] [--keep]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/fairprog_bench_search")
os.environ.setdefault("SECRET_KEY", "benchmark-only-key")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fairprog.settings")

from bench._scratch_db import reset_database  # noqa: E402 - needs the environment above

# A vocabulary with a long tail: the first words are common, the last ones rare.
COMMON = [
    "fairness", "bias", "model", "data", "evaluation", "benchmark", "language", "vision",
    "speech", "metric", "audit", "classifier", "group", "disparity", "toolkit", "dataset",
]  # fmt: skip
TAIL = [f"term{n:05d}" for n in range(20000)]
RARE_TERM = "zyxquokka"  # planted in a handful of artifacts


def _text(rng: random.Random, words: int) -> str:
    picked = []
    for _ in range(words):
        if rng.random() < 0.45:
            picked.append(rng.choice(COMMON))
        else:
            picked.append(TAIL[int(rng.paretovariate(1.2)) % len(TAIL)])
    return " ".join(picked)


def load(total: int) -> None:
    from django.db import connection

    from artifacts.models import Artifact, FairnessDimension, Task
    from proposals.models import Award, Cycle, Organization, Program

    rng = random.Random(7)
    program = Program.objects.create(name="Fairness in AI", short_name="FAI", slug="fai")
    cycles = [
        Cycle.objects.create(program=program, year=2019 + i, solicitation_number=f"NSF {i}")
        for i in range(4)
    ]
    organizations = Organization.objects.bulk_create(
        [Organization(name=f"University {i}", name_key=f"university {i}") for i in range(300)]
    )
    awards = Award.objects.bulk_create(
        [
            Award(
                award_number=f"{2000000 + i:07d}",
                program=program,
                cycle=rng.choice(cycles),
                institution=rng.choice(organizations),
                title=_text(rng, 8),
            )
            for i in range(1000)
        ]
    )
    dimensions = list(FairnessDimension.objects.all())
    tasks = list(Task.objects.all())
    kinds = Artifact.Kind.values
    licenses = ["MIT", "Apache-2.0", "CC-BY-4.0", "BSD-3-Clause", "CC-BY-SA-4.0", "GPL-3.0-only"]
    now = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    started = time.perf_counter()
    batch = 5000
    for start in range(0, total, batch):
        artifacts = []
        for n in range(start, min(start + batch, total)):
            summary = _text(rng, 25)
            if n % 20000 == 0:
                summary += f" {RARE_TERM}"
            artifacts.append(
                Artifact(
                    award=rng.choice(awards),
                    kind=rng.choice(kinds),
                    title=_text(rng, 7),
                    slug=f"artifact-{n}",
                    summary=summary[:400],
                    description=_text(rng, 120),
                    license=rng.choice(licenses),
                    keywords=[_text(rng, 1) for _ in range(4)],
                    limitations=_text(rng, 30),
                    status=Artifact.Status.PUBLISHED,
                    published_at=now - dt.timedelta(minutes=n),
                )
            )
        created = Artifact.objects.bulk_create(artifacts)
        Artifact.dimensions.through.objects.bulk_create(
            [
                Artifact.dimensions.through(artifact_id=a.pk, fairnessdimension_id=d.pk)
                for a in created
                for d in rng.sample(dimensions, rng.randint(1, 3))
            ]
        )
        Artifact.tasks.through.objects.bulk_create(
            [
                Artifact.tasks.through(artifact_id=a.pk, task_id=t.pk)
                for a in created
                for t in rng.sample(tasks, rng.randint(1, 2))
            ]
        )
        done = start + len(created)
        rate = done / (time.perf_counter() - started)
        print(f"\rloaded {done:,}/{total:,} artifacts ({rate:,.0f}/s)", end="", flush=True)
    print()
    with connection.cursor() as cursor:
        # Each bulk-loaded row was written three times (the row, then its dimension and task
        # ids); compact the table as autovacuum keeps a catalogue that grew over time, then
        # set the visibility map for index-only scans.
        cursor.execute("VACUUM FULL artifacts_artifact")
        cursor.execute("VACUUM ANALYZE")


def prepare_catalogue(*, total: int, keep: bool) -> None:
    """A migrated database holding ``total`` synthetic artifacts; reused with ``keep``."""
    import django

    if not keep:
        reset_database()
    django.setup()
    from django.core.management import call_command

    from artifacts.models import Artifact

    call_command("migrate", verbosity=0)
    if not keep or not Artifact.objects.exists():
        load(total)


def timed(action: Callable[[], object], runs: int) -> tuple[float, float]:
    for _ in range(3):
        action()  # warm the cache, as a running site has it warm
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--artifacts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--keep", action="store_true", help="reuse the loaded database")
    args = parser.parse_args()

    prepare_catalogue(total=args.artifacts, keep=args.keep)
    from django.core.cache import cache
    from django.db import connection
    from django.http import QueryDict

    from artifacts.selectors.artifacts import artifact_listed_queryset
    from artifacts.selectors.catalogue import artifact_search
    from artifacts.selectors.facets import facet_counts, facet_counts_cached
    from artifacts.selectors.search import CatalogueQuery, artifact_filtered, artifact_ordered

    listed = artifact_listed_queryset().count()
    print(f"database: PostgreSQL, {listed:,} published artifacts")

    def query(text: str) -> CatalogueQuery:
        return CatalogueQuery.from_querydict(QueryDict(f"q={text}"))

    # A common term: the word found in the share of artifacts closest to 10 %.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT word, ndoc FROM ts_stat('SELECT search_vector FROM artifacts_artifact') "
            "ORDER BY abs(ndoc - %s) LIMIT 1",
            [listed // 10],
        )
        common_word, _ = cursor.fetchone()
    cases = [
        ("rare term", RARE_TERM),
        ("common term", common_word),
        ("two-word phrase", f'"{common_word} fairness"'),
        ("near-universal term", "fairness"),
    ]
    for label, text in cases:
        q = query(text)

        def run(q: CatalogueQuery = q) -> None:
            # What the page runs: ranked ids, then the page's rows; the total comes with
            # the facet counts (cached per search after the first visit, timed below).
            artifact_search(q)

        def first_visit(q: CatalogueQuery = q) -> None:
            cache.clear()  # nothing cached for this search yet: facets counted too
            artifact_search(q)

        matches = artifact_filtered(q).count()
        p50, p95 = timed(run, args.runs)
        first50, first95 = timed(first_visit, args.runs)
        share = 100 * matches / listed
        print(
            f"ranked search, {label} ({text}, {matches:,} matches = {share:.1f} %): "
            f"p50 {p50:.1f} ms, p95 {p95:.1f} ms; first visit with facets counted: "
            f"p50 {first50:.1f} ms, p95 {first95:.1f} ms"
        )

    facet_states = [
        ("whole catalogue", ""),
        ("rare term", f"q={RARE_TERM}"),
        ("common term", f"q={common_word}"),
        ("two-word phrase", f'q="{common_word} fairness"'),
        ("two facets chosen", "kind=dataset&license=MIT"),
        ("common term + two facets", f"q={common_word}&kind=dataset&license=MIT"),
    ]
    for label, state in facet_states:
        q = CatalogueQuery.from_querydict(QueryDict(state))
        p50, p95 = timed(partial(facet_counts, q), args.runs)
        print(f"facet counts (6 facets, uncached), {label}: p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    q = query("")
    p50, p95 = timed(partial(facet_counts_cached, q), args.runs)
    print(f"facet counts as served from the cache: p50 {p50:.2f} ms, p95 {p95:.2f} ms")

    q = query(common_word)
    ranked_ids = artifact_ordered(artifact_filtered(q), q).values_list("pk", flat=True)[:20]
    sql, params = ranked_ids.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    print("EXPLAIN of the ranked search (the page's id query) for the common term:")
    print(plan)
    uses_gin = "artifacts_artifact_search_gin" in plan
    print(
        f"uses the GIN index: {'yes' if uses_gin else 'NO'}; "
        f"tsvector computed per row: {'NO' if 'to_tsvector' not in plan else 'yes'}"
    )


if __name__ == "__main__":
    main()
