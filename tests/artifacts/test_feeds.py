"""Atom/RSS feeds of new artifacts and iCalendar feeds of public deadlines."""

import datetime as dt
import html
from html.parser import HTMLParser

import feedparser
import pytest
from defusedxml import ElementTree as ET
from icalendar import Calendar

from proposals.models import Deadline
from proposals.services.programs import deadline_create
from tests.artifacts.factories import ArtifactCreatorFactory, ArtifactFactory
from tests.proposals.factories import (
    AwardFactory,
    CycleFactory,
    OrganizationFactory,
    PersonFactory,
    ProposalFactory,
)

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
    deadline = deadline_create(
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
    deadline_create(
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
    deadline_create(cycle=first, kind="full_proposal", due_date=dt.date(2031, 7, 1))
    deadline_create(cycle=second, kind="full_proposal", due_date=dt.date(2032, 7, 1))
    deadline_create(
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


def test_each_public_deadline_is_a_calendar_of_its_own_and_a_staff_one_is_not_found(client):
    cycle = CycleFactory(solicitation_number="NSF 31-501")
    public = deadline_create(cycle=cycle, kind="full_proposal", due_date=dt.date(2031, 7, 1))
    deadline_create(cycle=cycle, kind="letter_of_intent", due_date=dt.date(2031, 6, 1))
    staff = deadline_create(
        cycle=cycle,
        kind="review_due",
        due_date=dt.date(2031, 9, 1),
        label="Panel canary-92d",
        visibility=Deadline.Visibility.STAFF,
    )
    response = client.get(f"/feeds/deadlines/{public.pk}.ics")
    assert response["Content-Disposition"] == f'inline; filename="deadline-{public.pk}.ics"'
    calendar = _calendar(client, f"/feeds/deadlines/{public.pk}.ics")
    [event] = calendar.walk("VEVENT")
    assert str(event["uid"]) == f"deadline-{public.pk}@fairprog"
    assert str(calendar["x-wr-calname"]) == f"{cycle}: Full proposal"
    for missing in (staff.pk, 999999):
        response = client.get(f"/feeds/deadlines/{missing}.ics")
        assert response.status_code == 404
        assert b"canary-92d" not in response.content


# --- Hostile text: what readers get is the text as typed, never markup ---------------

HOSTILE = '<img src=x onerror=alert(1)> <b>bold</b> & "quoted" <script>alert(2)</script>'
HOSTILE_KEYWORD = "<b onmouseover=alert(3)>k</b>"


class _Elements(HTMLParser):
    """The elements an HTML fragment would make if a reader rendered it."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.found.append(tag)


def _as_read(detail) -> str:
    """What a feed reader shows for a text construct feedparser parsed: plain text as it
    is; HTML rendered, which must make no element."""
    if detail["type"] == "text/plain":
        return detail["value"]
    assert detail["type"] == "text/html"
    elements = _Elements()
    elements.feed(detail["value"])
    assert elements.found == [], detail["value"]
    return html.unescape(detail["value"])


@pytest.fixture
def hostile_artifact():
    award = AwardFactory(
        award_number="2040942", institution=OrganizationFactory(name=f"University {HOSTILE}")
    )
    artifact = ArtifactFactory(
        award=award, title=HOSTILE, summary=HOSTILE, keywords=[HOSTILE_KEYWORD]
    )
    ArtifactCreatorFactory(
        artifact=artifact, person=PersonFactory(given_name="<i>Ada</i>", family_name=HOSTILE)
    )
    return artifact


@pytest.mark.parametrize("url", ["/feeds/artifacts.atom", "/feeds/artifacts.rss"])
def test_feeds_carry_hostile_text_as_text_never_as_markup(client, hostile_artifact, url):
    parsed = feedparser.parse(client.get(url).content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    [entry] = parsed.entries
    assert _as_read(entry.title_detail) == f"{HOSTILE} (Dataset)"
    assert _as_read(entry.summary_detail) == (f"{HOSTILE} NSF award 2040942. University {HOSTILE}")
    assert [tag.term for tag in entry.tags] == ["Dataset", HOSTILE_KEYWORD]
    assert entry.author == f"<i>Ada</i> {HOSTILE}"


def test_atom_summaries_are_plain_text(client, hostile_artifact):
    parsed = feedparser.parse(client.get("/feeds/artifacts.atom").content)
    assert parsed.entries[0].summary_detail["type"] == "text/plain"
    feed = ET.fromstring(client.get("/feeds/artifacts.atom").content)
    assert feed.find(f"{ATOM}entry/{ATOM}summary").get("type") == "text"


def test_calendar_text_fields_carry_hostile_text_as_text(client):
    cycle = CycleFactory(solicitation_number='NSF <b>1</b>;,\\"')
    deadline = deadline_create(
        cycle=cycle, kind=Deadline.Kind.FULL_PROPOSAL, due_date=dt.date(2031, 7, 1)
    )
    # As a label entered before labels were kept to one line: it must not break out of
    # its property into a property or event of its own.
    label = f"{HOSTILE}\r\nBEGIN:VEVENT\r\nSUMMARY:injected;x=1,y"
    Deadline.objects.filter(pk=deadline.pk).update(label=label)
    label = label.replace("\r\n", "\n")  # iCalendar text has one line break: "\n"
    for url in ("/feeds/deadlines.ics", f"/feeds/cycles/{cycle.pk}/deadlines.ics"):
        calendar = _calendar(client, url)
        [event] = calendar.walk("VEVENT")
        assert str(event["summary"]) == (f"{cycle}: {label} due (5 p.m. submitter's local time)")
        assert str(event["description"]).startswith(f"{label} for {cycle}: July 1, 2031")
        assert "ATTENDEE" not in event
    calendar = _calendar(client, f"/feeds/cycles/{cycle.pk}/deadlines.ics")
    assert str(calendar["x-wr-calname"]) == 'NSF <b>1</b>;,\\" deadlines'
