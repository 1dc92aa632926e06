"""Finding the feeds, calendars and API: a search's own feed lists what the search lists,
and the pages link to it, to each cycle's calendar, to the API documentation and the icon."""

from __future__ import annotations

import datetime as dt
import re

import feedparser
import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from artifacts.models import FairnessDimension, LinkState, Task
from tests.artifacts.factories import ArtifactFactory
from tests.proposals.factories import (
    AwardFactory,
    CycleFactory,
    DeadlineFactory,
    OrganizationFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    gender = FairnessDimension.objects.get(slug="gender")
    nlp = Task.objects.get(slug="nlp")
    old = AwardFactory(cycle=CycleFactory(year=2020), institution=OrganizationFactory())
    new = AwardFactory(cycle=CycleFactory(year=2022), institution=OrganizationFactory())
    ArtifactFactory(
        award=old, title="Dialect speech set", kind="dataset", dimensions=[gender], tasks=[nlp]
    )
    ArtifactFactory(award=old, title="Dialect audit tool", kind="tool", license="MIT")
    ArtifactFactory(award=new, title="Hiring metric", kind="metric", link_health=LinkState.BROKEN)
    ArtifactFactory(award=new, title="Dialect gender metric", kind="metric", dimensions=[gender])
    return {"old": old, "new": new}


def _page_slugs(client, query: str) -> set[str]:
    body = client.get(f"/artifacts/?{query}").content.decode()
    return set(re.findall(r'class="card-title"><a href="/artifacts/([\w-]+)/"', body))


def _feed_slugs(client, url: str) -> set[str]:
    parsed = feedparser.parse(client.get(url).content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return {e.link.rstrip("/").rsplit("/", 1)[-1] for e in parsed.entries}


QUERIES = {
    "words": lambda c: "q=dialect",
    "excluded word": lambda c: "q=dialect+-metric",
    "kind": lambda c: "kind=metric",
    "dimension": lambda c: "dimension=gender",
    "task": lambda c: "task=nlp",
    "license": lambda c: "license=MIT",
    "cycle year": lambda c: "year=2022",
    "institution": lambda c: f"institution={c['old'].institution_id}",
    "link health": lambda c: "link=broken",
    "words and facets": lambda c: "q=dialect&kind=metric&kind=dataset&dimension=gender",
}


@pytest.mark.parametrize("feed", ["feed-atom", "feed-rss"])
@pytest.mark.parametrize("name", sorted(QUERIES))
def test_a_search_feed_lists_what_the_search_lists(client, catalogue, feed, name):
    query = QUERIES[name](catalogue)
    expected = _page_slugs(client, query)
    assert expected  # every case above matches something, and not everything
    assert len(expected) < 4
    assert _feed_slugs(client, f"{reverse(f'artifacts:{feed}')}?{query}") == expected


def test_results_link_to_the_feed_of_their_search_without_page_or_sort(client, catalogue):
    body = client.get("/artifacts/?q=dialect&kind=tool&sort=title&page=1").content.decode()
    assert '<a href="/feeds/artifacts.atom?q=dialect&amp;kind=tool"' in body
    assert '<a href="/feeds/artifacts.rss?q=dialect&amp;kind=tool"' in body
    assert (
        'rel="alternate" type="application/atom+xml" href="/feeds/artifacts.atom?q=dialect' in body
    )


def test_the_search_feed_names_itself_with_the_search(client, catalogue):
    parsed = feedparser.parse(client.get("/feeds/artifacts.atom?q=dialect&kind=tool").content)
    self_link = next(link for link in parsed.feed.links if link.rel == "self")
    assert self_link.href.endswith("/feeds/artifacts.atom?q=dialect&kind=tool")


def test_every_page_links_to_the_api_docs_feeds_and_calendar(client):
    body = client.get("/projects/").content.decode()
    for url in (
        "/api/docs/",
        "/api/schema/",
        "/feeds/artifacts.atom",
        "/feeds/artifacts.rss",
        "/feeds/deadlines.ics",
    ):
        assert f'href="{url}"' in body, url
    assert client.get("/api/docs/").status_code == 200


def test_cycles_page_offers_each_cycle_calendar(client):
    deadline = DeadlineFactory(cycle=CycleFactory(year=2031, solicitation_number="NSF 31-501"))
    body = client.get("/cycles/").content.decode()
    url = reverse("artifacts:feed-cycle-deadlines", args=[deadline.cycle_id])
    assert f'<a href="{url}" type="text/calendar"' in body
    events = Calendar.from_ical(client.get(url).content).walk("VEVENT")
    assert [str(e["uid"]) for e in events] == [f"deadline-{deadline.pk}@fairprog"]


def test_home_page_offers_upcoming_cycles_calendars(client, django_assert_max_num_queries):
    cycles = [CycleFactory() for _ in range(3)]
    for cycle in cycles:
        DeadlineFactory(cycle=cycle)
    with django_assert_max_num_queries(12):
        body = client.get("/").content.decode()
    for cycle in cycles:
        assert reverse("artifacts:feed-cycle-deadlines", args=[cycle.pk]) in body


def test_cards_show_the_release_date_in_one_style(client):
    ArtifactFactory(title="Released set", release_date=dt.date(2024, 3, 12))
    body = client.get("/artifacts/").content.decode()
    assert 'Released <time datetime="2024-03-12">March 12, 2024</time>' in body


def test_cards_without_a_release_date_show_the_publication_date(client):
    published = timezone.make_aware(dt.datetime(2023, 11, 5, 12, 0))
    ArtifactFactory(title="Undated set", release_date=None, published_at=published)
    body = client.get("/artifacts/").content.decode()
    assert 'Published <time datetime="2023-11-05">November 5, 2023</time>' in body


def test_favicon_is_served_and_linked(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"  # an ICO header
    body = client.get("/projects/").content.decode()
    assert 'rel="icon" href="/favicon.ico"' in body
    assert re.search(
        r'rel="icon" href="/static/fairprog/favicon[.\w]*\.svg" type="image/svg\+xml"', body
    )
