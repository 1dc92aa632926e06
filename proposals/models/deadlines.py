"""Deadlines: the dated obligations of a cycle or an award, and how each is stated."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from proposals.models.awards import Award
from proposals.models.choices import DeadlineKind, DeadlineTimeRule, DeadlineVisibility
from proposals.models.fields import default_reminder_offsets, default_time_zone, time_zone_field
from proposals.models.programs import Cycle
from proposals.validators import validate_reminder_offsets, validate_single_line


class Deadline(models.Model):
    """A dated obligation of a cycle (proposals due, reviews due) or of an award (reports)."""

    # How the deadline is stated: what falls due, and when by which clock. The admin's
    # inline edits these and the API shows them.
    TERMS = ("kind", "label", "due_date", "due_time", "time_rule", "time_zone")

    Kind = DeadlineKind
    TimeRule = DeadlineTimeRule
    Visibility = DeadlineVisibility

    cycle = models.ForeignKey(
        Cycle, null=True, blank=True, on_delete=models.CASCADE, related_name="deadlines"
    )
    award = models.ForeignKey(
        Award, null=True, blank=True, on_delete=models.CASCADE, related_name="deadlines"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # The label is the subject line of every reminder of this deadline.
    label = models.CharField(max_length=200, blank=True, validators=[validate_single_line])
    due_date = models.DateField()
    due_time = models.TimeField(default=dt.time(17, 0))
    time_rule = models.CharField(
        max_length=20,
        choices=TimeRule.choices,
        default=TimeRule.SUBMITTER_LOCAL,
        help_text="NSF deadlines are 5 p.m. in the submitter's local time.",
    )
    time_zone = time_zone_field(
        default=default_time_zone,
        help_text="The zone of a fixed-zone deadline; for a local-time rule, the reference zone.",
    )
    due_at = models.DateTimeField(
        db_index=True,
        editable=False,
        help_text="The instant in the reference time zone, derived from date, time and zone.",
    )
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    reminder_offsets = models.JSONField(
        default=default_reminder_offsets,
        validators=[validate_reminder_offsets],
        help_text="Days before the deadline to send reminders, e.g. [30, 7, 1].",
    )
    notes = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(cycle__isnull=False, award__isnull=True)
                | Q(cycle__isnull=True, award__isnull=False),
                name="deadline_belongs_to_cycle_or_award",
            ),
        ]

    def __str__(self) -> str:
        owner = self.cycle or self.award
        return f"{self.label or self.get_kind_display()}, {owner} ({self.due_date:%Y-%m-%d})"

    def due_at_in(self, zone: dt.tzinfo) -> dt.datetime:
        """The instant this deadline falls due for someone working in ``zone``."""
        if self.time_rule == self.TimeRule.SUBMITTER_LOCAL:
            return dt.datetime.combine(self.due_date, self.due_time, tzinfo=zone)
        return dt.datetime.combine(
            self.due_date, self.due_time, tzinfo=zoneinfo.ZoneInfo(self.time_zone)
        )

    @property
    def rule_text(self) -> str:
        """How the deadline is stated, e.g. "5 p.m. submitter's local time"."""
        clock = _clock_text(self.due_time)
        if self.time_rule == self.TimeRule.SUBMITTER_LOCAL:
            return f"{clock} submitter's local time"
        return f"{clock} {self.time_zone}"


def _clock_text(value: dt.time) -> str:
    hour = value.hour % 12 or 12
    suffix = "a.m." if value.hour < 12 else "p.m."
    if value.minute:
        return f"{hour}:{value.minute:02d} {suffix}"
    return f"{hour} {suffix}"
