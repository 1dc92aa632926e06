"""What every artifact page's <head> tells indexers and reference managers, read by parsing
the HTML as they do (lxml's HTML parser), and once in headless Chromium: the Highwire Press
``citation_*`` tags of Google Scholar's inclusion guidelines (which Zotero reads too), the
absolute ``rel="canonical"``, and a ``rel="alternate"`` for the feeds (on every page) and for
each machine format of the artifact, whose ``type`` is the media type its URL serves."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from django.urls import reverse
from lxml import html as lxml_html

from artifacts.metadata.common import creators_of, date_of
from artifacts.models import Artifact
from proposals.models import Person
from tests.browser import conftest as browser_fixtures

pytestmark = pytest.mark.django_db

# The page fixtures of tests/browser (a page on the live server, and the
# Content-Security-Policy guard every browser test runs under).
page_for = browser_fixtures.page_for
csp_violations = browser_fixtures.csp_violations

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
FEEDS = {
    ("application/atom+xml", "/feeds/artifacts.atom"),
    ("application/rss+xml", "/feeds/artifacts.rss"),
}


def _head(client: Any, url: str) -> Any:
    response = client.get(url)
    assert response.status_code == 200, url
    return lxml_html.fromstring(response.content.decode()).find("head")


def _alternates(head: Any) -> set[tuple[str, str]]:
    return {(link.get("type"), link.get("href")) for link in head.findall("link[@rel='alternate']")}


def _citation_tags(head: Any) -> list[tuple[str, str]]:
    return [
        (meta.get("name"), meta.get("content"))
        for meta in head.findall("meta")
        if (meta.get("name") or "").startswith("citation_")
    ]


def expected_citation_tags(artifact: Artifact) -> list[tuple[str, str]]:
    """The Highwire tags the artifact should have, from its fields, in Scholar's order."""
    tags = [("citation_title", artifact.title)]
    for person in creators_of(artifact):
        given = f", {person.given_name}" if person.given_name else ""
        tags.append(("citation_author", f"{person.family_name}{given}"))
        if person.orcid:
            tags.append(("citation_author_orcid", f"https://orcid.org/{person.orcid}"))
    if not creators_of(artifact):
        tags.append(("citation_author", "FairProg"))  # as its BibTeX and CFF credit it
    released = dt.date.fromisoformat(date_of(artifact))
    tags.append(("citation_publication_date", f"{released.year}/{released.month}/{released.day}"))
    if artifact.doi:
        tags.append(("citation_doi", artifact.doi))
    tags.append(("citation_publisher", "FairProg"))
    tags += [("citation_keywords", keyword) for keyword in artifact.keywords]
    return tags


def _formats(artifact: Artifact) -> set[tuple[str, str]]:
    api = reverse("artifact-detail", args=[artifact.slug])
    formats = {
        ("application/ld+json", f"{api}?format=jsonld"),
        ("application/x-bibtex", reverse("artifacts:cite-bibtex", args=[artifact.slug])),
        ("application/x-yaml", reverse("artifacts:cite-cff", args=[artifact.slug])),
    }
    if artifact.doi:  # DataCite identifies a record by its DOI
        formats.add(("application/vnd.datacite.datacite+json", f"{api}?format=datacite"))
    if artifact.kind == Artifact.Kind.DATASET:  # Croissant describes datasets only
        formats.add(("application/ld+json", f"{api}?format=croissant"))
    return formats


def test_every_artifact_page_has_its_highwire_citation_tags(client, standards_catalogue):
    wrong = {}
    for artifact in standards_catalogue:
        head = _head(client, reverse("artifacts:detail", args=[artifact.slug]))
        found = _citation_tags(head)
        if found != expected_citation_tags(artifact):
            wrong[artifact.slug] = found
    assert wrong == {}


def test_highwire_tags_name_no_pdf_and_no_email(client, standards_catalogue):
    addresses = set(Person.objects.exclude(email="").values_list("email", flat=True))
    assert addresses
    for artifact in standards_catalogue:
        page = client.get(reverse("artifacts:detail", args=[artifact.slug])).content.decode()
        head = lxml_html.fromstring(page).find("head")
        names = {name for name, _ in _citation_tags(head)}
        assert not names & {"citation_pdf_url", "citation_author_email"}, artifact.slug
        contents = [meta.get("content") or "" for meta in head.findall("meta")]
        assert [c for c in contents if EMAIL.search(c)] == [], artifact.slug
        assert [a for a in addresses if a in page] == [], artifact.slug


def test_every_artifact_page_has_an_absolute_canonical_url(client, standards_catalogue):
    for artifact in standards_catalogue:
        path = reverse("artifacts:detail", args=[artifact.slug])
        head = _head(client, f"{path}?utm_source=feed")
        canonical = [link.get("href") for link in head.findall("link[@rel='canonical']")]
        assert canonical == [f"http://testserver{path}"], artifact.slug
        block = head.find("script[@type='application/ld+json']")
        assert json.loads(block.text)["url"] == canonical[0]


def test_every_artifact_page_links_each_machine_format_with_the_type_it_is_served_as(
    client, standards_catalogue
):
    with_doi = 0
    for artifact in standards_catalogue:
        alternates = _alternates(_head(client, reverse("artifacts:detail", args=[artifact.slug])))
        assert alternates == FEEDS | _formats(artifact), artifact.slug
        with_doi += bool(artifact.doi)
        for media_type, href in _formats(artifact):
            response = client.get(href)
            assert response.status_code == 200, href
            assert response["Content-Type"].split(";")[0] == media_type, href
    assert 0 < with_doi < len(standards_catalogue)  # both cases were seen


def test_every_public_page_links_the_feeds(client, standards_catalogue):
    artifact = standards_catalogue[0]
    pages = [
        reverse("artifacts:home"),
        reverse("artifacts:list"),
        reverse("artifacts:detail", args=[artifact.slug]),
        reverse("artifacts:project-list"),
        reverse("artifacts:project-detail", args=[artifact.award.award_number]),
        reverse("artifacts:cycle-list"),
        reverse("artifacts:open-data"),
        reverse("numbers"),
        reverse("link-checker"),
    ]
    for page in pages:
        assert _alternates(_head(client, page)) >= FEEDS, page
    for media_type, href in FEEDS:
        response = client.get(href)
        assert response.status_code == 200
        assert response["Content-Type"].split(";")[0] == media_type


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_chromium_reads_the_citation_tags_as_written(page_for, edge_artifacts):
    """What a browser-based reader (Zotero's connector runs in the page) gets: the DOM's
    citation_* meta tags, special characters and all, and the page itself still renders."""
    artifact = edge_artifacts["special_characters"]
    loaded = Artifact.objects.get(pk=artifact.pk)
    page = page_for("desktop")
    response = page.goto(reverse("artifacts:detail", args=[loaded.slug]))
    assert response is not None
    assert response.status == 200
    tags = page.evaluate(
        "() => [...document.querySelectorAll('meta[name^=citation_]')]"
        ".map((meta) => [meta.name, meta.content])"
    )
    assert [tuple(tag) for tag in tags] == expected_citation_tags(loaded)
    assert page.locator("h1").inner_text() == loaded.title
    canonical = page.evaluate("() => document.querySelector('link[rel=canonical]').href")
    assert canonical == page.url
    jsonld = page.evaluate(
        "() => JSON.parse(document.querySelector('script[type=\"application/ld+json\"]')"
        ".textContent)"
    )
    assert jsonld["name"] == loaded.title
    assert jsonld["url"] == canonical
