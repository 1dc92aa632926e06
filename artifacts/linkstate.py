"""How a link's checks become its state, and an artifact's health the worst of its links'
states: the rules alone, with no database (artifacts/services/links.py applies them to the
rows; artifacts/linkcheck.py makes the checks).

- A working answer makes the link ok, or redirected when it goes through a redirect. A DOI
  always redirects (doi.org to the landing page): reaching a page is its "ok".
- A site that refuses robots (blocked) says nothing about the link: it is blocked, and
  nothing counts as failed.
- A check made while the checker's own network was down (no_network) says nothing at all:
  the link keeps its state, its failures and its next check.
- Any other answer is a failure: the link is failing, and broken once it has failed
  ``broken_after`` times in a row over at least ``broken_hours``. A broken link stays broken
  until a check works.
- The next check comes after ``healthy_days`` (working or blocked) or ``failing_days``,
  spread by ±10 % so a catalogue checked in one sweep does not stay in lockstep.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace

from artifacts import linkcheck

# A link's states, as artifacts.models.LinkState stores them (with their labels).
UNCHECKED = "unchecked"
OK = "ok"
REDIRECTED = "redirected"
BLOCKED = "blocked"
FAILING = "failing"
BROKEN = "broken"
NONE = "none"  # the health of an artifact without any link; never a link's state

# An artifact's health is the worst of its links' states, in this order.
SEVERITY = {OK: 0, REDIRECTED: 1, UNCHECKED: 2, BLOCKED: 3, FAILING: 4, BROKEN: 5}


def health_of(states: Iterable[str]) -> str:
    """An artifact's health: the worst of its links' states, NONE when it has no link."""
    return max(states, key=SEVERITY.__getitem__, default=NONE)


@dataclass(frozen=True)
class LinkRules:
    """The thresholds of the rules: each field is the LINKCHECK_ setting of its name."""

    healthy_days: float  # LINKCHECK_HEALTHY_DAYS: until a working or blocked link's next check
    failing_days: float  # LINKCHECK_FAILING_DAYS: until a failing or broken link's next check
    broken_after: int  # LINKCHECK_BROKEN_AFTER: failures in a row that make a link broken …
    broken_hours: float  # LINKCHECK_BROKEN_HOURS: … when they span at least this long

    @classmethod
    def from_settings(cls) -> LinkRules:
        from django.conf import settings

        return cls(*(getattr(settings, f"LINKCHECK_{rule.name.upper()}") for rule in fields(cls)))


@dataclass(frozen=True)
class LinkStatus:
    """What a link's checks decide about it, carried from one check to the next. The fields
    are named as ArtifactLink's, which stores them."""

    state: str
    state_since: dt.datetime | None
    consecutive_failures: int
    failing_since: dt.datetime | None
    last_ok_at: dt.datetime | None
    proposed_url: str
    next_check_at: dt.datetime | None


STATUS_FIELDS = tuple(field.name for field in fields(LinkStatus))


def status_after(
    status: LinkStatus, result: linkcheck.CheckResult, *, url: str, is_doi: bool, rules: LinkRules
) -> LinkStatus:
    """The status of the link at ``url`` once ``result`` is known."""
    if result.outcome == linkcheck.NO_NETWORK:
        return status
    now = result.checked_at
    if result.outcome in (linkcheck.OK, linkcheck.REDIRECTED):
        moved_to = "" if is_doi else result.moved_to
        after = replace(
            status,
            state=OK if is_doi or result.outcome == linkcheck.OK else REDIRECTED,
            consecutive_failures=0,
            failing_since=None,
            last_ok_at=now,
            proposed_url=moved_to[:2000] if moved_to and moved_to != url else "",
        )
        wait = rules.healthy_days
    elif result.outcome == linkcheck.BLOCKED:
        after = replace(status, state=BLOCKED)
        wait = rules.healthy_days
    else:
        failures = status.consecutive_failures + 1
        failing_since = status.failing_since or now
        confirmed = failures >= rules.broken_after and now - failing_since >= dt.timedelta(
            hours=rules.broken_hours
        )
        after = replace(
            status,
            state=BROKEN if confirmed or status.state == BROKEN else FAILING,
            consecutive_failures=failures,
            failing_since=failing_since,
        )
        wait = rules.failing_days
    return replace(
        after,
        state_since=now if after.state != status.state else status.state_since,
        next_check_at=now + dt.timedelta(days=wait * random.uniform(0.9, 1.1)),  # noqa: S311
    )
