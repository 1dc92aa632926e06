"""Deadline reminders: the scan that plans who is reminded of what and when, sending one
delivery exactly once, notices when a deadline moves, re-sends and unsubscribing.

Exactly once rests on three things. The scan creates one ReminderDelivery row per
(deadline, recipient, offset) under a unique constraint, so scans that overlap or repeat
add nothing. A send locks its row (SELECT … FOR UPDATE SKIP LOCKED) until the row is marked
sent, so two tasks for the same row (a redelivered message, a scan that queued it again)
cannot both send it. A worker that dies mid-send loses its lock with its connection and the
row is pending again; the broker redelivers the task, or the next scan queues it again, so
a crash loses nothing. The one window left is between the SMTP server accepting a message
and the row being committed as sent: a crash exactly there sends the message again, with
the same Message-ID, which mail stores use to file it once.

The rules of when (``proposals.reminders.schedule``), who (``recipients``) and the message
and its connection (``mail``) live beside this module; here is what writes.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import time
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from fairprog import queueing
from fairprog.errors import DomainError
from proposals.models import (
    Award,
    Cycle,
    Deadline,
    Person,
    ReminderDelivery,
    ReminderSubscription,
)
from proposals.reminders import mail
from proposals.reminders.schedule import offsets_due, scan_window
from proposals.selectors.recipients import deadline_recipients, program_of, review_owed

logger = logging.getLogger(__name__)

BATCH = 1000
Delivery = ReminderDelivery


class TransientDeliveryError(Exception):
    """Sending failed in a way that may pass (connection refused, timeout, 4xx reply)."""


# --- The scan -------------------------------------------------------------------


@dataclass
class ScanReport:
    """What one scan found and did; ``waiting`` lists the deliveries it queued (or, with
    ``queue=False``, left for the caller to send)."""

    deadlines: int = 0
    recipients: int = 0
    created: int = 0
    missed: int = 0
    queued: int = 0
    waiting: list[int] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"{self.deadlines} deadlines, {self.recipients} recipients: {self.created} "
            f"reminders due, {self.missed} recorded as missed, {self.queued} queued to send"
        )


def reminders_scan(
    *, now: dt.datetime | None = None, dry_run: bool = False, queue: bool = True
) -> ScanReport:
    """Create the deliveries that are due and queue every delivery waiting to be sent.

    For each recipient of a deadline that lies ahead, the latest offset whose time has come
    gets a delivery to send; earlier offsets that never went out (everything was down, or the
    deadline was entered late) are recorded as missed, as are all of them once the deadline
    has passed. Deliveries are queued after commit; ones queued long ago and still pending
    (a lost message) or claimed by a worker that vanished are queued again. With
    ``queue=False`` nothing is published: the caller sends ``report.waiting`` itself.
    """
    now = now or timezone.now()
    report = ScanReport()
    with transaction.atomic():
        # Left from earlier scans: lost on the way to a worker, or never published.
        again = list(ReminderDelivery.objects.filter(_waiting(now)).values_list("pk", flat=True))
        rows = _due_rows(now, report)
        for row in rows:  # created as queued, which they are once this commits
            if row.state == Delivery.State.PENDING:
                row.queued_at = now
        if rows:
            ReminderDelivery.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)
        report.created = sum(1 for row in rows if row.state == Delivery.State.PENDING)
        report.missed = len(rows) - report.created
        for start in range(0, len(again), BATCH):
            ReminderDelivery.objects.filter(pk__in=again[start : start + BATCH]).update(
                queued_at=now
            )
        ids = list(
            ReminderDelivery.objects.filter(state=Delivery.State.PENDING, queued_at=now)
            .order_by("send_at", "pk")
            .values_list("pk", flat=True)
        )
        report.queued = len(ids)
        report.waiting = ids
        if dry_run:
            transaction.set_rollback(True)
            return report
        if queue:
            deliveries_queue_after_commit(ids)
    return report


def _waiting(now: dt.datetime) -> Q:
    requeue = dt.timedelta(seconds=settings.REMINDER_REQUEUE_SECONDS)
    return Q(state=Delivery.State.PENDING) & (
        Q(queued_at__isnull=True) | Q(queued_at__lt=now - requeue)
    )


def _due_rows(now: dt.datetime, report: ScanReport) -> list[ReminderDelivery]:
    earliest, latest = scan_window(now)
    deadlines = list(
        Deadline.objects.filter(due_at__gte=earliest, due_at__lte=latest).select_related(
            "cycle__program", "award__program"
        )
    )
    existing = set(
        ReminderDelivery.objects.filter(
            deadline__in=deadlines, kind=Delivery.Kind.REMINDER
        ).values_list("deadline_id", "recipient", "offset_days")
    )
    rows = []
    for deadline in deadlines:
        report.deadlines += 1
        for recipient in deadline_recipients(deadline):
            report.recipients += 1
            due = deadline.due_at_in(zoneinfo.ZoneInfo(recipient.time_zone))
            for days, missed in offsets_due(due=due, offsets=deadline.reminder_offsets, now=now):
                if (deadline.pk, recipient.key, days) in existing:
                    continue
                rows.append(
                    ReminderDelivery(
                        deadline=deadline,
                        kind=Delivery.Kind.REMINDER,
                        recipient=recipient.key,
                        email=recipient.email,
                        person_id=recipient.person_id,
                        subscription_id=recipient.subscription_id,
                        time_zone=recipient.time_zone,
                        offset_days=days,
                        due_at=due,
                        send_at=due - dt.timedelta(days=days),
                        state=Delivery.State.MISSED if missed else Delivery.State.PENDING,
                        last_error=missed,
                    )
                )
    return rows


# Tasks are sent by name: the tasks module calls this one, never the reverse.
SEND_TASK = "proposals.tasks.reminder_send_task"
SCAN_TASK = "proposals.tasks.reminders_scan_task"


def deliveries_queue(ids: Sequence[int]) -> int:
    """Publish one send task per delivery; returns how many were published. A broker that
    is down loses nothing: the rows stay pending and the next scan queues them again."""
    if not ids:  # the queueing helper reads no argument tuples as one call without any
        return 0
    return queueing.queue_now(SEND_TASK, *[(pk,) for pk in ids], what="reminders")


def deliveries_queue_after_commit(ids: Sequence[int]) -> None:
    """deliveries_queue once the current transaction commits."""
    if ids:
        queueing.queue_after_commit(SEND_TASK, *[(pk,) for pk in ids], what="reminders")


def reminders_scan_soon() -> None:
    """Ask a worker to run the scan once the current transaction commits (after a deadline
    changed), once however many deadlines the transaction changed. Never fails the caller:
    with the broker down, beat's periodic scan does the same a few minutes later."""
    queueing.queue_once_after_commit(SCAN_TASK, what="the reminder scan")


# --- Sending one delivery -------------------------------------------------------


# What a send reads (fewer columns make the locked query cheaper to build and to run).
_SEND_FIELDS = (
    *("kind", "recipient", "email", "time_zone", "resends", "state"),
    *("deadline__kind", "deadline__label", "deadline__cycle_id", "deadline__award_id"),
    *("deadline__due_date", "deadline__due_time", "deadline__time_rule", "deadline__time_zone"),
    "person__reminders_opt_out",
    *("subscription__cycle_id", "subscription__confirmed_at", "subscription__unsubscribed_at"),
)


def reminder_deliver(*, delivery_id: int, now: dt.datetime | None = None) -> str:
    """Send one delivery if it is still waiting; returns its state afterwards (or "taken"
    when another task holds it or has sent it). Raises TransientDeliveryError when a retry
    may succeed.

    The row stays locked (SELECT … FOR UPDATE SKIP LOCKED) from the claim until it is
    marked, in one transaction: a second task for it skips it, and if this worker dies the
    database drops the lock with the connection, so the row is pending again at once.
    """
    now = now or timezone.now()
    error = ""
    with transaction.atomic():
        try:
            # get(), not first(): no ORDER BY to build or run for a single row.
            delivery = (
                ReminderDelivery.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("deadline", "person", "subscription")
                .get(pk=delivery_id, state=Delivery.State.PENDING)
            )
        except ReminderDelivery.DoesNotExist:
            return "taken"
        _attach_owner(delivery.deadline)
        reason, why = _recipient_now(delivery)
        due = delivery.deadline.due_at_in(zoneinfo.ZoneInfo(delivery.time_zone))
        if reason:
            return _finish(delivery, Delivery.State.CANCELLED, reason)
        if due <= now:
            return _finish(delivery, Delivery.State.MISSED, "The deadline had passed by then.")
        try:
            message = mail.reminder_message(
                delivery, due=due, now=now, why=why, was_due=_last_told(delivery)
            )
            # Writing the message out checks every header now. One that cannot be written
            # would otherwise fail inside the send, outside the errors handled below, and
            # leave the row pending, to be queued again forever.
            message.message()
        except ValueError as exc:  # BadHeaderError; an address Django cannot write
            logger.warning("Reminder %s cannot be built: %s", delivery.pk, exc)
            return _finish(
                delivery, Delivery.State.FAILED, f"The message could not be built: {exc}"
            )
        transient = False
        try:
            mail.send(message)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            error, transient = f"Recipient refused: {exc.recipients}", all(c < 500 for c in codes)
        except smtplib.SMTPResponseException as exc:
            reply = exc.smtp_error
            text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
            error, transient = f"SMTP {exc.smtp_code}: {text}", exc.smtp_code < 500
        except OSError as exc:  # refused, reset, timed out, disconnected (SMTPException too)
            error, transient = f"{type(exc).__name__}: {exc}", True
        if error and not transient:
            return _finish(delivery, Delivery.State.FAILED, error)
        ReminderDelivery.objects.filter(pk=delivery.pk).update(
            state=Delivery.State.PENDING if error else Delivery.State.SENT,
            attempts=F("attempts") + 1,
            sent_at=None if error else timezone.now(),
            message_id="" if error else message.extra_headers["Message-ID"],
            last_error=error,
            updated_at=timezone.now(),
        )
    if error:  # recorded (committed) above; the task retries later
        raise TransientDeliveryError(error)
    return Delivery.State.SENT


def reminder_give_up(*, delivery_id: int, error: str) -> None:
    """Record a delivery whose transient failures outlasted the retries."""
    ReminderDelivery.objects.filter(pk=delivery_id, state=Delivery.State.PENDING).update(
        state=Delivery.State.FAILED,
        last_error=f"Gave up after {settings.REMINDER_MAX_RETRIES} retries. {error}",
        updated_at=timezone.now(),
    )


_owners: dict[tuple[str, int], tuple[float, Cycle | Award]] = {}
_OWNER_SECONDS = 60.0


def _attach_owner(deadline: Deadline) -> None:
    """Give ``deadline`` its cycle or award (with the program) from a short-lived cache of
    this process. A batch of reminders shares a few deadlines, and joining the owner and
    program into every send's locked query cost more than the rest of the query. Only
    names and the program's zone and staff come from here, so a minute of staleness is
    harmless; the deadline itself, and so its time, is read fresh with the delivery."""
    model: type[Cycle] | type[Award] = Cycle if deadline.cycle_id else Award
    # A check constraint gives every deadline a cycle or an award.
    owner_id = int(deadline.cycle_id or deadline.award_id)  # type: ignore[arg-type]
    key = (model.__name__, owner_id)
    now = time.monotonic()
    cached = _owners.get(key)
    if cached is None or cached[0] < now:
        owner = model.objects.select_related("program").get(pk=owner_id)
        cached = _owners[key] = (now + _OWNER_SECONDS, owner)
    if isinstance(cached[1], Cycle):
        deadline.cycle = cached[1]
    else:
        deadline.award = cached[1]


def _finish(delivery: ReminderDelivery, state: str, note: str) -> str:
    attempted = F("attempts") + (1 if state == Delivery.State.FAILED else 0)
    ReminderDelivery.objects.filter(pk=delivery.pk).update(
        state=state, attempts=attempted, last_error=note, updated_at=timezone.now()
    )
    return state


def _last_told(delivery: ReminderDelivery) -> dt.datetime | None:
    """For a change notice: when the deadline was due in the last reminder sent to the
    same recipient, for the message to say what moved."""
    if delivery.kind != Delivery.Kind.CHANGED:
        return None
    return (
        ReminderDelivery.objects.filter(
            deadline=delivery.deadline,
            recipient=delivery.recipient,
            kind=Delivery.Kind.REMINDER,
            state=Delivery.State.SENT,
        )
        .order_by("-sent_at")
        .values_list("due_at", flat=True)
        .first()
    )


def _recipient_now(delivery: ReminderDelivery) -> tuple[str, str]:
    """Why the delivery must not go out any more ("" if it may), and the line telling the
    recipient why they receive it."""
    deadline = delivery.deadline
    program = program_of(deadline)
    kind = delivery.recipient.partition(":")[0]
    if kind == "subscriber":
        subscription = delivery.subscription
        if subscription is None or not subscription.is_active:
            return "The subscription was cancelled.", ""
        # A cycle's subscribers get only that cycle's deadlines: its cycle is the deadline's.
        scope = deadline.cycle if subscription.cycle_id else program.name
        return "", f"You subscribed to deadline reminders of {scope}."
    if kind == "person":
        if delivery.person is None or delivery.person.reminders_opt_out:
            return "The person unsubscribed from reminders.", ""
        if deadline.award_id:
            return "", f"You are an investigator of award {deadline.award.award_number}."  # type: ignore[union-attr]
        if deadline.kind == Deadline.Kind.REVIEW_DUE:
            if not review_owed(deadline=deadline, person_id=delivery.person.pk):
                return "The review was submitted, or is no longer asked for.", ""
            return "", f"You are a reviewer of proposals to {deadline.cycle}."
        return "", f"You are an investigator on a proposal to {deadline.cycle}."
    return "", f"You are program staff of {program.name}."


# --- Changes, re-sends, unsubscribing -------------------------------------------


def deadline_moved(*, deadline: Deadline, now: dt.datetime | None = None) -> int:
    """After ``deadline`` moved: a notice to everyone already reminded of it (reminders not
    yet sent simply follow the new time). Returns how many notices were created."""
    now = now or timezone.now()
    told = (
        ReminderDelivery.objects.filter(
            deadline=deadline, kind=Delivery.Kind.REMINDER, state=Delivery.State.SENT
        )
        .order_by("recipient", "-sent_at")
        .values_list("recipient", "email", "time_zone", "due_at", "person_id", "subscription_id")
    )
    notices: dict[str, ReminderDelivery] = {}
    for recipient, email, zone, was, person_id, subscription_id in told:
        if recipient in notices:
            continue
        due = deadline.due_at_in(zoneinfo.ZoneInfo(zone))
        if due == was or due <= now:
            continue
        notices[recipient] = ReminderDelivery(
            deadline=deadline,
            kind=Delivery.Kind.CHANGED,
            recipient=recipient,
            email=email,
            person_id=person_id,
            subscription_id=subscription_id,
            time_zone=zone,
            due_at=due,
            send_at=now,
        )
    ReminderDelivery.objects.bulk_create(notices.values(), ignore_conflicts=True)
    if notices:
        reminders_scan_soon()
    return len(notices)


def delivery_resend(*, delivery: ReminderDelivery) -> None:
    """Staff asked to send this delivery again; it goes out with a new Message-ID."""
    if delivery.state == Delivery.State.PENDING:
        raise DomainError(f"The {delivery} is already on its way.")
    now = timezone.now()
    with transaction.atomic():
        ReminderDelivery.objects.filter(pk=delivery.pk).update(
            state=Delivery.State.PENDING,
            resends=F("resends") + 1,
            queued_at=now,
            last_error="",
            updated_at=now,
        )
        pk = delivery.pk
        deliveries_queue_after_commit([pk])


def recipient_unsubscribe(*, token: str) -> str:
    """Stop reminders to whoever ``token`` names; returns what was stopped, for the page."""
    recipient = mail.unsubscribe_recipient(token)
    kind, _, pk = recipient.partition(":")
    now = timezone.now()
    with transaction.atomic():
        if kind == "subscriber":
            subscription = ReminderSubscription.objects.filter(pk=pk).first()
            if subscription is None:
                raise DomainError("This subscription no longer exists.")
            ReminderSubscription.objects.filter(pk=pk, unsubscribed_at__isnull=True).update(
                unsubscribed_at=now
            )
            what = f"reminders of {subscription.cycle or subscription.program}"
        elif kind == "person":
            Person.objects.filter(pk=pk).update(reminders_opt_out=True)
            what = "deadline reminders"
        else:
            raise DomainError("This unsubscribe link is not valid.")
        ReminderDelivery.objects.filter(recipient=recipient, state=Delivery.State.PENDING).update(
            state=Delivery.State.CANCELLED, last_error="Unsubscribed.", updated_at=now
        )
    return what
