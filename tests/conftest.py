"""Shared pytest fixtures."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test.utils import CaptureQueriesContext

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

    cache.clear()


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


@pytest.fixture
def celery_worker_process(transactional_db: None) -> Iterator[str]:
    """A real Celery worker process on the configured broker and the test database.

    Yields the name of a queue only this worker consumes. Tasks published during the
    test without a queue of their own go there too, so no other worker takes them.
    """
    import os
    import subprocess
    import sys
    import uuid
    from pathlib import Path

    from fairprog.celery import app as celery_app

    queue = f"test-{uuid.uuid4().hex[:12]}"
    env = {**os.environ, "DATABASE_URL": _worker_database_url()}
    log = Path(os.environ.get("FAIRPROG_VAR_DIR", "var")) / f"worker-{queue}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "fairprog",
                "worker",
                "--pool=solo",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                f"--queues={queue}",
                "--loglevel=INFO",
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    default_queue = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue
    try:
        yield queue
    finally:
        celery_app.conf.task_default_queue = default_queue
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        log.unlink(missing_ok=True)


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
