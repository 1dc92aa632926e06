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


@pytest.fixture
def staff_user(db: None) -> User:
    user = User.objects.create_user("officer", "officer@example.org", "pw", is_staff=True)
    user.groups.add(Group.objects.get(name=STAFF_GROUP))
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
def _no_leaked_timezone() -> Iterator[None]:
    from django.utils import timezone

    yield
    timezone.deactivate()
