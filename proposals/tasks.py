"""Celery tasks of the proposals app: beat's steps, and thin wrappers that load by id and call a
service."""

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings

from fairprog.beat import beat_task
from proposals.services import import_runs, reminders, subscriptions

import_runs_recover_task = beat_task(
    "proposals.tasks.import_runs_recover_task", import_runs.import_runs_recover
)
reminders_scan_task = beat_task("proposals.tasks.reminders_scan_task", reminders.reminders_scan)


@shared_task(
    ignore_result=True,
    # A large file takes longer than the default task limits; a run cut short is failed.
    soft_time_limit=3 * 60 * 60,
    time_limit=3 * 60 * 60 + 300,
)
def import_run_execute_task(run_id: int) -> None:
    # Not acks_late: a run whose worker dies is marked interrupted by the recovery pass
    # (its heartbeat stops) and run again by staff, never replayed by the broker.
    import_runs.import_run_execute(run_id=run_id)


@shared_task(
    bind=True,
    ignore_result=True,
    # Acknowledged only once done, and redelivered if the worker dies: safe because the
    # send claims its row first, so a second run of the same task sends nothing.
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=60,
    time_limit=90,
)
def reminder_send_task(self, delivery_id: int) -> None:  # type: ignore[no-untyped-def]
    try:
        reminders.reminder_deliver(delivery_id=delivery_id)
    except reminders.TransientDeliveryError as exc:
        if self.request.retries >= settings.REMINDER_MAX_RETRIES:
            reminders.reminder_give_up(delivery_id=delivery_id, error=str(exc))
            return
        countdown = get_exponential_backoff_interval(
            factor=30, retries=self.request.retries, maximum=3600, full_jitter=True
        )
        raise self.retry(exc=exc, countdown=countdown, max_retries=None) from exc


@shared_task(
    ignore_result=True,
    # Connection trouble and SMTP errors (OSError subclasses) pass; the send is skipped
    # once the subscription is confirmed, so a retry never confirms twice.
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_backoff_max=1800,
    retry_jitter=True,
    max_retries=5,
)
def subscription_confirmation_send_task(subscription_id: int) -> None:
    subscriptions.subscription_confirmation_send(subscription_id=subscription_id)
