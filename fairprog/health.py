"""Health checks of the services FairProg depends on, with bounded timeouts."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.db import connection
from kombu import Connection

from fairprog.celery import app as celery_app

BROKER_CHECK_TIMEOUT_SECONDS = 3
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    detail: str  # what answered, or the error class: for the log and staff, never public

    @property
    def state(self) -> str:
        return "ok" if self.ok else "unavailable"


def health_report(*, details: bool = False) -> tuple[dict[str, Any], bool]:
    """The body /healthz answers, and whether everything is up.

    Anyone may ask, so the public answer is "ok" or "unavailable" per component: the
    database engine, the broker transport and an error's class would tell a stranger what
    to attack. ``details`` (for staff) adds them; failures are logged with their message.
    """
    checks = {"database": database_check(), "broker": broker_check()}
    healthy = all(check.ok for check in checks.values())
    body: dict[str, Any] = {
        "status": "ok" if healthy else "unavailable",
        **{name: check.state for name, check in checks.items()},
    }
    if details:
        body["details"] = {name: check.detail for name, check in checks.items()}
    return body, healthy


def database_check() -> CheckResult:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "down"; the log has the message
        logger.warning("Health check: database unavailable: %s", exc)
        return CheckResult(ok=False, detail=type(exc).__name__)
    return CheckResult(ok=True, detail=connection.vendor)


def broker_check(*, timeout: int = BROKER_CHECK_TIMEOUT_SECONDS) -> CheckResult:
    # Our own short timeouts, whatever the configured ones: a hung broker must
    # not hang the health check that is meant to report it.
    options = {
        **(celery_app.conf.broker_transport_options or {}),
        "socket_connect_timeout": timeout,
        "socket_timeout": timeout,
        "max_retries": 0,
    }
    try:
        with Connection(
            celery_app.conf.broker_url, connect_timeout=timeout, transport_options=options
        ) as conn:
            conn.ensure_connection(
                max_retries=1, interval_start=0, interval_step=0, timeout=timeout
            )
            # Opening a channel makes a round trip to the broker (PING on Redis).
            channel = conn.default_channel
            transport = f"{conn.transport.driver_name} ({type(channel).__module__})"
    except Exception as exc:  # kombu raises transport-specific errors
        # Hosts and ports stay in the log.
        logger.warning("Health check: broker unavailable: %s", exc)
        return CheckResult(ok=False, detail=type(exc).__name__)
    return CheckResult(ok=True, detail=str(transport))
