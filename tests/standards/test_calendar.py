"""Every iCalendar FairProg publishes (the site's deadlines, each cycle's, and the open-data
snapshot's) read by two independent parsers, icalendar and ics, and checked against
RFC 5545: no DTEND equal to DTSTART (§3.8.2.2), a DTSTAMP in UTC that says when the
deadline last changed (§3.8.7.2), a VTIMEZONE for every TZID (§3.2.19), floating times for
deadlines at the submitter's local time, and no staff-only deadline anywhere."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import ics
import pytest
import time_machine
from icalendar import Calendar

from artifacts.opendata.export import open_data_export
from proposals.models import Cycle, Deadline
from proposals.services.programs import deadline_create, deadline_save

CANARY = "staff-only canary 5e1d"


@pytest.fixture
def calendars(standards_catalogue, settings, tmp_path) -> dict[str, Any]:
    """The catalogue with a staff-only deadline in every cycle, then every calendar it
    publishes, by URL, with the deadlines each must hold."""
    for cycle in Cycle.objects.all():
        deadline_create(
            cycle=cycle,
            kind=Deadline.Kind.REVIEW_DUE,
            due_date=dt.date(cycle.year, 11, 2),
            label=f"Panel {CANARY}",
            visibility=Deadline.Visibility.STAFF,
        )
    settings.OPEN_DATA_DIR = tmp_path / "opendata"
    open_data_export()
    public = Deadline.objects.filter(visibility=Deadline.Visibility.PUBLIC)
    expected = {"/feeds/deadlines.ics": set(public), "/data/deadlines.ics": set(public)}
    for cycle in Cycle.objects.all():
        expected[f"/feeds/cycles/{cycle.pk}/deadlines.ics"] = set(public.filter(cycle=cycle))
    assert len(expected) >= 4
    return expected


def _body(client: Any, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("text/calendar"), url
    if response.streaming:
        return b"".join(response.streaming_content)
    return bytes(response.content)


def _uid(deadline: Deadline) -> str:
    return f"deadline-{deadline.pk}@fairprog"


def _check_lines(body: bytes) -> None:
    """RFC 5545 §3.1: CRLF line ends, lines of at most 75 octets (folded beyond)."""
    assert body.endswith(b"\r\n")
    for line in body.split(b"\r\n")[:-1]:
        assert b"\n" not in line
        assert b"\r" not in line
        assert len(line) <= 75, line


def test_every_calendar_parses_with_icalendar_and_ics_alike(client, calendars):
    for url, deadlines in calendars.items():
        body = _body(client, url)
        _check_lines(body)
        calendar = Calendar.from_ical(body)
        assert str(calendar["version"]) == "2.0"
        assert str(calendar["prodid"])
        events = calendar.walk("VEVENT")
        assert {str(e["uid"]) for e in events} == {_uid(d) for d in deadlines}, url
        # The second parser, with a grammar of its own.
        other = ics.Calendar(body.decode("utf-8"))
        assert {e.uid for e in other.events} == {_uid(d) for d in deadlines}, url
        starts = {str(e["uid"]): e.decoded("dtstart") for e in events}
        for event in other.events:
            start = starts[event.uid]
            if start.tzinfo is None:  # floating: ics reads it as a wall-clock time too
                assert event.begin.naive == start, (url, event.uid)
            else:
                assert event.begin.datetime == start, (url, event.uid)
            # No DTEND: the event ends when it starts (RFC 5545 §3.6.1).
            assert event.end == event.begin


def test_no_event_ends_when_it_starts(client, calendars):
    """RFC 5545 §3.8.2.2: DTEND, when given, is later than DTSTART. A deadline is an
    instant, so it has neither DTEND nor DURATION."""
    for url in calendars:
        for event in Calendar.from_ical(_body(client, url)).walk("VEVENT"):
            assert "DTEND" not in event, url
            assert "DURATION" not in event, url
            assert "DTSTART" in event
            assert str(event["transp"]) == "TRANSPARENT"
            for required in ("UID", "DTSTAMP", "SUMMARY", "URL"):
                assert required in event, (url, required)


def test_dtstamp_is_the_deadline_last_change_in_utc(client, calendars):
    deadline = Deadline.objects.filter(visibility=Deadline.Visibility.PUBLIC).first()
    assert deadline is not None
    revised = deadline.history.order_by("-history_date").first().history_date
    for url in calendars:
        body = _body(client, url)
        assert re.search(rb"^DTSTAMP:\d{8}T\d{6}Z\r$", body, re.MULTILINE), url
        events = {str(e["uid"]): e for e in Calendar.from_ical(body).walk("VEVENT")}
        if _uid(deadline) in events:
            event = events[_uid(deadline)]
            assert event.decoded("dtstamp") == revised.replace(microsecond=0)
            assert event.decoded("last-modified") == revised.replace(microsecond=0)


def test_the_same_deadlines_are_the_same_bytes_and_answer_304(client, calendars):
    for url in calendars:
        first = client.get(url)
        body = _body(client, url)
        assert body == (b"".join(first.streaming_content) if first.streaming else first.content), (
            url
        )
        again = client.get(url, headers={"if-none-match": first["ETag"]})
        assert again.status_code == 304, url


def test_a_changed_deadline_moves_its_dtstamp(client, calendars):
    deadline = Deadline.objects.filter(visibility=Deadline.Visibility.PUBLIC).first()
    assert deadline is not None

    def stamp() -> dt.datetime:
        calendar = Calendar.from_ical(_body(client, "/feeds/deadlines.ics"))
        [event] = [e for e in calendar.walk("VEVENT") if str(e["uid"]) == _uid(deadline)]
        return event.decoded("dtstamp")

    before = stamp()
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=1), tick=False):
        deadline.due_time = dt.time(16, 0)
        deadline_save(deadline=deadline)
    assert stamp() > before


def test_a_fixed_zone_deadline_has_its_tzid_and_vtimezone(client, calendars):
    fixed = Deadline.objects.get(
        time_rule=Deadline.TimeRule.FIXED_ZONE, time_zone="Pacific/Honolulu"
    )
    for url, deadlines in calendars.items():
        if fixed not in deadlines:
            continue
        body = _body(client, url)
        calendar = Calendar.from_ical(body)
        [event] = [e for e in calendar.walk("VEVENT") if str(e["uid"]) == _uid(fixed)]
        assert event["dtstart"].params["TZID"] == "Pacific/Honolulu"
        assert event.decoded("dtstart").astimezone(dt.UTC) == fixed.due_at.astimezone(dt.UTC)
        # Every TZID a calendar uses has its VTIMEZONE (RFC 5545 §3.2.19).
        zones = {str(zone["tzid"]) for zone in calendar.walk("VTIMEZONE")}
        used = set(re.findall(rb";TZID=([^:;]+)", body))
        assert {zone.decode() for zone in used} <= zones
        assert "Pacific/Honolulu" in zones
        [other] = [e for e in ics.Calendar(body.decode()).events if e.uid == _uid(fixed)]
        assert other.begin.datetime == event.decoded("dtstart")


def test_submitter_local_deadlines_are_floating(client, calendars):
    local = Deadline.objects.filter(
        time_rule=Deadline.TimeRule.SUBMITTER_LOCAL, visibility=Deadline.Visibility.PUBLIC
    )
    assert local.exists()
    body = _body(client, "/feeds/deadlines.ics")
    events = {str(e["uid"]): e for e in Calendar.from_ical(body).walk("VEVENT")}
    for deadline in local:
        event = events[_uid(deadline)]
        assert "TZID" not in event["dtstart"].params
        start = event.decoded("dtstart")
        assert start.tzinfo is None
        assert start == dt.datetime.combine(deadline.due_date, deadline.due_time)


def test_staff_only_deadlines_are_in_no_calendar(client, calendars):
    staff = Deadline.objects.filter(visibility=Deadline.Visibility.STAFF)
    assert staff.count() >= Cycle.objects.count()
    for url in calendars:
        body = _body(client, url)
        assert CANARY.encode() not in body, url
        uids = {str(e["uid"]) for e in Calendar.from_ical(body).walk("VEVENT")}
        assert not uids & {_uid(d) for d in staff}, url
