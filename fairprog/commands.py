"""What FairProg's management commands share: their help text written once, as the command's
docstring, and the progress line of a long run."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand


class DocumentedCommand(BaseCommand):
    """A command whose ``manage.py help`` text is its docstring, so the reader of the code
    and the operator read the same words, kept in one place."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__doc__:
            cls.help = " ".join(cls.__doc__.split())


class ProgressLine:
    """Writes how many of ``total`` steps are done, the rate and the time left: at most once
    every ``seconds``, on every ``every``-th step, and always after the last one, so a long
    run shows it is alive without flooding the terminal."""

    def __init__(
        self, total: int, write: Callable[[str], object], *, seconds: float = 0.0, every: int = 1
    ) -> None:
        self.total, self.write = total, write
        self.seconds, self.every = seconds, every
        self.done = 0
        self.started = self.shown = time.monotonic()

    def advance(self) -> None:
        self.done += 1
        now = time.monotonic()
        last = self.done == self.total
        if not last and (self.done % self.every or now - self.shown < self.seconds):
            return
        self.shown = now
        elapsed = now - self.started
        rate = self.done / elapsed if elapsed else 0.0
        left = (self.total - self.done) / rate if rate else 0.0
        self.write(f"  {self.done:,}/{self.total:,} ({rate:,.0f}/s, about {left:,.0f} s left)")
