"""Public subscriptions to deadline reminders: the request, the confirmation e-mail and
confirming it (double opt-in)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from fairprog import queueing
from fairprog.errors import DomainError
from fairprog.mail import templated_message
from proposals.models import Cycle, Program, ReminderSubscription
from proposals.models.fields import validate_time_zone
from proposals.validators import normalize_email

logger = logging.getLogger(__name__)

CONFIRM_SALT = "fairprog.reminders.confirm"
# A second confirmation e-mail only after this long, so the form cannot flood an inbox.
RESEND_AFTER = dt.timedelta(minutes=5)


def subscription_request(
    *, email: str, program: Program, cycle: Cycle | None, time_zone: str = ""
) -> ReminderSubscription:
    """Ask for reminders of ``program``'s public deadlines (or of ``cycle``'s only).

    Sends a confirmation link unless the subscription is already active or a link went out
    less than five minutes ago. The caller learns nothing about which case applied, so the
    page after the form cannot tell anyone whether an address is subscribed.
    """
    zone = time_zone.strip()
    errors: dict[str, list[str]] = {}
    address = ""
    try:
        # Before anything counts or compares it: one mailbox, one spelling.
        address = normalize_email(email)
        EmailValidator()(address)
    except ValidationError as exc:
        errors["email"] = exc.messages
    if zone:
        try:
            validate_time_zone(zone)
        except ValidationError as exc:
            errors["time_zone"] = exc.messages
    if cycle is not None and cycle.program_id != program.pk:
        errors["cycle"] = [f"{cycle} is not a cycle of {program.name}."]
    if errors:
        raise DomainError(
            "The subscription was not made: "
            + " ".join(message for messages in errors.values() for message in messages),
            errors=errors,
        )

    now = timezone.now()
    with transaction.atomic():
        subscription = _subscription_for_update(address, program, cycle)
        if subscription is None:
            try:
                with transaction.atomic():
                    subscription = ReminderSubscription.objects.create(
                        email=address, program=program, cycle=cycle, time_zone=zone
                    )
            except IntegrityError:
                # A concurrent request for the same address created it first.
                subscription = _subscription_for_update(address, program, cycle)
                if subscription is None:
                    raise
        if subscription.is_active:
            # Changing an active subscription would need the owner's confirmation; a
            # stranger who knows the address must not be able to move its time zone.
            return subscription
        previous = subscription.confirmation_sent_at
        if previous is not None and now - previous < RESEND_AFTER:
            return subscription
        # Re-requested after unsubscribing: reminders resume only once confirmed again.
        subscription.unsubscribed_at = None
        subscription.confirmed_at = None
        subscription.time_zone = zone
        # Marked now, under the row lock, so two requests in quick succession queue one
        # e-mail; the send records the time it actually went out.
        subscription.confirmation_sent_at = now
        subscription.save(
            update_fields=["unsubscribed_at", "confirmed_at", "time_zone", "confirmation_sent_at"]
        )
        pk = subscription.pk
        _confirmation_queue(pk, marked=now, previous=previous)
    return subscription


def _subscription_for_update(
    address: str, program: Program, cycle: Cycle | None
) -> ReminderSubscription | None:
    rows = ReminderSubscription.objects.select_for_update().filter(
        email__iexact=address, program=program
    )
    rows = rows.filter(cycle=cycle) if cycle is not None else rows.filter(cycle__isnull=True)
    return rows.order_by("pk").first()


def _confirmation_queue(pk: int, *, marked: dt.datetime, previous: dt.datetime | None) -> None:
    def unmark() -> None:
        # Nothing was sent, so the five-minute wait must not apply to the next request
        # (the person may simply ask again).
        ReminderSubscription.objects.filter(pk=pk, confirmation_sent_at=marked).update(
            confirmation_sent_at=previous
        )

    queueing.queue_after_commit(
        "proposals.tasks.subscription_confirmation_send_task",
        (pk,),
        what=f"the confirmation e-mail of subscription {pk}",
        on_failure=unmark,
    )


def subscription_confirmation_send(*, subscription_id: int) -> None:
    """E-mail the confirmation link. Nothing is sent for a subscription that is gone or
    already active (a task that ran twice, or a person who confirmed in between)."""
    subscription = (
        ReminderSubscription.objects.select_related("program", "cycle")
        .filter(pk=subscription_id)
        .first()
    )
    if subscription is None or subscription.is_active:
        return
    scope = str(subscription.cycle) if subscription.cycle else subscription.program.name
    context: dict[str, Any] = {
        "scope": scope,
        "program": subscription.program,
        "cycle": subscription.cycle,
        "confirm_url": settings.SITE_URL
        + reverse("reminders:confirm", args=[confirmation_token(subscription)]),
        "hours": settings.REMINDER_CONFIRMATION_HOURS,
        "time_zone": subscription.time_zone or subscription.program.time_zone,
        "site_url": settings.SITE_URL,
    }
    message = templated_message(
        template="proposals/email/subscription_confirm",
        context=context,
        subject=f"Confirm your deadline reminders for {scope}",
        to=[subscription.email],
    )
    message.send()
    ReminderSubscription.objects.filter(pk=subscription.pk).update(
        confirmation_sent_at=timezone.now()
    )


def _address_digest(email: str) -> str:
    # The token carries a keyed digest of the address rather than the address itself:
    # signed values are only base64-encoded, and links end up in logs and browser history.
    return salted_hmac(CONFIRM_SALT, email.strip().lower()).hexdigest()[:24]


def confirmation_token(subscription: ReminderSubscription) -> str:
    """The signed token of a confirmation link: the subscription and its address."""
    return signing.dumps(
        {"s": subscription.pk, "e": _address_digest(subscription.email)}, salt=CONFIRM_SALT
    )


def subscription_for_confirmation(*, token: str) -> ReminderSubscription:
    """The subscription a confirmation link names, without confirming it (the page shown
    before the button); raises DomainError for a link that is expired, altered or stale."""
    return _confirmation_subscription(token, lock=False)


def subscription_confirm(*, token: str) -> ReminderSubscription:
    """Activate the subscription a confirmation link names; confirming twice is harmless."""
    with transaction.atomic():
        subscription = _confirmation_subscription(token, lock=True)
        if subscription.confirmed_at is None:
            subscription.confirmed_at = timezone.now()
        subscription.unsubscribed_at = None
        subscription.save(update_fields=["confirmed_at", "unsubscribed_at"])
    return subscription


def _confirmation_subscription(token: str, *, lock: bool) -> ReminderSubscription:
    try:
        data = signing.loads(
            token, salt=CONFIRM_SALT, max_age=settings.REMINDER_CONFIRMATION_HOURS * 3600
        )
    except signing.SignatureExpired as exc:
        raise DomainError(
            "This confirmation link has expired; subscribe again to get a new one."
        ) from exc
    except signing.BadSignature as exc:
        raise DomainError(
            "This confirmation link is not valid; it may be incomplete. Copy the whole link "
            "from the e-mail, or subscribe again to get a new one."
        ) from exc
    gone = DomainError(
        "This confirmation link belongs to a subscription that no longer exists; "
        "subscribe again to get a new one."
    )
    pk = data.get("s") if isinstance(data, dict) else None
    if not isinstance(pk, int):
        raise gone
    rows = ReminderSubscription.objects.select_related("program", "cycle")
    if lock:
        rows = rows.select_for_update(of=("self",))
    subscription = rows.filter(pk=pk).first()
    if subscription is None or not constant_time_compare(
        _address_digest(subscription.email), str(data.get("e", ""))
    ):
        raise gone
    return subscription
