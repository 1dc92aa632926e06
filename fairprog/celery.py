"""The Celery application, configured from Django settings (``CELERY_*``).

Settings only name the folders of the embedded default (the on-disk broker's and beat's
schedule file, under ``FAIRPROG_VAR_DIR``); the processes that use them make them here,
so a fresh checkout needs no set-up step and reading settings writes nothing.
"""

import os
import time
from pathlib import Path
from typing import Any

from celery import Celery
from celery.beat import PersistentScheduler
from celery.signals import beat_init, before_task_publish, task_postrun, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fairprog.settings")

app = Celery("fairprog")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The on-disk transport's folders (kombu's filesystem transport writes into them but does
# not make them); other transports have none of these options.
BROKER_FOLDER_OPTIONS = ("data_folder_in", "data_folder_out", "processed_folder", "control_folder")


@worker_init.connect
@beat_init.connect
@before_task_publish.connect
def _make_broker_folders(**kwargs: Any) -> None:
    # Before a worker reads, beat answers control messages, or anyone sends a message:
    # a few mkdir calls are nothing beside writing the message file itself.
    options = app.conf.broker_transport_options or {}
    for option in BROKER_FOLDER_OPTIONS:
        if option in options:
            Path(options[option]).mkdir(parents=True, exist_ok=True)


class BeatScheduler(PersistentScheduler):
    """Celery beat's default scheduler, which also makes the folder of its schedule file."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The scheduler opens its schedule file while it is made.
        if filename := kwargs.get("schedule_filename"):
            Path(filename).parent.mkdir(parents=True, exist_ok=True)
        super().__init__(*args, **kwargs)


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
