"""/numbers/ before the link checker has run: "not checked yet" and how many links wait,
never a 0 that reads as every link failing."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from artifacts import linkcheck
from artifacts.models import Artifact, ArtifactLink
from artifacts.services import links
from tests.artifacts.factories import ArtifactFactory

pytestmark = pytest.mark.django_db


def _with_links(**fields):
    """A published artifact with a landing page and a repository, neither checked yet."""
    artifact = ArtifactFactory(repository_url="https://code.example.org/x", **fields)
    links.artifact_links_sync(artifact=artifact)
    return artifact


def _check(artifact: Artifact, outcome: str = linkcheck.OK) -> None:
    links.link_checks_record(
        [
            (link, linkcheck.CheckResult(link.url, outcome, status_code=200, final_url=link.url))
            for link in ArtifactLink.objects.filter(artifact=artifact)
        ]
    )


def _working_links_figure(client) -> str:
    """The text of the "Artifacts whose links work" figure, tags and spacing removed."""
    body = client.get(reverse("numbers")).content.decode()
    found = re.search(r"<dt>Artifacts whose links work</dt>\s*<dd>(.*?)</dd>", body, re.S)
    assert found is not None
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


def test_numbers_say_not_checked_yet_when_no_link_was_checked(client):
    _with_links()
    _with_links()

    assert _working_links_figure(client) == "Not checked yet 4 links waiting for a first check"


def test_numbers_count_the_unchecked_links_beside_the_working_ones(client):
    checked = _with_links()
    _check(checked)
    _with_links()

    assert _working_links_figure(client) == "1 2 links not checked yet"


def test_numbers_show_the_plain_count_once_every_link_was_checked(client):
    for _ in range(2):
        _check(_with_links())

    assert _working_links_figure(client) == "2"


def test_numbers_leave_out_the_links_of_drafts(client):
    _with_links()
    draft = ArtifactFactory(status="draft", published_at=None)
    links.artifact_links_sync(artifact=draft)

    assert _working_links_figure(client) == "Not checked yet 2 links waiting for a first check"


def test_numbers_say_one_link_in_the_singular(client):
    artifact = ArtifactFactory()
    links.artifact_links_sync(artifact=artifact)

    assert _working_links_figure(client) == "Not checked yet 1 link waiting for a first check"


def test_numbers_show_zero_when_no_artifact_has_a_link(client):
    ArtifactFactory(landing_url="")

    assert _working_links_figure(client) == "0"


@pytest.mark.parametrize("rows", [1, 12])
def test_numbers_with_unchecked_links_make_a_constant_number_of_queries(
    client, count_queries, rows
):
    for _ in range(rows):
        _with_links()

    # One query per chart, and one counting the links that wait for a first check.
    assert count_queries(lambda: client.get(reverse("numbers"))) == 5
