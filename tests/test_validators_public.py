"""Public ETag and Last-Modified follow public data only: creating or editing a draft (its
text, its links, their checks) a day later moves none of them; publishing it moves them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from artifacts import linkcheck
from artifacts.models import Artifact
from artifacts.opendata.export import open_data_export
from artifacts.opendata.snapshot import CONTENT_TYPES
from artifacts.services import links
from artifacts.services.artifacts import artifact_create, artifact_publish, artifact_update
from tests.artifacts.factories import ArtifactFactory
from tests.proposals.factories import AwardFactory, CycleFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

DAY_ONE = dt.datetime(2031, 3, 2, 9, 0, tzinfo=dt.UTC)
DAY_TWO = DAY_ONE + dt.timedelta(days=1)


def _catalogue() -> tuple[Any, Artifact]:
    """On day one: a funded project with a published artifact whose links were checked,
    and a draft of the same project with links of its own."""
    with time_machine.travel(DAY_ONE, tick=False):
        award = AwardFactory(cycle=CycleFactory(), institution=OrganizationFactory())
        public: Any = ArtifactFactory(award=award, slug="public-one", doi="10.5281/zenodo.1")
        links.artifact_links_sync(artifact=public)
        _check_links(public)
        draft: Any = ArtifactFactory(
            award=award, slug="draft-one", status="draft", published_at=None, doi=""
        )
        links.artifact_links_sync(artifact=draft)
    return award, draft


def _check_links(artifact: Artifact) -> None:
    links.link_checks_record(
        [
            (link, linkcheck.CheckResult(url=link.url, outcome="ok", status_code=200))
            for link in artifact.links.all()
        ]
    )


def _public_urls(award: Any) -> list[str]:
    return [
        "/api/v1/artifacts/",
        "/api/v1/artifacts/?kind=dataset",
        "/api/v1/artifacts/public-one/",
        "/api/v1/awards/",
        f"/api/v1/awards/{award.award_number}/",
        "/api/v1/organizations/",
        reverse("artifacts:list"),
        reverse("artifacts:detail", args=["public-one"]),
        reverse("artifacts:project-list"),
        reverse("artifacts:project-detail", args=[award.award_number]),
        reverse("artifacts:feed-atom"),
        reverse("artifacts:feed-rss"),
        *(reverse("artifacts:open-data-file", args=[name]) for name in CONTENT_TYPES),
    ]


def _validators(client: Any, urls: list[str]) -> dict[str, tuple[str | None, str | None]]:
    seen = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.has_header("ETag"), url
        seen[url] = (response.get("ETag"), response.get("Last-Modified"))
    return seen


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.OPEN_DATA_DIR = tmp_path
    return tmp_path


def _export(when: dt.datetime) -> None:
    with time_machine.travel(when, tick=False):
        open_data_export()


def test_editing_a_draft_moves_no_public_etag_or_last_modified(client, data_dir):
    award, draft = _catalogue()
    _export(DAY_ONE)
    urls = _public_urls(award)
    before = _validators(client, urls)

    with time_machine.travel(DAY_TWO, tick=False):
        artifact_update(
            artifact=draft,
            title="Draft, renamed",
            repository_url="https://code.example.org/draft-one",
            doi="10.5281/zenodo.2",
        )
        _check_links(draft)
    _export(DAY_TWO + dt.timedelta(hours=1))

    assert _validators(client, urls) == before


def test_creating_a_draft_moves_no_public_etag_or_last_modified(client, data_dir):
    award, _ = _catalogue()
    _export(DAY_ONE)
    urls = _public_urls(award)
    before = _validators(client, urls)

    with time_machine.travel(DAY_TWO, tick=False):
        created = artifact_create(
            award=award,
            kind="tool",
            title="A new draft",
            summary="Not public yet.",
            landing_url="https://example.org/new-draft",
        )
        _check_links(created)
    _export(DAY_TWO + dt.timedelta(hours=1))

    assert _validators(client, urls) == before


def test_publishing_a_draft_moves_the_public_validators(client, data_dir):
    _, draft = _catalogue()
    _export(DAY_ONE)
    urls = [
        "/api/v1/artifacts/",
        "/api/v1/awards/",
        reverse("artifacts:feed-atom"),
        reverse("artifacts:open-data-file", args=["artifacts.csv"]),
    ]
    before = _validators(client, urls)

    with time_machine.travel(DAY_TWO, tick=False):
        artifact_publish(artifact=draft)
    _export(DAY_TWO + dt.timedelta(hours=1))

    after = _validators(client, urls)
    for url in urls:
        assert after[url][0] != before[url][0], url
        assert after[url][1] != before[url][1], url
