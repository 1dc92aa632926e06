"""What the discovery tests share: a loopback stand-in for the scholarly indexes that serves
recorded bodies and records every request it receives."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from aiohttp import web


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Seen:
    at: float  # time.monotonic() on arrival
    path_qs: str
    headers: dict[str, str]


class StandIn:
    """An index on loopback, in a thread of its own; ``route`` decides every answer."""

    def __init__(self) -> None:
        self.seen: list[Seen] = []
        self.route: Callable[[web.Request, int], Answer] = lambda request, count: Answer(404)
        self.origin = ""
        self.loop = asyncio.new_event_loop()
        self.runner: web.AppRunner | None = None
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def start(self) -> None:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(timeout=10)

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_route("GET", "/{tail:.*}", self._handle)
        self.runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        host, port = self.runner.addresses[0][:2]
        self.origin = f"http://{host}:{port}"

    async def _handle(self, request: web.Request) -> web.Response:
        self.seen.append(Seen(time.monotonic(), request.path_qs, dict(request.headers)))
        answer = self.route(request, len(self.seen))
        if answer.delay:
            await asyncio.sleep(answer.delay)
        # The stand-in answers for the indexes, so their own addresses in a body are its own.
        body = answer.body.replace(b"https://api.stage.datacite.org", self.origin.encode())
        body = body.replace(b"https://api.datacite.org", self.origin.encode())
        return web.Response(status=answer.status, body=body, headers=answer.headers)

    def stop(self) -> None:
        if self.runner is not None:
            asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


@pytest.fixture
def index() -> Iterator[StandIn]:
    stand_in = StandIn()
    stand_in.start()
    yield stand_in
    stand_in.stop()
