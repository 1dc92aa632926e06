"""Deadline reminders: who asked for them (subscriptions), and every e-mail sent or due
(deliveries, the log that makes sending idempotent)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from proposals.models.choices import DeliveryKind, DeliveryState
from proposals.models.deadlines import Deadline
from proposals.models.fields import time_zone_field
from proposals.models.programs import Cycle, Person, Program


class ReminderSubscription(models.Model):
    """Someone who asked for e-mail reminders of a program's public deadlines (or of one
    cycle's). The address is private and used only once confirmed (double opt-in)."""

    email = models.EmailField(help_text="Private: never shown outside the admin.")
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="subscriptions")
    cycle = models.ForeignKey(
        Cycle,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="subscriptions",
        help_text="Empty: every cycle of the program.",
    )
    time_zone = time_zone_field(
        blank=True, help_text="For deadlines in local time; empty means the program's time zone."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    confirmed_at = models.DateTimeField(null=True, blank=True, editable=False)
    unsubscribed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["email", "program"],
                condition=Q(cycle__isnull=True),
                name="subscription_once_per_program",
            ),
            models.UniqueConstraint(
                fields=["email", "cycle"],
                condition=Q(cycle__isnull=False),
                name="subscription_once_per_cycle",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.cycle or self.program}"

    @property
    def is_active(self) -> bool:
        return self.confirmed_at is not None and self.unsubscribed_at is None


class ReminderDelivery(models.Model):
    """One e-mail about one deadline to one recipient: the reminder at one offset, or the
    notice that the deadline moved. Its unique constraints are what make sending
    idempotent: a scan or a task that runs twice finds the row already there."""

    Kind = DeliveryKind
    State = DeliveryState

    deadline = models.ForeignKey(Deadline, on_delete=models.CASCADE, related_name="deliveries")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.REMINDER)
    recipient = models.CharField(
        max_length=40, help_text='Who, as "staff:<user id>", "person:<id>" or "subscriber:<id>".'
    )
    email = models.EmailField()
    # The recipient's record, read in the same query as the delivery when it is sent.
    person = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    subscription = models.ForeignKey(
        ReminderSubscription,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deliveries",
        db_index=False,
    )
    time_zone = models.CharField(max_length=64)
    offset_days = models.PositiveSmallIntegerField(null=True, blank=True)
    due_at = models.DateTimeField(help_text="The deadline for this recipient, when planned.")
    send_at = models.DateTimeField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    resends = models.PositiveSmallIntegerField(
        default=0, help_text="Times staff asked to send it again."
    )
    last_error = models.TextField(blank=True)
    message_id = models.CharField("Message-ID", max_length=255, blank=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-send_at", "-id"]
        verbose_name_plural = "reminder deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["deadline", "recipient", "offset_days"],
                condition=Q(kind="reminder"),
                name="reminder_once_per_offset",
            ),
            models.UniqueConstraint(
                fields=["deadline", "recipient", "due_at"],
                condition=Q(kind="changed"),
                name="change_notice_once_per_instant",
            ),
            models.CheckConstraint(
                condition=Q(kind="changed") | Q(offset_days__isnull=False),
                name="reminder_has_offset",
            ),
        ]
        # No index on state (nor on the recipient records): marking a delivery sent then
        # changes no indexed column, so PostgreSQL updates the row in place (a HOT update,
        # in room the table's fillfactor leaves, migration 0007) without touching an index.
        # The scan finds pending rows by a sequential scan: milliseconds for years of them.

    def __str__(self) -> str:
        what = f"{self.offset_days}-day reminder" if self.kind == self.Kind.REMINDER else "notice"
        return f"{what} to {self.recipient} for {self.deadline_id}"
