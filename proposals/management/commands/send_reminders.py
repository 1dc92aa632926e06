"""Run the deadline reminder scan now (Celery beat runs it every few minutes)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from fairprog.commands import DocumentedCommand, ProgressLine
from proposals.models import ReminderDelivery
from proposals.services import reminders


class Command(DocumentedCommand):
    """Create the reminder deliveries that are due and queue them to the workers. --dry-run
    reports what would happen and changes nothing; --inline sends from this process instead
    of the workers."""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="report what is due; write and send nothing"
        )
        parser.add_argument(
            "--inline", action="store_true", help="send here and now instead of through workers"
        )

    def handle(self, *args: Any, dry_run: bool, inline: bool, **options: Any) -> None:
        report = reminders.reminders_scan(dry_run=dry_run, queue=not inline)
        verb = "would be" if dry_run else "were"
        self.stdout.write(
            f"Scanned {report.deadlines} deadlines with {report.recipients} recipients: "
            f"{report.created} reminders due and {report.missed} missed {verb} recorded; "
            f"{report.queued} deliveries {verb} "
            f"{'sent from here' if inline else 'queued to the workers'}."
        )
        if dry_run or not inline:
            return
        self._send(report.waiting)

    def _send(self, ids: list[int]) -> None:
        outcomes: dict[str, int] = {}
        progress = ProgressLine(len(ids), self.stdout.write, every=50)
        for pk in ids:
            try:
                outcome = reminders.reminder_deliver(delivery_id=pk)
            except reminders.TransientDeliveryError as exc:
                outcome = "retry later"
                self.stderr.write(f"Delivery {pk}: {exc} (the next scan tries again)")
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
            progress.advance()
        labels = dict(ReminderDelivery.State.choices)
        summary = ", ".join(
            f"{n} {labels.get(state, state).lower()}" for state, n in outcomes.items()
        )
        self.stdout.write(self.style.SUCCESS(f"Done: {summary or 'nothing to send'}."))
