"""Benchmark: bulk assignment of reviewers for a large cycle, conflicts checked over years of
history, on PostgreSQL.

Builds a scratch database (bulk_create) of 10,000 awards and 20,000 proposals of history
spread over six years, each with investigators, 500 active reviewers with expertise keywords
and institutions (a fifth of them investigators in that history, so the collaborator rule
has work to do), and two cycles to review: one of 2,000 proposals and one of 1,000. Then
times ``conflict_index`` and ``assignments_bulk(per_proposal=3, per_reviewer=15)`` on each
cycle and counts their queries (each run rolled back, so runs repeat). Prints a table.
Goal: under 10 s for 2,000 proposals, and the same number of queries for 1,000.

    .venv/bin/python bench/review.py [--cycle 2000] [--small 1000] [--reviewers 500]
                                     [--profile] [--keep]

DATABASE_URL names the database (default: a scratch PostgreSQL database ``fairprog_bench_review``,
dropped and created anew unless --keep). --profile prints where the time of the larger
run goes (cProfile, by cumulative time).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import os
import pstats
import random
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/fairprog_bench_review")
os.environ.setdefault("SECRET_KEY", "benchmark-only-key")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fairprog.settings")

from bench._scratch_db import reset_database  # noqa: E402 - needs the environment above

TOPICS = [
    "fairness", "algorithmic bias", "disparate impact", "causal inference", "privacy",
    "differential privacy", "explainability", "interpretability", "recommender systems",
    "ranking", "hiring", "credit scoring", "criminal justice", "healthcare", "language models",
    "computer vision", "speech recognition", "robustness", "auditing", "datasets",
    "benchmarks", "measurement", "social networks", "education", "housing", "public policy",
    "optimization", "reinforcement learning", "federated learning", "human computer interaction",
    "survey methods", "economics", "game theory", "accountability", "transparency",
    "data governance", "labor markets", "clinical decision support", "content moderation",
    "uncertainty quantification",
]  # fmt: skip
FILLER = [
    "we", "study", "how", "deployed", "systems", "treat", "people", "and", "groups", "build",
    "methods", "and", "tools", "that", "measure", "it", "and", "release", "open", "data",
]  # fmt: skip
GIVEN = ["Ana", "Ben", "Chen", "Dana", "Eli", "Fatima", "Gus", "Hana", "Ivan", "Jo", "Kemal",
         "Lena", "Mia", "Noor", "Omar", "Priya", "Quinn", "Ravi", "Sara", "Tomás"]  # fmt: skip
TODAY = dt.date.today()
NOW = dt.datetime.now(dt.UTC)


def _abstract(rng: random.Random, topics: list[str]) -> str:
    words = rng.choices(FILLER, k=rng.randint(80, 200))
    for topic in topics:
        words.insert(rng.randrange(len(words)), topic)
    return " ".join(words).capitalize() + "."


def load(*, history: int, awards: int, cycle_size: int, small_size: int, reviewers: int) -> None:
    from proposals.models import (
        Award,
        AwardInvestigator,
        Cycle,
        Organization,
        Person,
        Program,
        Proposal,
        ProposalInvestigator,
        ReviewerProfile,
    )
    from proposals.validators import person_name_key

    rng = random.Random(18)
    started = time.perf_counter()
    program = Program.objects.create(name="Fairness in AI", short_name="FAI", slug="fai")
    past = [
        Cycle.objects.create(
            program=program,
            year=year,
            solicitation_number=f"NSF {year % 100}-{500 + year % 97}",
            status=Cycle.Status.AWARDED,
        )
        for year in range(TODAY.year - 6, TODAY.year)
    ]
    under_review = [
        Cycle.objects.create(
            program=program,
            year=TODAY.year + offset,
            solicitation_number=f"NSF {(TODAY.year + offset) % 100}-{900 + offset}",
            status=Cycle.Status.IN_REVIEW,
        )
        for offset in (1, 2)
    ]
    organizations = Organization.objects.bulk_create(
        Organization(name=f"University {i}", name_key=f"university {i}") for i in range(400)
    )
    people_count = history + awards // 2
    people = Person.objects.bulk_create(
        (
            Person(
                given_name=(given := rng.choice(GIVEN)),
                family_name=(family := f"Researcher{i}"),
                name_key=person_name_key(given, family),
                email=f"person{i}@example.edu",
                affiliation=rng.choice(organizations),
            )
            for i in range(people_count)
        ),
        batch_size=5000,
    )

    def team() -> list[Any]:
        return rng.sample(people, rng.choice([1, 2, 2, 3, 3, 4]))

    def proposal_rows(count: int, cycles: list[Any], status: str, *, dated: bool) -> list[Any]:
        rows = []
        for n in range(count):
            topics = rng.sample(TOPICS, 3)
            submitted = NOW - dt.timedelta(days=rng.randint(0, 6 * 365)) if dated else NOW
            rows.append(
                Proposal(
                    cycle=rng.choice(cycles),
                    title=f"{topics[0].capitalize()} and {topics[1]}: study {n}",
                    abstract=_abstract(rng, topics),
                    lead_institution=rng.choice(organizations),
                    status=status,
                    submitted_at=submitted,
                )
            )
        return Proposal.objects.bulk_create(rows, batch_size=2000)

    def investigators(proposals: list[Any]) -> None:
        ProposalInvestigator.objects.bulk_create(
            (
                ProposalInvestigator(
                    proposal=proposal,
                    person=person,
                    role=ProposalInvestigator.Role.PI if order == 0 else "co_pi",
                    order=order,
                )
                for proposal in proposals
                for order, person in enumerate(team())
            ),
            batch_size=5000,
        )

    investigators(proposal_rows(history, past, Proposal.Status.DECLINED, dated=True))
    award_rows = []
    for i in range(awards):
        start = TODAY - dt.timedelta(days=rng.randint(0, 7 * 365))
        award_rows.append(
            Award(
                award_number=f"{2000000 + i:07d}",
                program=program,
                cycle=rng.choice(past),
                institution=rng.choice(organizations),
                title=f"Synthetic award {i}",
                start_date=start,
                end_date=start + dt.timedelta(days=3 * 365),
            )
        )
    AwardInvestigator.objects.bulk_create(
        (
            AwardInvestigator(
                award=award,
                person=person,
                role=AwardInvestigator.Role.PI if order == 0 else "co_pi",
                order=order,
            )
            for award in Award.objects.bulk_create(award_rows, batch_size=5000)
            for order, person in enumerate(team())
        ),
        batch_size=5000,
    )
    for cycle, size in zip(under_review, (cycle_size, small_size), strict=True):
        investigators(proposal_rows(size, [cycle], Proposal.Status.SUBMITTED, dated=False))
    # A fifth of the reviewers are investigators of the history; the rest are new people.
    veterans = rng.sample(people, reviewers // 5)
    newcomers = Person.objects.bulk_create(
        Person(
            given_name=(given := rng.choice(GIVEN)),
            family_name=(family := f"Reviewer{i}"),
            name_key=person_name_key(given, family),
            email=f"reviewer{i}@example.org",
            affiliation=rng.choice(organizations),
        )
        for i in range(reviewers - len(veterans))
    )
    ReviewerProfile.objects.bulk_create(
        ReviewerProfile(
            person=person,
            expertise=rng.sample(TOPICS, rng.randint(2, 5)),
            institution=rng.choice(organizations),
        )
        for person in [*veterans, *newcomers]
    )
    print(
        f"loaded {history:,} proposals and {awards:,} awards of history, {len(people):,} "
        f"people, {reviewers} reviewers, cycles of {cycle_size:,} and {small_size:,} "
        f"proposals ({time.perf_counter() - started:.0f} s)"
    )


def _measure(action: Callable[[], Any], *, profile: bool = False) -> tuple[float, int, Any]:
    """Seconds and queries of ``action``, in a transaction rolled back afterwards."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    profiler = cProfile.Profile() if profile else None
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        result = action()
        if profiler:
            profiler.disable()
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    if profiler:
        print()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    return seconds, len(queries.captured_queries), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycle", type=int, default=2000, help="proposals of the large cycle")
    parser.add_argument("--small", type=int, default=1000, help="proposals of the small cycle")
    parser.add_argument("--reviewers", type=int, default=500)
    parser.add_argument("--history", type=int, default=20_000, help="proposals of history")
    parser.add_argument("--awards", type=int, default=10_000)
    parser.add_argument("--profile", action="store_true", help="cProfile the large run")
    parser.add_argument("--keep", action="store_true", help="reuse the loaded database")
    args = parser.parse_args()

    import django

    if not args.keep:
        reset_database()
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("This benchmark runs on PostgreSQL: set DATABASE_URL.")
    call_command("migrate", verbosity=0)

    from proposals.models import Cycle, Proposal, ReviewerProfile
    from proposals.services.conflicts import conflict_index
    from proposals.services.reviews import REVIEWABLE, assignments_bulk, review_deadline

    if not args.keep or not ReviewerProfile.objects.exists():
        load(
            history=args.history,
            awards=args.awards,
            cycle_size=args.cycle,
            small_size=args.small,
            reviewers=args.reviewers,
        )
    cycles = list(Cycle.objects.filter(status=Cycle.Status.IN_REVIEW).order_by("year"))
    reviewers = list(ReviewerProfile.objects.filter(active=True).select_related("person"))
    print(f"database: {connection.vendor}, {Proposal.objects.count():,} proposals")
    print()
    header = (
        f"{'proposals':>9}  {'what':<28} {'seconds':>8} {'queries':>8}  "
        f"{'made':>6} {'short':>6} {'conflicts avoided':>17}"
    )
    print(header)
    print("-" * len(header))
    for n, cycle in enumerate(cycles):
        proposals = list(Proposal.objects.filter(cycle=cycle, status__in=REVIEWABLE))
        seconds, queries, index = _measure(partial(conflict_index, reviewers, proposals))
        pairs = len(index.collaborators)
        print(
            f"{len(proposals):>9,}  {'conflict_index':<28} {seconds:>8.2f} {queries:>8}  "
            f"{'':>6} {'':>6} {f'{pairs:,} collaborator pairs':>17}"
        )
        due = review_deadline(cycle=cycle, due_date=TODAY + dt.timedelta(days=60))
        seconds, queries, result = _measure(
            partial(
                assignments_bulk, cycle=cycle, per_proposal=3, per_reviewer=15, user=None, due=due
            ),
            profile=args.profile and n == 0,
        )
        print(
            f"{len(proposals):>9,}  {'assignments_bulk (3 / 15)':<28} {seconds:>8.2f} "
            f"{queries:>8}  {len(result.made):>6,} {len(result.short):>6,} "
            f"{result.conflicts_avoided:>17,}"
        )
    print()
    print("Goal: under 10 s for 2,000 proposals; queries the same for both cycles.")


if __name__ == "__main__":
    main()
