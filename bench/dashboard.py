"""Benchmark: the staff dashboard (the admin index) on PostgreSQL with a large portfolio.

Builds a scratch database of 100,000 artifacts (each with a link), 5,000 proposals, 1,000
awards and a year of daily link-health history, then times the dashboard as a logged-in
member of the program staff through the whole Django stack (test Client, in-process):
p50 / p95 over the runs and the queries per page, unfiltered and filtered; then each
chart's own query, the public /numbers/ page, and the EXPLAIN ANALYZE of the slowest chart.
Prints the machine's load.
Goal: p95 <= 300 ms and <= 15 queries.

    .venv/bin/python bench/dashboard.py [--artifacts 100000] [--links 100000] [--runs 30] [--keep]
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
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/fairprog_bench_dashboard")
os.environ.setdefault("SECRET_KEY", "benchmark-only-key")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fairprog.settings")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")  # in-process requests are plain HTTP
# Static URLs from the apps' folders: no collectstatic manifest needed to render pages.
os.environ.setdefault("STATIC_MANIFEST", "false")

from bench._scratch_db import reset_database  # noqa: E402 - needs the environment above

STATES = [
    "AL", "AZ", "CA", "CO", "CT", "FL", "GA", "IL", "IN", "MA", "MD", "MI", "MN", "MO", "NC",
    "NJ", "NY", "OH", "OR", "PA", "TN", "TX", "UT", "VA", "WA", "WI", "",
]  # fmt: skip
NOW = dt.datetime.now(dt.UTC)


def load(*, artifacts: int, proposals: int, awards: int, links: int) -> None:
    from django.db import connection

    from artifacts.models import Artifact, ArtifactLink, FairnessDimension
    from proposals.models import (
        Award,
        Cycle,
        Deadline,
        Organization,
        Program,
        Proposal,
        ReminderDelivery,
    )

    rng = random.Random(11)
    started = time.perf_counter()
    program = Program.objects.create(name="Fairness in AI", short_name="FAI", slug="fai")
    this_year = NOW.year
    cycles = [
        Cycle.objects.create(
            program=program,
            year=year,
            solicitation_number=f"NSF {year % 100}-{500 + year % 97}",
            status=Cycle.Status.OPEN if year == this_year + 1 else Cycle.Status.AWARDED,
        )
        for year in range(this_year - 6, this_year + 2)
    ]
    deadlines = Deadline.objects.bulk_create(
        Deadline(
            cycle=cycle,
            kind=Deadline.Kind.FULL_PROPOSAL,
            due_date=dt.date(cycle.year, 7, 15),
            due_at=dt.datetime(cycle.year, 7, 15, 21, tzinfo=dt.UTC),
        )
        for cycle in cycles
    )
    organizations = Organization.objects.bulk_create(
        Organization(name=f"University {i}", name_key=f"university {i}", state=rng.choice(STATES))
        for i in range(400)
    )
    today = NOW.date()
    award_rows = []
    for i in range(awards):
        start = today - dt.timedelta(days=rng.randint(0, 6 * 365))
        amount = Decimal(rng.choice([300_000, 450_000, 625_000, 750_000, 1_000_000]))
        award_rows.append(
            Award(
                award_number=f"{2000000 + i:07d}",
                program=program,
                cycle=rng.choice(cycles[:-1]),
                institution=rng.choice(organizations),
                title=f"Synthetic award {i}",
                intended_amount=amount,
                awarded_amount=amount,
                obligated_amount=amount * Decimal(rng.choice(["0.5", "0.75", "1"])),
                start_date=start,
                end_date=start + dt.timedelta(days=3 * 365),
            )
        )
    created_awards = Award.objects.bulk_create(award_rows)
    statuses = [
        (Proposal.Status.DRAFT, 3),
        (Proposal.Status.SUBMITTED, 10),
        (Proposal.Status.UNDER_REVIEW, 15),
        (Proposal.Status.RECOMMENDED, 5),
        (Proposal.Status.DECLINED, 55),
        (Proposal.Status.AWARDED, 10),
        (Proposal.Status.WITHDRAWN, 2),
    ]
    choices = [status for status, weight in statuses for _ in range(weight)]
    proposal_rows = []
    for i in range(proposals):
        status = rng.choice(choices)
        proposal_rows.append(
            Proposal(
                cycle=rng.choice(cycles),
                title=f"Synthetic proposal {i}",
                lead_institution=rng.choice(organizations),
                status=status,
                submitted_at=None if status == Proposal.Status.DRAFT else NOW,
            )
        )
    Proposal.objects.bulk_create(proposal_rows, batch_size=2000)
    ReminderDelivery.objects.bulk_create(
        (
            ReminderDelivery(
                deadline=rng.choice(deadlines),
                recipient=f"subscriber:{i}",
                email=f"s{i}@example.org",
                time_zone="UTC",
                offset_days=7,
                due_at=NOW,
                send_at=NOW - dt.timedelta(days=rng.randint(0, 30)),
                state=rng.choice(["sent"] * 8 + ["failed", "pending"]),
                sent_at=NOW - dt.timedelta(days=rng.randint(0, 30)),
            )
            for i in range(3000)
        ),
        batch_size=2000,
    )
    print(f"program records loaded ({time.perf_counter() - started:.0f} s)")

    dimensions = list(FairnessDimension.objects.all())
    kinds = Artifact.Kind.values
    health = ["ok"] * 14 + ["redirected", "blocked", "failing", "broken", "unchecked", "none"]
    artifact_ids: list[int] = []
    batch = 5000
    for begin in range(0, artifacts, batch):
        rows = []
        for n in range(begin, min(begin + batch, artifacts)):
            state: str = rng.choice(["published"] * 18 + ["draft", "retired"])
            rows.append(
                Artifact(
                    award=rng.choice(created_awards),
                    kind=rng.choice(kinds),
                    title=f"Synthetic artifact {n}",
                    slug=f"artifact-{n}",
                    summary="A synthetic artifact for the dashboard benchmark.",
                    status=state,
                    published_at=(
                        None
                        if state == "draft"
                        else NOW - dt.timedelta(minutes=rng.randint(0, 5 * 365 * 24 * 60))
                    ),
                    link_health=rng.choice(health),
                )
            )
        created = Artifact.objects.bulk_create(rows)
        artifact_ids.extend(a.pk for a in created)
        Artifact.dimensions.through.objects.bulk_create(
            Artifact.dimensions.through(artifact_id=a.pk, fairnessdimension_id=d.pk)
            for a in created
            for d in rng.sample(dimensions, rng.randint(1, 3))
        )
        print(f"\rloaded {begin + len(created):,}/{artifacts:,} artifacts", end="", flush=True)
    print()
    ArtifactLink.objects.bulk_create(
        (
            ArtifactLink(
                artifact_id=artifact_id,
                role="landing",
                url=f"https://example.org/{artifact_id}",
                host="example.org",
                state=rng.choice(["ok"] * 8 + ["redirected", "broken"]),
            )
            for artifact_id in artifact_ids[:links]
        ),
        batch_size=5000,
    )
    # A year of the daily link-health history the link chart reads.
    from artifacts.services.links import link_health_record_day

    for day in range(365):
        link_health_record_day(day=(NOW - dt.timedelta(days=day)).date())
    with connection.cursor() as cursor:
        cursor.execute("VACUUM FULL artifacts_artifact")
        cursor.execute("VACUUM ANALYZE")
    print(f"loaded in {time.perf_counter() - started:.0f} s")


def timed(action: Callable[[], object], runs: int) -> tuple[float, float]:
    for _ in range(3):
        action()  # warm up, as a running site is
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        action()
        samples.append((time.perf_counter() - began) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(int(len(samples) * 0.95) - 1, 0)]


def machine() -> str:
    load1, load5, _ = os.getloadavg()
    return f"{os.cpu_count()} CPUs, load average {load1:.2f} (1 min) {load5:.2f} (5 min)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--artifacts", type=int, default=100_000)
    parser.add_argument("--proposals", type=int, default=5_000)
    parser.add_argument("--awards", type=int, default=1_000)
    parser.add_argument("--links", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="reuse the loaded database")
    args = parser.parse_args()

    import django

    if not args.keep:
        reset_database()
    django.setup()
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from artifacts.models import Artifact, ArtifactLink, LinkHealthDay
    from fairprog.portfolio.queries import Scope, dashboard_figures
    from fairprog.portfolio.staff_charts import STAFF_CHARTS
    from proposals.models import Program, Proposal

    call_command("migrate", verbosity=0)
    if not args.keep or not Artifact.objects.exists():
        load(
            artifacts=args.artifacts,
            proposals=args.proposals,
            awards=args.awards,
            links=args.links,
        )
    print(
        f"database: PostgreSQL, {Artifact.objects.count():,} artifacts, "
        f"{Proposal.objects.count():,} proposals, {ArtifactLink.objects.count():,} links, "
        f"{LinkHealthDay.objects.values('day').distinct().count()} days of link-health history"
    )
    print(f"machine before: {machine()}")

    user, _ = User.objects.get_or_create(username="bench-staff", defaults={"is_staff": True})
    user.groups.add(Group.objects.get(name="Program staff"))
    client = Client()
    client.force_login(user)
    program = Program.objects.get()
    year = NOW.year - 2
    pages = {
        "dashboard": "/admin/",
        f"dashboard, program and {year}": f"/admin/?program={program.pk}&year={year}",
        "public /numbers/": "/numbers/",
    }
    for label, url in pages.items():
        statements = 0

        def counted(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            nonlocal statements
            statements += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counted):
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        p50, p95 = timed(partial(client.get, url), args.runs)
        print(
            f"{label}: p50 {p50:.1f} ms, p95 {p95:.1f} ms, {statements} queries ({args.runs} runs)"
        )

    print("each chart's query alone, p50 / p95 in ms (unfiltered; program and year):")
    slowest, slowest_ms = "", 0.0
    scoped = Scope(program_id=program.pk, year=year)
    for key, (build, _) in STAFF_CHARTS.items():
        p50, p95 = timed(partial(build, Scope()), args.runs)
        f50, f95 = timed(partial(build, scoped), args.runs)
        print(f"  {key:<13} {p50:6.1f} / {p95:6.1f};  {f50:6.1f} / {f95:6.1f}")
        if p50 > slowest_ms:
            slowest, slowest_ms = key, p50
    p50, p95 = timed(dashboard_figures, args.runs)
    print(f"  {'figures':<13} {p50:6.1f} / {p95:6.1f}")

    build = STAFF_CHARTS[slowest][0]
    with CaptureQueriesContext(connection) as ctx:
        build(Scope())
    sql = ctx.captured_queries[-1]["sql"]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    print(f"EXPLAIN ANALYZE of the slowest chart ({slowest}):")
    print(plan)
    print(f"machine after: {machine()}")


if __name__ == "__main__":
    main()
