"""The tasks Celery beat runs: each calls one service with no arguments and keeps no result.

Beat's work is a list of such steps (sweep the links, scan the reminders, export the open
data, …); declaring each with ``beat_task`` keeps an app's tasks module a list of which
service runs under which name, rather than a run of identical little functions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from celery import Task, shared_task

# Between the soft limit (the task is asked to stop) and the hard one (its worker is killed).
GRACE_SECONDS = 5 * 60


def beat_task(
    name: str, service: Callable[[], object], *, soft_time_limit: int | None = None
) -> Task[[], None]:
    """Register the task ``name`` that runs ``service``.

    ``name`` is the task's full dotted name, as the beat schedule (CELERY_BEAT_SCHEDULE)
    and fairprog.queueing send it: the function is made here, so its own module and name
    would not say it. A long step gets ``soft_time_limit`` seconds, then GRACE_SECONDS more
    before its worker is stopped."""

    def run() -> None:
        service()

    run.__module__, _, run.__name__ = name.rpartition(".")
    run.__qualname__ = run.__name__
    run.__doc__ = service.__doc__
    limits: dict[str, Any] = {}
    if soft_time_limit is not None:
        limits = {
            "soft_time_limit": soft_time_limit,
            "time_limit": soft_time_limit + GRACE_SECONDS,
        }
    return shared_task(name=name, ignore_result=True, **limits)(run)
