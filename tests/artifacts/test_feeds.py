"""Atom/RSS feeds of new artifacts and iCalendar feeds of public deadlines."""

import datetime as dt

import pytest
from defusedxml import ElementTree as ET
from icalendar import Calendar

from proposals import services
from proposals.models import Deadline
from tests.artifacts.factories import ArtifactFactory
from tests.proposals.factories import CycleFactory, PersonFactory, ProposalFactory

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def test_atom_feed_lists_newest_published_artifacts_and_follows_catalogue_filters(client):
    ArtifactFactory(title="Dialect data", kind="dataset")
    ArtifactFactory(title="Hiring tool", kind="tool")
    ArtifactFactory(title="Draft one", status="draft", published_at=None)
    feed = ET.fromstring(client.get("/feeds/artifacts.atom").content)
    titles = [e.findtext(f"{ATOM}title") for e in feed.findall(f"{ATOM}entry")]
    assert titles == ["Dialect data (Dataset)", "Hiring tool (Tool)"]
    saved = ET.fromstring(client.get("/feeds/artifacts.atom?kind=tool").content)
    assert [e.findtext(f"{ATOM}title") for e in saved.findall(f"{ATOM}entry")] == [
        "Hiring tool (Tool)"
    ]


def test_rss_feed(client):
    ArtifactFactory(title="Dialect data")
    response = client.get("/feeds/artifacts.rss")
    assert response["Content-Type"].startswith("application/rss+xml")
    assert b"<title>Dialect data (Dataset)</title>" in response.content


def _calendar(client, url):
    response = client.get(url)
    assert response["Content-Type"].startswith("text/calendar")
    return Calendar.from_ical(response.content)


def test_deadlines_ics_uses_floating_time_for_submitter_local_deadlines(client):
    cycle = CycleFactory(year=2020, solicitation_number="NSF 20-566")
    deadline = services.deadline_create(
        cycle=cycle, kind=Deadline.Kind.FULL_PROPOSAL, due_date=dt.date(2020, 7, 13)
    )
    [event] = _calendar(client, "/feeds/deadlines.ics").walk("VEVENT")
    start = event.decoded("dtstart")
    assert start == dt.datetime(2020, 7, 13, 17, 0)  # 5 p.m. wherever the reader is
    assert start.tzinfo is None
    assert str(event["uid"]) == f"deadline-{deadline.pk}@fairprog"
    assert str(event["url"]).endswith(f"/cycles/#cycle-{cycle.pk}")
    assert "5 p.m. submitter's local time" in str(event["summary"])


def test_fixed_zone_deadlines_carry_their_zone_and_vtimezone(client):
    cycle = CycleFactory()
    services.deadline_create(
        cycle=cycle,
        kind=Deadline.Kind.DECISION,
        due_date=dt.date(2031, 1, 15),
        due_time=dt.time(12, 0),
        time_rule=Deadline.TimeRule.FIXED_ZONE,
        time_zone="America/Los_Angeles",
    )
    calendar = _calendar(client, "/feeds/deadlines.ics")
    [event] = calendar.walk("VEVENT")
    assert event["dtstart"].params["TZID"] == "America/Los_Angeles"
    assert event.decoded("dtstart").astimezone(dt.UTC) == dt.datetime(
        2031, 1, 15, 20, 0, tzinfo=dt.UTC
    )
    assert [str(tz["tzid"]) for tz in calendar.walk("VTIMEZONE")] == ["America/Los_Angeles"]


def test_per_cycle_feed_and_staff_deadlines_never_appear(client):
    first, second = CycleFactory(), CycleFactory()
    services.deadline_create(cycle=first, kind="full_proposal", due_date=dt.date(2031, 7, 1))
    services.deadline_create(cycle=second, kind="full_proposal", due_date=dt.date(2032, 7, 1))
    services.deadline_create(
        cycle=first,
        kind="review_due",
        due_date=dt.date(2031, 9, 1),
        label="Panel canary-91c",
        visibility=Deadline.Visibility.STAFF,
    )
    ProposalFactory(cycle=first, title="Proposal canary-91c")
    PersonFactory(email="canary-91c@example.edu")
    events = _calendar(client, f"/feeds/cycles/{first.pk}/deadlines.ics").walk("VEVENT")
    assert len(events) == 1
    for url in ("/feeds/deadlines.ics", "/feeds/artifacts.atom", "/feeds/artifacts.rss"):
        assert b"canary-91c" not in client.get(url).content
    assert client.get("/feeds/cycles/999999/deadlines.ics").status_code == 404
