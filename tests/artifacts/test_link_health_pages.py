"""Link health on the public pages: each link's state in words on the artifact's page, the
catalogue's "Link health" facet, and the flag on a result card."""

from __future__ import annotations

import datetime as dt
import re
from typing import cast

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from artifacts import linkcheck
from artifacts.models import Artifact, ArtifactLink, LinkState
from artifacts.services import links
from tests.artifacts.factories import ArtifactFactory

pytestmark = pytest.mark.django_db

SINCE = dt.datetime(2026, 1, 2, 15, 0, tzinfo=dt.UTC)  # Jan 2 in the program's time zone


def artifact_with_links(**fields: object) -> Artifact:
    artifact = cast(Artifact, ArtifactFactory(**fields))
    links.artifact_links_sync(artifact=artifact)
    return artifact


def set_link(artifact: Artifact, role: str, state: str, **fields: object) -> None:
    """Give one link a state as the checker would have left it."""
    ArtifactLink.objects.filter(artifact=artifact, role=role).update(state=state, **fields)
    links.artifacts_health_refresh(artifact_ids=[artifact.pk], now=timezone.now())


def check(artifact: Artifact, role: str, outcome: str, **fields: object) -> None:
    link = ArtifactLink.objects.get(artifact=artifact, role=role)
    values: dict[str, object] = {
        "status_code": 200 if outcome in ("ok", "redirected") else 404,
        "final_url": link.url,
        **fields,
    }
    result = linkcheck.CheckResult(url=link.url, outcome=outcome, **values)  # type: ignore[arg-type]
    links.link_checks_record([(link, result)])


def page_text(client, artifact: Artifact) -> str:
    """The page as a reader hears it: tags dropped, whitespace collapsed."""
    html = client.get(reverse("artifacts:detail", args=[artifact.slug])).content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def days_ago(days: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


# --- The artifact's page ------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "fields", "words"),
    [
        (LinkState.OK, {"last_checked_at": days_ago(3)}, "Working · checked 3 days ago"),
        (LinkState.REDIRECTED, {"last_checked_at": days_ago(0)}, "Redirected · checked today"),
        (
            LinkState.BLOCKED,
            {"last_checked_at": days_ago(1)},
            "Unknown (the site refused our checker) · checked yesterday",
        ),
        (
            LinkState.FAILING,
            {"state_since": SINCE, "last_checked_at": days_ago(0)},
            "Failing since January 2, 2026, not yet confirmed · checked today",
        ),
        (
            LinkState.BROKEN,
            {"state_since": SINCE, "last_checked_at": days_ago(1)},
            "Broken since January 2, 2026 · checked yesterday",
        ),
        (LinkState.UNCHECKED, {}, "Not checked yet"),
    ],
)
def test_artifact_page_states_each_link_health_in_words(client, state, fields, words):
    artifact = artifact_with_links(landing_url="https://data.example.org/set")
    set_link(artifact, "landing", state, **fields)

    text = page_text(client, artifact)

    assert f"Landing page https://data.example.org/set Link status: {words}" in text


def test_artifact_page_gives_a_check_long_ago_as_a_date(client):
    artifact = artifact_with_links()
    checked = timezone.now() - dt.timedelta(days=90)
    set_link(artifact, "landing", LinkState.OK, last_checked_at=checked)

    assert f"Working · checked on {date_format(timezone.localdate(checked))}" in page_text(
        client, artifact
    )


def test_artifact_page_shows_every_link_with_its_own_state(client):
    artifact = artifact_with_links(
        landing_url="https://data.example.org/set",
        repository_url="https://code.example.org/set",
        doi="10.5281/zenodo.42",
    )
    check(artifact, "landing", "ok")
    check(artifact, "repository", "broken")

    text = page_text(client, artifact)

    assert "Landing page https://data.example.org/set Link status: Working" in text
    assert "Repository https://code.example.org/set Link status: Failing since" in text
    assert "DOI 10.5281/zenodo.42 Link status: Not checked yet" in text


def test_artifact_page_shows_the_landing_page_a_doi_resolves_to(client):
    artifact = artifact_with_links(doi="10.5281/zenodo.42")
    check(artifact, "doi", "redirected", final_url="https://zenodo.org/records/42")

    html = client.get(reverse("artifacts:detail", args=[artifact.slug])).content.decode()

    assert 'Resolves to <a href="https://zenodo.org/records/42"' in html


def test_artifact_page_shows_no_resolved_address_for_a_broken_doi(client):
    artifact = artifact_with_links(doi="10.5281/zenodo.42")
    set_link(artifact, "doi", LinkState.BROKEN, final_url="https://doi.org/10.5281/zenodo.42")

    assert "Resolves to" not in page_text(client, artifact)


def test_artifact_page_calls_an_edited_url_not_checked_yet(client):
    artifact = artifact_with_links(landing_url="https://data.example.org/old")
    set_link(artifact, "landing", LinkState.BROKEN, state_since=SINCE)
    # Changed by a path that did not sync the links: the old URL's state says nothing.
    Artifact.objects.filter(pk=artifact.pk).update(landing_url="https://data.example.org/new")

    text = page_text(client, artifact)

    assert "https://data.example.org/new Link status: Not checked yet" in text
    assert "Broken" not in text


def test_artifact_page_never_shows_check_errors_or_proposed_addresses(client):
    artifact = artifact_with_links(landing_url="https://data.example.org/set")
    check(
        artifact,
        "landing",
        "redirected",
        error="secret-error-text",
        final_url="https://data.example.org/final-landing",
        redirects=[(301, "https://data.example.org/moved-here")],
    )
    assert ArtifactLink.objects.get(artifact=artifact).proposed_url  # the test's premise

    html = client.get(reverse("artifacts:detail", args=[artifact.slug])).content.decode()

    for hidden in ("secret-error-text", "moved-here", "final-landing"):
        assert hidden not in html


# --- The catalogue ------------------------------------------------------------------


def test_catalogue_page_offers_the_link_health_facet_and_keeps_the_choice(client):
    broken = artifact_with_links(title="Broken set")
    set_link(broken, "landing", LinkState.BROKEN, state_since=SINCE)
    artifact_with_links(title="Unchecked set")

    html = client.get(reverse("artifacts:list") + "?link=broken").content.decode()

    assert "<legend>Link health</legend>" in html
    assert 'name="link" value="broken" checked' in html
    assert 'name="link" value="unchecked">' in html
    assert "Broken set" in html
    assert "Unchecked set" not in html


def test_catalogue_page_drops_an_unknown_link_health_with_a_notice(client):
    artifact_with_links(title="Some set")

    response = client.get(reverse("artifacts:list") + "?link=dead")

    assert response.status_code == 200
    assert "An unknown link health in the address was ignored." in response.content.decode()
    assert "Some set" in response.content.decode()


def test_catalogue_card_flags_an_artifact_whose_link_is_broken(client):
    broken = artifact_with_links(title="Broken set")
    set_link(broken, "landing", LinkState.BROKEN, state_since=SINCE)
    working = artifact_with_links(title="Working set")
    check(working, "landing", "ok")

    html = client.get(reverse("artifacts:list")).content.decode()
    cards = {
        title: card
        for card in html.split('<article class="card">')[1:]
        for title in ("Broken set", "Working set")
        if title in card
    }

    assert "Link broken" in cards["Broken set"]
    assert "Link" not in cards["Working set"].split("</p>")[0]
