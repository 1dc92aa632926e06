"""The program's public deadlines as iCalendar (RFC 5545): what /feeds/deadlines.ics and
each cycle's calendar serve, and what the open-data export writes beside its tables."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from proposals.models import Cycle, Deadline
from proposals.selectors.public import deadline_public_queryset


def _deadline_event(deadline: Deadline, *, site: str) -> Event:
    event = Event()
    owner = deadline.cycle or deadline.award
    event.add("uid", f"deadline-{deadline.pk}@fairprog")
    # When the deadline was last revised (RFC 5545 §3.8.7.2: what DTSTAMP means in a
    # calendar published without a METHOD), not when it was served: the same deadline is
    # the same bytes on every request, so a calendar app's conditional GET gets its 304.
    # A row never saved through the model has no history; only then is it "now".
    revised = getattr(deadline, "revised_at", None) or timezone.now()
    event.add("dtstamp", revised)
    event.add("last-modified", revised)
    title = deadline.label or deadline.get_kind_display()
    event.add("summary", f"{owner}: {title} due ({deadline.rule_text})")
    if deadline.time_rule == Deadline.TimeRule.SUBMITTER_LOCAL:
        # A floating time: the calendar shows 5 p.m. in whatever zone its reader is in,
        # which is exactly what "5 p.m. submitter's local time" means.
        start = dt.datetime.combine(deadline.due_date, deadline.due_time)
    else:
        # A fixed zone: the instant with its TZID (and the zone's VTIMEZONE below).
        start = deadline.due_at.astimezone(zoneinfo.ZoneInfo(deadline.time_zone))
    # A deadline is an instant: no DTEND (which may not equal DTSTART, RFC 5545
    # §3.8.2.2), and the event ends when it starts (§3.6.1). It blocks no one's time.
    event.add("dtstart", start)
    event.add("transp", "TRANSPARENT")
    cycle_page = f"{site}{reverse('artifacts:cycle-list')}"
    if deadline.cycle_id:
        cycle_page += f"#cycle-{deadline.cycle_id}"
    event.add("url", cycle_page)
    event.add(
        "description",
        f"{title} for {owner}: {deadline.due_date:%B %-d, %Y}, {deadline.rule_text}. {cycle_page}",
    )
    return event


def _calendar_bytes(deadlines: list[Deadline], *, name: str, site: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//FairProg//Fairness in AI deadlines//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    for deadline in deadlines:
        calendar.add_component(_deadline_event(deadline, site=site))
    calendar.add_missing_timezones()
    return calendar.to_ical()


def deadline_calendar(deadline_id: int, *, site: str) -> bytes | None:
    """One public deadline, for its "Add to calendar" link; None if no public deadline has
    that id (a staff-only one included)."""
    deadlines = list(_public_deadlines().filter(pk=deadline_id))
    if not deadlines:
        return None
    deadline = deadlines[0]
    owner = deadline.cycle or deadline.award
    return _calendar_bytes(deadlines, name=f"{owner}: {deadline.get_kind_display()}", site=site)


def _public_deadlines() -> QuerySet[Deadline]:
    """Public deadlines in date order, each with ``revised_at``: its last recorded change."""
    revisions: Any = Deadline.history.model.objects
    last_revision = (
        revisions.filter(id=OuterRef("pk")).order_by("-history_date").values("history_date")[:1]
    )
    return (
        deadline_public_queryset()
        .select_related("cycle", "award")
        .annotate(revised_at=Subquery(last_revision))
        .order_by("due_at", "pk")
    )


def deadlines_calendar(*, site: str) -> bytes:
    """The calendar /feeds/deadlines.ics serves, without a request (the open-data export
    writes it too); ``site`` starts its links, e.g. "https://fairprog.example.org"."""
    return _calendar_bytes(list(_public_deadlines()), name="Fairness in AI deadlines", site=site)


def cycle_deadlines_calendar(cycle: Cycle, *, site: str) -> bytes:
    """One cycle's public deadlines."""
    deadlines = list(_public_deadlines().filter(cycle=cycle))
    return _calendar_bytes(deadlines, name=f"{cycle.solicitation_number} deadlines", site=site)
