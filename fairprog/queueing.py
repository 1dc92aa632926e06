"""The one way FairProg queues Celery work: after commit, never failing or stalling a request.

Every piece of background work is first recorded in the database (an import run stays
"queued", a reminder delivery "pending", a link "due"), so a message that could not be
published is not lost: a periodic task finds the record and queues it again. That is
why publishing here may give up quickly: one connection attempt, no publish retries,
timeouts of ``QUEUE_PUBLISH_TIMEOUT`` seconds, and a logged warning instead of an error.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from celery import Task
from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


def queue_after_commit(
    task: Task[Any, Any] | str,
    *arg_lists: Sequence[Any],
    what: str,
    on_failure: Callable[[], None] | None = None,
    **options: Any,
) -> None:
    """Publish ``task`` (a task, or its dotted name) once per argument list (once,
    without arguments, when none is given) when the current transaction commits, or at
    once outside a transaction.

    ``what`` names the work in the log; ``on_failure`` runs when nothing could be
    published (to undo a mark that would hold the work back). Never raises."""
    calls = [tuple(args) for args in arg_lists] or [()]
    transaction.on_commit(
        lambda: _publish(task, calls, what=what, on_failure=on_failure, options=options)
    )


def queue_once_after_commit(task: str, *, what: str) -> None:
    """queue_after_commit of a task without arguments, at most once per transaction: a
    transaction that changes six deadlines asks for one reminder scan, not six. What is
    already waiting for the commit is read from the connection's own list, so a rolled-back
    savepoint, which takes its callbacks with it, leaves no stale mark behind."""
    connection = transaction.get_connection()
    if any(getattr(call, "queues_once", None) == task for _, call, _ in connection.run_on_commit):
        return

    def publish() -> None:
        _publish(task, [()], what=what, on_failure=None, options={})

    publish.queues_once = task  # type: ignore[attr-defined]
    transaction.on_commit(publish)


def queue_now(
    task: Task[Any, Any] | str,
    *arg_lists: Sequence[Any],
    what: str,
    on_failure: Callable[[], None] | None = None,
    **options: Any,
) -> int:
    """Publish now, inside or outside a transaction (for periodic tasks and commands that
    have already committed what they queue). Returns how many messages were published."""
    calls = [tuple(args) for args in arg_lists] or [()]
    return _publish(task, calls, what=what, on_failure=on_failure, options=options)


def _task(task: Task[Any, Any] | str) -> Task[Any, Any]:
    """The task itself. Services name their tasks ("proposals.tasks.reminder_send_task")
    rather than import them, since the tasks modules import the services; the name is
    resolved only when publishing, so CELERY_TASK_ALWAYS_EAGER still applies."""
    if isinstance(task, str):
        resolved: Task[Any, Any] = import_string(task)
        return resolved
    return task


def _publish(
    task: Task[Any, Any] | str,
    calls: list[tuple[Any, ...]],
    *,
    what: str,
    on_failure: Callable[[], None] | None,
    options: dict[str, Any],
) -> int:
    published = 0
    try:
        task = _task(task)
        with _connection(task) as connection:
            for args in calls:
                # celery-types does not list apply_async's ``connection`` argument.
                task.apply_async(  # type: ignore[call-arg]
                    args=args, retry=False, connection=connection, **options
                )
                published += 1
    except Exception as exc:  # the broker's many connection errors, and any other
        logger.warning(
            "Broker unavailable: %s was not queued (%d of %d messages published; %s: %s). "
            "The work stays recorded, to be queued again later.",
            what,
            published,
            len(calls),
            type(exc).__name__,
            exc,
        )
        if on_failure is not None and not published:
            try:
                on_failure()
            except Exception:
                logger.exception("Undoing the mark of %s failed.", what)
    return published


def _connection(task: Task[Any, Any]) -> Any:
    """A connection of its own, made to fail fast: the pooled ones retry and wait for
    seconds, which is right for a worker and wrong for a web request."""
    timeout = settings.QUEUE_PUBLISH_TIMEOUT
    return task.app.connection_for_write(
        connect_timeout=timeout,
        transport_options={
            "max_retries": 0,
            "socket_connect_timeout": timeout,
            "socket_timeout": timeout,
            "retry_on_timeout": False,
        },
    )
