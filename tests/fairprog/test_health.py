"""GET /healthz: database and broker state, with bounded timeouts."""

import socket
import time
from collections.abc import Callable, Iterator

import pytest

from fairprog.celery import app as celery_app

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker_url(monkeypatch) -> Iterator[Callable[[str], None]]:
    original = celery_app.conf.broker_url

    def point_at(url: str) -> None:
        # Celery reads CELERY_BROKER_URL from the environment before its own settings.
        monkeypatch.setenv("CELERY_BROKER_URL", url)
        celery_app.conf["broker_url"] = url

    yield point_at
    point_at(original)


def test_healthz_reports_database_and_broker_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}
    assert response["Cache-Control"].startswith("max-age=0")


def test_healthz_names_no_engine_or_transport_publicly(client):
    text = client.get("/healthz").content.decode().lower()
    for word in ("postgresql", "sqlite", "redis", "filesystem", "kombu", "detail"):
        assert word not in text


def test_healthz_gives_staff_the_details(staff_client):
    from django.db import connection

    body = staff_client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["details"]["database"] == connection.vendor
    assert body["details"]["broker"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_healthz_reports_a_refused_broker_as_503_without_saying_why(client, broker_url, caplog):
    broker_url(f"redis://127.0.0.1:{_free_port()}/0")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "broker": "unavailable"}
    # No infrastructure details and no exception class in public; the log has them.
    text = response.content.decode()
    assert "127.0.0.1" not in text
    assert "Error" not in text
    assert "Health check: broker unavailable" in caplog.text


def test_healthz_tells_staff_the_error_class_of_a_refused_broker(staff_client, broker_url):
    broker_url(f"redis://127.0.0.1:{_free_port()}/0")
    body = staff_client.get("/healthz").json()
    assert body["broker"] == "unavailable"
    assert body["details"]["broker"].endswith("Error")


def test_healthz_gives_up_on_a_broker_that_never_answers(client, broker_url):
    # A listener that accepts connections but never speaks: a hung broker.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        broker_url(f"redis://127.0.0.1:{silent.getsockname()[1]}/0")
        started = time.monotonic()
        response = client.get("/healthz")
        elapsed = time.monotonic() - started
    assert response.status_code == 503
    # Bounded, not hung: the check's own timeout is a few seconds.
    assert elapsed < 30


def test_healthz_refuses_other_methods(client):
    assert client.post("/healthz").status_code == 405
