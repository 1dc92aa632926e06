"""Reminder e-mail: the message for one delivery, its Message-ID, the signed unsubscribe
link it carries, and the SMTP connection a worker keeps open between messages.

Nothing here decides whether a reminder goes out; the delivery service does, then builds
the message here and sends it through ``send``.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import threading
import zoneinfo
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.urls import reverse

from fairprog.errors import DomainError
from fairprog.mail import templated_message
from proposals.models import Deadline, ReminderDelivery
from proposals.reminders.schedule import local_time_text, time_left_text

logger = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "fairprog.reminders.unsubscribe"

# --- The connection -------------------------------------------------------------

_mailer = threading.local()  # one SMTP connection per worker thread (or process)


def send(message: EmailMultiAlternatives) -> None:
    """Send through Django's e-mail backend on a connection kept open between messages;
    a connection the server closed is opened again once."""
    for attempt in (1, 2):
        connection: BaseEmailBackend | None = getattr(_mailer, "connection", None)
        if connection is None:
            connection = _mailer.connection = get_connection(fail_silently=False)
            connection.open()
        try:
            connection.send_messages([message])
            return
        except smtplib.SMTPServerDisconnected:
            close_connection()
            if attempt == 2:
                raise
        except OSError:
            close_connection()
            raise


def close_connection() -> None:
    """Drop this thread's connection; the next ``send`` opens one with the backend the
    settings name then."""
    connection = getattr(_mailer, "connection", None)
    _mailer.connection = None
    if connection is not None:
        try:
            connection.close()
        except Exception:  # the connection is being dropped anyway
            logger.debug("Closing the SMTP connection failed", exc_info=True)


# --- The message ----------------------------------------------------------------


def reminder_message(
    delivery: ReminderDelivery,
    *,
    due: dt.datetime,
    now: dt.datetime,
    why: str,
    was_due: dt.datetime | None = None,
) -> EmailMultiAlternatives:
    """The e-mail of ``delivery``: a reminder of the deadline due at ``due`` (in the
    recipient's zone), or the notice that it moved from ``was_due``. ``why`` tells the
    recipient why they receive it."""
    deadline = delivery.deadline
    zone = zoneinfo.ZoneInfo(delivery.time_zone)
    name = deadline.label or deadline.get_kind_display()
    owner = deadline.cycle or deadline.award
    recipient_kind = delivery.recipient.partition(":")[0]
    if deadline.kind == Deadline.Kind.REVIEW_DUE and recipient_kind == "person":
        page = settings.SITE_URL + reverse("my:reviews")  # the reviewer's own assignments
    elif deadline.cycle_id:
        page = f"{settings.SITE_URL}{reverse('artifacts:cycle-list')}#cycle-{deadline.cycle_id}"
    else:
        page = settings.SITE_URL + reverse(
            "artifacts:project-detail",
            args=[deadline.award.award_number],  # type: ignore[union-attr]
        )
    unsubscribe = (
        settings.SITE_URL
        + reverse("reminders:unsubscribe", args=[unsubscribe_token(delivery.recipient)])
        if recipient_kind in ("subscriber", "person")
        else ""
    )
    days_left = (due - now).total_seconds() / 86400
    context: dict[str, Any] = {
        "delivery": delivery,
        "deadline": deadline,
        "name": name,
        "owner": owner,
        "due_local": local_time_text(due, zone),
        "due_utc": f"{due.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC",
        "zone": delivery.time_zone,
        "local_rule": deadline.time_rule == Deadline.TimeRule.SUBMITTER_LOCAL,
        "rule": deadline.rule_text,
        "left": time_left_text(days_left),
        "page_url": page,
        "unsubscribe_url": unsubscribe,
        "why": why,
    }
    if delivery.kind == ReminderDelivery.Kind.CHANGED:
        context["was_local"] = local_time_text(was_due, zone) if was_due else ""
        subject = f"Deadline changed: {name}, {owner}"
        template = "deadline_changed"
    else:
        subject = f"Reminder: {name}, {owner}, due {context['left']}"
        template = "reminder"
    headers = {"Message-ID": message_id(delivery.kind, delivery.pk, delivery.resends)}
    if unsubscribe:
        headers["List-Unsubscribe"] = f"<{unsubscribe}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return templated_message(
        template=f"proposals/email/{template}",
        context=context,
        subject=subject,
        to=[delivery.email],
        headers=headers,
    )


def message_id(kind: str, pk: int, resends: int = 0) -> str:
    """The Message-ID of a delivery: the same each time it is (re)transmitted, so a mail
    store files it once; a new one when staff send it again on purpose."""
    return f"<fairprog.{kind}.{pk}.{resends}@{_domain()}>"


def _domain() -> str:
    return urlsplit(settings.SITE_URL).hostname or "fairprog.invalid"


# --- The unsubscribe link -------------------------------------------------------


def unsubscribe_token(recipient: str) -> str:
    """The signed token of an unsubscribe link; it does not expire (old e-mails keep working)."""
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign(recipient)


def unsubscribe_recipient(token: str) -> str:
    """The recipient an unsubscribe link names; DomainError if the link was not issued here."""
    try:
        recipient = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign(token)
    except signing.BadSignature as exc:
        raise DomainError("This unsubscribe link is not valid; it may be incomplete.") from exc
    if recipient.partition(":")[0] not in ("subscriber", "person"):
        raise DomainError("This unsubscribe link is not valid.")
    return recipient
