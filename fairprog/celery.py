"""The Celery application, configured from Django settings (``CELERY_*``)."""

import os
import time
from typing import Any

from celery import Celery
from celery.signals import task_postrun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fairprog.settings")

app = Celery("fairprog")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_postrun.connect
def _drop_broken_or_expired_connections(task: Any = None, **kwargs: Any) -> None:
    # With CELERY_DB_REUSE_MAX the worker keeps database connections between tasks. Drop
    # one that failed (a database restart) or outlived CONN_MAX_AGE; checking every
    # connection before every task would cost a round trip per task.
    from django.db import connections

    if task is not None and getattr(task.request, "is_eager", False):
        return  # run inline by the caller, whose connection this is
    for connection in connections.all(initialized_only=True):
        expired = connection.close_at is not None and time.monotonic() >= connection.close_at
        if connection.errors_occurred or expired:
            connection.close_if_unusable_or_obsolete()
