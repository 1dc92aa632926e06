"""Shared pytest fixtures."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fairprog.catalogue_version import catalogue_version
from tests.chromium import browser  # noqa: F401  (the one Chromium of the run)

STAFF_GROUP = "Program staff"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (DATABASE_URL); this run uses SQLite")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


def program_staff_group() -> Group:
    """The group the migrations create; rebuilt when a transactional test flushed it."""
    group = Group.objects.filter(name=STAFF_GROUP).first()
    if group is None:
        from django.contrib.auth.models import Permission

        group = Group.objects.create(name=STAFF_GROUP)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label__in=["proposals", "artifacts"])
        )
    return group


@pytest.fixture
def staff_user(db: None) -> User:
    user = User.objects.create_user("officer", "officer@example.org", "pw", is_staff=True)
    user.groups.add(program_staff_group())
    return user


@pytest.fixture
def staff_client(client, staff_user: User):
    client.force_login(staff_user)
    return client


@pytest.fixture
def count_queries() -> Callable[[Callable[[], object]], int]:
    """Run a callable and return how many SQL queries it made."""

    def run(action: Callable[[], object]) -> int:
        with CaptureQueriesContext(connection) as ctx:
            action()
        return len(ctx.captured_queries)

    return run


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    from django.core.cache import cache

    from proposals.services import reminders

    cache.clear()
    reminders._owners.clear()  # the send's per-process cache of cycles and awards


@pytest.fixture(autouse=True)
def _no_leaked_timezone() -> Iterator[None]:
    from django.utils import timezone

    yield
    timezone.deactivate()


def _worker_database_url() -> str:
    """A DATABASE_URL naming the test database, for processes started by a test."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = settings.get("USER") or ""
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    host = settings.get("HOST") or "localhost"
    port = f":{settings['PORT']}" if settings.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{settings['NAME']}"


class Workers:
    """Real Celery worker processes on the configured broker and the test database,
    consuming a queue of their own; tests may kill them mid-work and start them again."""

    def __init__(self, queue: str) -> None:
        self.queue = queue
        self._running: list[Any] = []

    def start(self, *, concurrency: int = 1, env: dict[str, str] | None = None) -> Any:
        import os
        import subprocess
        import sys

        pool = ["--pool=solo"] if concurrency == 1 else ["--pool=prefork", f"-c{concurrency}"]
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed with the process
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "fairprog",
                "worker",
                *pool,
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                f"--queues={self.queue}",
                "--loglevel=INFO",
            ],
            env={**os.environ, "DATABASE_URL": _worker_database_url(), **(env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so a kill takes the children too
        )
        worker.log = log  # type: ignore[attr-defined]
        self._running.append(worker)
        return worker

    @property
    def log_path(self) -> Any:
        import os
        from pathlib import Path

        path = Path(os.environ.get("FAIRPROG_VAR_DIR", "var")) / f"worker-{self.queue}.log"
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def kill(self) -> None:
        """SIGKILL every worker process: no shutdown, no acknowledgement, nothing saved."""
        import os
        import signal

        for worker in self._running:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
            worker.log.close()
        self._running.clear()

    def stop(self) -> None:
        import os
        import signal
        import subprocess

        for worker in self._running:
            try:
                os.killpg(worker.pid, signal.SIGTERM)
                worker.wait(timeout=20)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait()
            worker.log.close()
        self._running.clear()


@pytest.fixture
def celery_workers(transactional_db: None) -> Iterator[Workers]:
    """Start real workers with ``celery_workers.start()``. Tasks published during the test
    without a queue of their own go to the workers' queue, so no other worker takes them."""
    import uuid

    from fairprog.celery import app as celery_app

    workers = Workers(f"test-{uuid.uuid4().hex[:12]}")
    default_queue = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = workers.queue
    try:
        yield workers
    finally:
        celery_app.conf.task_default_queue = default_queue
        workers.stop()
        workers.log_path.unlink(missing_ok=True)


@pytest.fixture
def celery_worker_process(celery_workers: Workers) -> str:
    """One real worker; yields the name of the queue only it consumes."""
    celery_workers.start()
    return celery_workers.queue


@pytest.fixture
def smtp_sink() -> Iterator[Any]:
    """A real SMTP server on loopback that files what it receives by Message-ID."""
    from tests.mailsink import MailSink

    sink = MailSink().start()
    try:
        yield sink
    finally:
        sink.stop()


def wait_until(
    predicate: Callable[[], bool], *, timeout: float = 60, interval: float = 0.2
) -> bool:
    """Poll ``predicate`` until it holds or ``timeout`` seconds pass; return whether it held."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


@pytest.fixture
def catalogue_moves_after_commit(
    django_capture_on_commit_callbacks: Any,
) -> Callable[[Callable[[], object]], None]:
    """Checks that a write moves the catalogue version when its transaction commits, not
    before (a reader racing the write could otherwise cache counts from before it)."""

    def check(write: Callable[[], object]) -> None:
        before = catalogue_version()
        with django_capture_on_commit_callbacks(execute=True):
            write()
            assert catalogue_version() == before, "moved before the commit"
        assert catalogue_version() != before, "not moved after the commit"

    return check
