"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, like a mailbox.

A mailbox files a message once per Message-ID, as mail stores do; every transmission is
also counted, so a test can tell a message sent twice from one delivered twice.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections import Counter
from email import message_from_bytes
from email.message import Message
from typing import Any, TextIO

from aiosmtpd.controller import Controller


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _Handler:
    def __init__(self, sink: MailSink) -> None:
        self.sink = sink

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.sink.receive(message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


class MailSink:
    def __init__(self, *, port: int | None = None, log: TextIO | None = None) -> None:
        """``log``, if given, gets a line per transmission: Message-ID, tab, Unix time
        (so another process can follow what arrives)."""
        self._log = log
        self._lock = threading.Lock()
        self.transmissions: Counter[str] = Counter()
        self.mailbox: dict[str, Message] = {}
        self.first_at: float | None = None  # time.perf_counter() of the first and last arrival
        self.last_at: float | None = None
        self._controller = Controller(
            _Handler(self), hostname="127.0.0.1", port=port or _free_port()
        )

    def start(self) -> MailSink:
        # aiosmtpd logs every SMTP command at INFO: thousands of lines for a batch.
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    @property
    def port(self) -> int:
        return int(self._controller.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def receive(self, message: Message) -> None:
        message_id = str(message["Message-ID"])
        with self._lock:
            self.transmissions[message_id] += 1
            self.mailbox.setdefault(message_id, message)
            self.last_at = time.perf_counter()
            if self.first_at is None:
                self.first_at = self.last_at
            if self._log is not None:
                self._log.write(f"{message_id}\t{time.time()}\n")
                self._log.flush()

    @property
    def received(self) -> int:
        with self._lock:
            return len(self.mailbox)

    @property
    def retransmitted(self) -> int:
        """Messages that came more than once (the same Message-ID)."""
        with self._lock:
            return sum(n - 1 for n in self.transmissions.values())
