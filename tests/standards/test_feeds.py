"""The Atom (RFC 4287) and RSS 2.0 feeds of new artifacts, read as feed readers read them
(feedparser: no error, every entry, one author per person) and checked against the
standards' structural rules with lxml and XPath, for the whole catalogue and for every
saved search by kind."""

from __future__ import annotations

import datetime as dt
import email.utils
import html
import re
from typing import Any
from urllib.parse import urlsplit

import feedparser
import pytest
from lxml import etree

from artifacts.feeds import FEED_AUTHOR
from artifacts.models import Artifact

ATOM = "http://www.w3.org/2005/Atom"
DC = "http://purl.org/dc/elements/1.1/"
NS = {"atom": ATOM, "dc": DC}
# RFC 3339 §5.6 date-time, as RFC 4287 §3.3 requires it (upper-case T and Z).
RFC3339 = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"
SITE = "http://testserver"


def _listed(catalogue: list[Artifact]) -> list[Artifact]:
    """What the feed lists: published artifacts, newest first."""
    listed = [a for a in catalogue if a.status == Artifact.Status.PUBLISHED]
    return sorted(listed, key=lambda a: (a.published_at, a.pk), reverse=True)


def _creators(artifact: Artifact) -> list[str]:
    return [link.person.full_name for link in artifact.creator_links.order_by("order", "id")]


def _feed_urls(catalogue: list[Artifact], extension: str) -> list[tuple[str, list[Artifact]]]:
    """The whole feed and the saved search of every kind, with what each must list."""
    listed = _listed(catalogue)
    urls = [(f"/feeds/artifacts.{extension}", listed)]
    for kind in sorted({a.kind for a in listed}):
        urls.append(
            (f"/feeds/artifacts.{extension}?kind={kind}", [a for a in listed if a.kind == kind])
        )
    return urls


def _one(element: Any, path: str) -> Any:
    found = element.xpath(path, namespaces=NS)
    assert len(found) == 1, f"{path}: {len(found)} found in {etree.tostring(element)[:200]!r}"
    return found[0]


def _text(element: Any, path: str) -> str:
    return str(_one(element, path).text or "")


def _absolute(iri: str) -> bool:
    parts = urlsplit(iri)
    return bool(parts.scheme) and (parts.scheme == "urn" or bool(parts.netloc))


def _rfc3339(value: str) -> dt.datetime:
    assert re.match(RFC3339, value), value
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


# --- Atom ------------------------------------------------------------------------------


def _check_atom_structure(body: bytes, url: str, expected: list[Artifact]) -> None:
    """RFC 4287's rules for a feed document (§4.1.1, §4.1.2, Appendix B's assertions)."""
    feed = etree.fromstring(body)
    assert feed.tag == f"{{{ATOM}}}feed"
    for child in ("atom:id", "atom:title", "atom:updated"):
        _one(feed, child)
    assert _absolute(_text(feed, "atom:id"))
    _rfc3339(_text(feed, "atom:updated"))
    assert _text(feed, "atom:title").strip()
    # The feed-level author: the fallback for entries that name none (§4.1.1).
    author = _one(feed, "atom:author")
    assert _text(author, "atom:name") == FEED_AUTHOR
    assert _text(author, "atom:uri") == f"{SITE}/"
    assert _one(feed, "atom:link[@rel='self']").get("href") == SITE + url
    alternate = _one(feed, "atom:link[@rel='alternate']").get("href")
    assert alternate.startswith(f"{SITE}/artifacts/")
    entries = feed.xpath("atom:entry", namespaces=NS)
    assert len(entries) == len(expected)
    ids = [_text(entry, "atom:id") for entry in entries]
    assert len(set(ids)) == len(ids), "atom:id must be unique"
    for entry, artifact in zip(entries, expected, strict=True):
        for child in ("atom:id", "atom:title", "atom:updated"):
            _one(entry, child)
        assert _absolute(_text(entry, "atom:id"))
        _rfc3339(_text(entry, "atom:updated"))
        _rfc3339(_text(entry, "atom:published"))
        assert len(entry.xpath("atom:summary", namespaces=NS)) <= 1
        assert _one(entry, "atom:summary").get("type") == "text"
        # No atom:content, so an alternate link (§4.1.1.1), to the artifact's page.
        link = _one(entry, "atom:link[@rel='alternate']").get("href")
        assert link == f"{SITE}/artifacts/{artifact.slug}/"
        # One atom:author per person, in creator order; none at all if it names none.
        names = [
            str(name.text)
            for name in entry.xpath("atom:author/atom:name", namespaces=NS)
            if name.text
        ]
        assert names == _creators(artifact)
        for person in entry.xpath("atom:author", namespaces=NS):
            assert _text(person, "atom:name").strip()
            assert not person.xpath("atom:email", namespaces=NS)
            for uri in person.xpath("atom:uri", namespaces=NS):
                assert uri.text.startswith("https://orcid.org/")
        # Appendix B: an entry without an author of its own takes the feed's.
        assert entry.xpath("atom:author", namespaces=NS) or feed.xpath("atom:author", namespaces=NS)
    # People's e-mail addresses are never published.
    assert not feed.xpath("//atom:email", namespaces=NS)


def test_atom_feeds_parse_without_error_with_one_author_per_person(client, standards_catalogue):
    for url, expected in _feed_urls(standards_catalogue, "atom"):
        response = client.get(url)
        assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
        parsed = feedparser.parse(response.content)
        assert parsed.bozo == 0, (url, parsed.get("bozo_exception"))
        assert parsed.version == "atom10"
        assert parsed.feed.author_detail["name"] == FEED_AUTHOR
        assert len(parsed.entries) == len(expected)
        for entry, artifact in zip(parsed.entries, expected, strict=True):
            assert entry.title == f"{artifact.title} ({artifact.get_kind_display()})"
            assert entry.link == f"{SITE}/artifacts/{artifact.slug}/"
            assert [author.get("name") for author in entry.get("authors", [])] == _creators(
                artifact
            ), (url, artifact.slug)
            assert entry.summary.startswith(artifact.summary)
        _check_atom_structure(response.content, url, expected)


def test_an_artifact_without_creators_has_no_author_of_its_own(client, edge_artifacts):
    lonely = edge_artifacts["no_creators"]
    feed = etree.fromstring(client.get("/feeds/artifacts.atom").content)
    [entry] = feed.xpath(
        "atom:entry[atom:link[@rel='alternate']/@href=$href]",
        namespaces=NS,
        href=f"{SITE}/artifacts/{lonely.slug}/",
    )
    assert entry.xpath("atom:author", namespaces=NS) == []
    assert b"<name/>" not in client.get("/feeds/artifacts.atom").content
    assert b"<name></name>" not in client.get("/feeds/artifacts.atom").content


def test_several_creators_are_several_authors_in_their_order(client, standards_catalogue):
    several = [a for a in _listed(standards_catalogue) if len(_creators(a)) >= 2]
    assert several, "the demo catalogue has artifacts with several creators"
    parsed = feedparser.parse(client.get("/feeds/artifacts.atom").content)
    by_link = {entry.link: entry for entry in parsed.entries}
    for artifact in several:
        entry = by_link[f"{SITE}/artifacts/{artifact.slug}/"]
        assert [author.name for author in entry.authors] == _creators(artifact)
        assert all(", " not in author.name for author in entry.authors)


# --- RSS 2.0 ---------------------------------------------------------------------------


def _check_rss_structure(body: bytes, url: str, expected: list[Artifact]) -> None:
    """RSS 2.0's required elements (rssboard.org/rss-specification), its dates in RFC 822
    form, Dublin Core creators, and the Atom self link of the RSS Advisory Board profile."""
    rss = etree.fromstring(body)
    assert rss.tag == "rss"
    assert rss.get("version") == "2.0"
    channel = _one(rss, "channel")
    for child in ("title", "link", "description"):
        assert _text(channel, child).strip(), child
    assert _one(channel, "atom:link[@rel='self']").get("href") == SITE + url
    email.utils.parsedate_to_datetime(_text(channel, "lastBuildDate"))
    items = channel.xpath("item")
    assert len(items) == len(expected)
    guids = [_text(item, "guid") for item in items]
    assert len(set(guids)) == len(guids)
    for item, artifact in zip(items, expected, strict=True):
        assert _text(item, "title")
        assert _text(item, "link") == f"{SITE}/artifacts/{artifact.slug}/"
        assert _one(item, "guid").get("isPermaLink") == "false"
        published = email.utils.parsedate_to_datetime(_text(item, "pubDate"))
        assert published.tzinfo is not None
        creators = [str(c.text) for c in item.xpath("dc:creator", namespaces=NS)]
        assert creators == _creators(artifact)
        # RSS's <author> is an e-mail address: never written.
        assert item.xpath("author") == []


def test_rss_feeds_parse_without_error_with_one_creator_per_person(client, standards_catalogue):
    for url, expected in _feed_urls(standards_catalogue, "rss"):
        response = client.get(url)
        assert response["Content-Type"] == "application/rss+xml; charset=utf-8"
        parsed = feedparser.parse(response.content)
        assert parsed.bozo == 0, (url, parsed.get("bozo_exception"))
        assert parsed.version == "rss20"
        assert len(parsed.entries) == len(expected)
        for entry, artifact in zip(parsed.entries, expected, strict=True):
            title = f"{artifact.title} ({artifact.get_kind_display()})"
            assert html.unescape(entry.title) == title
            assert [author.get("name") for author in entry.get("authors", [])] == _creators(
                artifact
            ), (url, artifact.slug)
        _check_rss_structure(response.content, url, expected)


@pytest.mark.parametrize("extension", ["atom", "rss"])
def test_feeds_answer_conditional_requests(client, standards_catalogue, extension):
    """Readers poll: a feed that has not changed answers 304."""
    first = client.get(f"/feeds/artifacts.{extension}")
    again = client.get(
        f"/feeds/artifacts.{extension}",
        headers={"if-none-match": first["ETag"], "if-modified-since": first["Last-Modified"]},
    )
    assert again.status_code == 304
