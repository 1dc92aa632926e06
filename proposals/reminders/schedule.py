"""When reminders fall due, and how a time is worded in one: pure rules, no database.

A deadline is reminded of at offsets (days before it); the instant is the deadline in
the recipient's zone, so one deadline falls due at different instants for different
people. A scan that comes late sends only the latest offset whose time has come.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable

# Deadlines that passed this long ago are no longer looked at (their unsent reminders are
# recorded as missed within this time).
LOOKBACK = dt.timedelta(days=2)
HORIZON = dt.timedelta(days=366)  # the largest offset is 365 days
# A deadline in local time falls up to a day either side of its reference instant.
_LOCAL_SPREAD = dt.timedelta(days=1)


def scan_window(now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The reference instants (``due_at``) of the deadlines a scan at ``now`` looks at."""
    return now - LOOKBACK - _LOCAL_SPREAD, now + HORIZON + _LOCAL_SPREAD


def offsets_due(
    *, due: dt.datetime, offsets: Iterable[int], now: dt.datetime
) -> list[tuple[int, str]]:
    """The offsets whose time has come by ``now`` for a deadline due at ``due``, largest
    first, each with "" for the one to send or the reason it is recorded as missed: an
    earlier offset that never went out (everything was down, or the deadline was entered
    late), or any once the deadline has passed. Nothing once it is LOOKBACK past."""
    if due <= now - LOOKBACK:
        return []
    passed = [
        days for days in sorted(offsets, reverse=True) if due - dt.timedelta(days=days) <= now
    ]
    if not passed:
        return []
    latest = min(passed)
    due_offsets = []
    for days in passed:
        if due <= now:
            missed = "The deadline passed before it was sent."
        elif days != latest:
            missed = f"Its time passed unsent; the {latest}-day reminder went instead."
        else:
            missed = ""
        due_offsets.append((days, missed))
    return due_offsets


def local_time_text(instant: dt.datetime, zone: zoneinfo.ZoneInfo) -> str:
    """``instant`` as a reader in ``zone`` says it: "Saturday 13 July 2030, 5:00 p.m. EDT"."""
    local = instant.astimezone(zone)
    hour = local.hour % 12 or 12
    clock = f"{hour}:{local.minute:02d} {'a.m.' if local.hour < 12 else 'p.m.'}"
    return f"{local:%A} {local.day} {local:%B %Y}, {clock} {local:%Z}"


def time_left_text(days: float) -> str:
    """How long is left, as a subject line says it: "in 7 days", "in 5 hours"."""
    if days >= 1.5:
        return f"in {round(days)} days"
    hours = max(1, round(days * 24))
    return "in 1 hour" if hours == 1 else f"in {hours} hours"
