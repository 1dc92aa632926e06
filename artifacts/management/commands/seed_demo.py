"""Load the demo portfolio (idempotent: running it again adds nothing twice).

It lives in the catalogue app because it seeds both apps: the program's records and the
artifacts of its funded projects (apps depend one way: artifacts on proposals)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser
from django.db import transaction

from artifacts.demo import seed_demo_artifacts
from fairprog.catalogue_version import catalogue_changed_on_commit
from fairprog.commands import DocumentedCommand
from proposals.demo import (
    SeedReport,
    seed_demo_cycle,
    seed_demo_researcher,
    seed_program,
    seed_real_awards,
    seed_staff_login,
)


class Command(DocumentedCommand):
    """Load the demo portfolio: the real Fairness in AI program, its cycles, deadlines and
    funded projects, plus a fictional open cycle with proposals (marked as demo data)."""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--with-login",
            action="store_true",
            help="Also create the demo staff login (for local use, never in production).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = SeedReport(created={})
        # One transaction: the demo loads whole or not at all, and what the services queue
        # after commit (a reminder scan, link checks) is queued once, when it is all there.
        with transaction.atomic():
            program = seed_program(report)
            seed_real_awards(program, report)
            seed_demo_cycle(program, report)
            report.count_many("artifact", seed_demo_artifacts())
            login = seed_staff_login(report) if options["with_login"] else None
            researcher = seed_demo_researcher(report) if options["with_login"] else ""
            if report.created:
                catalogue_changed_on_commit()  # the seeders write rows, not through services

        if report.created:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo data for {program.short_name}: created {report.summary()}."
                )
            )
        else:
            self.stdout.write(
                f"Demo data for {program.short_name} already loaded; nothing changed."
            )
        if login:
            username, password = login
            self.stdout.write(f"Demo staff login: {username} / {password}")
        if researcher:
            self.stdout.write(
                f"Demo researcher: ask for a sign-in link at /account/ with {researcher}"
            )
