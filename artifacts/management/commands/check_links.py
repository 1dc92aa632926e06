"""Check artifact links now, from this process (beat's sweep queues them to the workers)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from artifacts.models import ArtifactLink, LinkCheck, LinkState
from artifacts.services import links
from fairprog.commands import DocumentedCommand, ProgressLine


class Command(DocumentedCommand):
    """Check the artifact links that are due (new, edited, or past their recheck time), or
    every link with --all, and record the results. Shows progress and a summary."""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--all", action="store_true", help="check every link, due or not")
        parser.add_argument(
            "--artifact", action="append", default=[], metavar="SLUG", help="only this artifact"
        )
        parser.add_argument(
            "--state",
            action="append",
            default=[],
            choices=[value for value in LinkState.values if value != LinkState.NONE],
            help="only links in this state",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="list what would be checked; fetch nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        changed = links.links_reconcile()
        if changed:
            self.stdout.write(f"{len(changed)} new or edited links found.")
        selected = ArtifactLink.objects.all()
        if options["artifact"]:
            selected = selected.filter(artifact__slug__in=options["artifact"])
            if not selected.exists():
                raise CommandError(f"No links for artifact {', '.join(options['artifact'])}.")
        if options["state"]:
            selected = selected.filter(state__in=options["state"])
        if options["all"] or options["artifact"] or options["state"]:
            ids = list(selected.order_by("pk").values_list("pk", flat=True))
        else:
            ids = links.links_due()
        hosts = selected.filter(pk__in=ids).values("host").distinct().count() if ids else 0
        self.stdout.write(f"{len(ids):,} links to check on {hosts:,} hosts.")
        if options["dry_run"] or not ids:
            return
        progress = ProgressLine(len(ids), self.stdout.write, seconds=0.5)
        report = links.links_check(link_ids=ids, on_result=lambda _result: progress.advance())
        links.link_health_record_day()  # the dashboard's history shows today's states
        labels = dict(LinkCheck.Outcome.choices)
        summary = ", ".join(
            f"{n:,} {labels.get(outcome, outcome).lower()}"
            for outcome, n in report.outcomes.most_common()
        )
        rate = report.checked / report.seconds if report.seconds else 0.0
        self.stdout.write(
            self.style.SUCCESS(
                f"Done: {report.checked:,} links in {report.seconds:.1f} s ({rate:,.0f}/s): "
                f"{summary}."
            )
        )
