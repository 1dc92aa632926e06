"""A real Redis broker on a free loopback port, which a test starts when it chooses."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator

import pytest


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RedisBroker:
    """Until ``start()``, nothing listens on its port: a broker that is down."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> RedisBroker:
        self._process = subprocess.Popen(
            [
                *("redis-server", "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--daemonize", "no"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def queue_length(self, queue: str) -> int:
        import redis

        return int(redis.Redis(port=self.port).llen(queue))

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)
            self._process = None


@pytest.fixture
def redis_broker(monkeypatch: pytest.MonkeyPatch) -> Iterator[RedisBroker]:
    """A broker this test's process publishes to (Celery reads CELERY_BROKER_URL first);
    down until the test calls ``start()``. Workers must be given ``broker.url``."""
    broker = RedisBroker()
    monkeypatch.setenv("CELERY_BROKER_URL", broker.url)
    try:
        yield broker
    finally:
        broker.stop()
