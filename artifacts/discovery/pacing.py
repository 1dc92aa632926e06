"""How fast discovery asks: a per-source limiter that keeps every window of a second within the
rate an index publishes, and the wait a ``Retry-After`` header asks for."""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
from collections import deque

# Request start times on this machine and arrival times at the index differ by network
# jitter; counting a window a little longer than a second keeps the index's count in bounds.
WINDOW_MARGIN = 0.05
LATE_CREDIT = 0.005  # seconds


class RateLimiter:
    """At most ``rate`` request starts in any window of a second, ``burst`` back to back.

    A sliding log of recent starts is the guarantee (a token bucket alone lets ``burst +
    rate`` through in a second); the bucket spaces requests out within the window."""

    def __init__(self, *, rate: float, burst: int = 1, margin: float = WINDOW_MARGIN) -> None:
        if rate <= 0:
            raise ValueError(f"A source's rate must be above 0 requests per second, not {rate}.")
        if rate >= 1:
            self.limit, self.window = int(rate), 1.0 + margin
        else:
            self.limit, self.window = 1, 1.0 / rate + margin
        self.rate = rate
        self.burst = max(1, min(burst, self.limit))
        self.tokens = float(self.burst)
        # A turn taken late (the event loop wakes up a little after the sleep) keeps that
        # little time as credit, or at high rates every turn would push the next ones back.
        self.credit = min(0.5, LATE_CREDIT * rate)
        self.refilled: float | None = None
        self.starts: deque[float] = deque()
        self.paused_until = 0.0
        self.lock = asyncio.Lock()

    async def acquire(self) -> None:
        """Wait for this source's turn; the lock makes waiters go first come, first served."""
        loop = asyncio.get_running_loop()
        async with self.lock:
            while (wait := self._wait(loop.time())) > 0:
                await asyncio.sleep(wait)
            self.starts.append(loop.time())
            self.tokens -= 1

    def pause(self, seconds: float) -> None:
        """No request to this source starts for ``seconds`` (a Retry-After)."""
        until = asyncio.get_running_loop().time() + seconds
        self.paused_until = max(self.paused_until, until)

    def _wait(self, now: float) -> float:
        if self.refilled is not None:
            refill = (now - self.refilled) * self.rate
            self.tokens = min(self.burst + self.credit, self.tokens + refill)
        self.refilled = now
        while self.starts and self.starts[0] <= now - self.window:
            self.starts.popleft()
        waits = [self.paused_until - now]
        if len(self.starts) >= self.limit:
            waits.append(self.starts[0] + self.window - now)
        if self.tokens < 1:
            waits.append((1 - self.tokens) / self.rate)
        return max(waits)


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds a Retry-After header asks for: a number of seconds, or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())
