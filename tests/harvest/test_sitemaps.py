"""/sitemap.xml: a sitemap index whose every section validates against the sitemaps.org
XSDs, dates each entry, lists only public pages, and costs the same few queries however
many artifacts there are."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone
from lxml import etree

from artifacts.models import Artifact
from artifacts.sitemaps import ArtifactSitemap
from tests.artifacts.factories import ArtifactCreatorFactory, ArtifactFactory
from tests.proposals.factories import (
    AwardFactory,
    AwardInvestigatorFactory,
    ProposalInvestigatorFactory,
)

SCHEMAS = Path(__file__).resolve().parents[1] / "standards" / "schemas" / "sitemaps"
NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def _schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / name)))


def _valid(content: bytes, schema: str) -> Any:
    document = etree.fromstring(content)
    validator = _schema(schema)
    assert validator.validate(document), validator.error_log
    return document


def _index(client: Any) -> Any:
    response = client.get(reverse("artifacts:sitemap"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    return _valid(response.content, "siteindex.xsd")


def _section_urls(client: Any) -> list[str]:
    return [loc.text for loc in _index(client).iterfind("sm:sitemap/sm:loc", NS)]


def _section(client: Any, url: str) -> Any:
    parts = urlsplit(url)
    response = client.get(parts.path + (f"?{parts.query}" if parts.query else ""))
    assert response.status_code == 200, url
    return _valid(response.content, "sitemap.xsd")


def _all_locations(client: Any) -> dict[str, str | None]:
    """Every page the sitemaps list, with its lastmod."""
    found: dict[str, str | None] = {}
    for url in _section_urls(client):
        for entry in _section(client, url).iterfind("sm:url", NS):
            found[urlsplit(entry.findtext("sm:loc", namespaces=NS)).path] = entry.findtext(
                "sm:lastmod", namespaces=NS
            )
    return found


def test_the_sitemap_index_validates_and_dates_every_section(client, catalogue):
    index = _index(client)
    entries = index.findall("sm:sitemap", NS)
    assert [urlsplit(e.findtext("sm:loc", namespaces=NS)).path for e in entries] == [
        "/sitemap-pages.xml",
        "/sitemap-cycles.xml",
        "/sitemap-projects.xml",
        "/sitemap-institutions.xml",
        "/sitemap-people.xml",
        "/sitemap-artifacts.xml",
    ]
    for entry in entries:
        assert entry.findtext("sm:loc", namespaces=NS).startswith("http://testserver/")
        assert entry.findtext("sm:lastmod", namespaces=NS)


def test_every_section_validates_against_the_sitemap_schema(client, catalogue):
    for url in _section_urls(client):
        assert _section(client, url).findall("sm:url", NS), url


def test_the_sitemaps_list_the_public_pages_each_with_a_lastmod(client, catalogue):
    listed = _all_locations(client)
    expected = {
        "/",
        "/artifacts/",
        "/projects/",
        "/cycles/",
        "/numbers/",
        "/projects/2040001/",
        "/artifacts/crowd-labels/",
        "/artifacts/bias-probe/",
        "/artifacts/old-benchmark/",
    }
    assert expected <= set(listed)
    assert all(listed[path] for path in expected), listed


def test_drafts_and_submissions_are_never_listed(client, catalogue):
    listed = _all_locations(client)
    assert "/artifacts/draft-thing/" not in listed
    assert "/artifacts/submitted-thing/" not in listed


def test_no_private_area_is_listed(client, catalogue):
    private = ("/admin/", "/my/", "/account/", "/reminders/", "/api/")
    assert [path for path in _all_locations(client) if path.startswith(private)] == []


def test_an_artifact_lastmod_is_its_updated_at(client, catalogue):
    Artifact.objects.filter(pk=catalogue.tool.pk).update(
        updated_at=dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.UTC)
    )
    # Django's sitemap template writes the day (W3C Datetime allows it).
    assert _all_locations(client)["/artifacts/bias-probe/"] == "2024-05-06"


def test_a_retired_artifact_is_dated_by_its_retirement(client, catalogue):
    retired = Artifact.objects.get(pk=catalogue.retired.pk)
    assert retired.retired_at is not None
    lastmod = dt.date.fromisoformat(_all_locations(client)["/artifacts/old-benchmark/"] or "")
    # Sitemap dates are the program's calendar days (Django's sitemap writes the local date).
    assert (
        lastmod == timezone.localdate(retired.updated_at) >= timezone.localdate(retired.retired_at)
    )


def test_a_project_is_dated_by_its_latest_published_artifact(client, catalogue):
    old = dt.datetime(2021, 1, 1, tzinfo=dt.UTC)
    award = AwardFactory(award_number="2040002")
    type(award).objects.filter(pk=award.pk).update(updated_at=old)
    artifact = ArtifactFactory(award=award)
    draft = ArtifactFactory(award=award, status="draft", published_at=None)
    Artifact.objects.filter(pk=artifact.pk).update(
        updated_at=dt.datetime(2023, 3, 3, 12, tzinfo=dt.UTC)
    )
    # A draft edited later moves nothing public.
    Artifact.objects.filter(pk=draft.pk).update(updated_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    assert _all_locations(client)["/projects/2040002/"] == "2023-03-03"


def test_a_section_past_its_limit_is_paginated_in_the_index(client, catalogue, monkeypatch):
    monkeypatch.setattr(ArtifactSitemap, "limit", 2)
    sections = _section_urls(client)
    assert sections[-2:] == [
        "http://testserver/sitemap-artifacts.xml",
        "http://testserver/sitemap-artifacts.xml?p=2",
    ]
    first = _section(client, sections[-2]).findall("sm:url", NS)
    second = _section(client, sections[-1]).findall("sm:url", NS)
    assert (len(first), len(second)) == (2, 1)


@pytest.mark.parametrize("page", ["0", "9", "x", "1.5", "-1"])
def test_a_page_that_does_not_exist_is_404(client, catalogue, page):
    assert client.get(f"/sitemap-artifacts.xml?p={page}").status_code == 404


def _many_artifacts(count: int) -> None:
    award = AwardFactory()
    ArtifactFactory.create_batch(count, award=award)


@pytest.mark.parametrize("count", [3, 40])
def test_the_index_costs_the_same_queries_for_any_catalogue(
    client, catalogue, django_assert_num_queries, count
):
    _many_artifacts(count)
    # Latest change of public artifacts, published ones, awards and public deadlines; a
    # count per section with rows in the database (projects, institutions, people,
    # artifacts).
    with django_assert_num_queries(8):
        assert client.get(reverse("artifacts:sitemap")).status_code == 200


@pytest.mark.parametrize("count", [3, 40])
def test_the_artifact_section_costs_the_same_queries_for_any_catalogue(
    client, catalogue, django_assert_num_queries, count
):
    _many_artifacts(count)
    with django_assert_num_queries(2):  # the count, then the page of rows
        response = client.get("/sitemap-artifacts.xml")
    assert response.content.count(b"<url>") == count + 3


@pytest.mark.parametrize("count", [3, 40])
def test_the_project_section_costs_the_same_queries_for_any_catalogue(
    client, catalogue, django_assert_num_queries, count
):
    AwardFactory.create_batch(count)
    with django_assert_num_queries(2):
        response = client.get("/sitemap-projects.xml")
    assert response.content.count(b"<url>") == count + 1


def test_institutions_and_people_are_listed_only_with_a_public_role(client, catalogue):
    creator = catalogue.dataset.creator_links.first().person
    investigator = AwardInvestigatorFactory(award=catalogue.award).person
    draft_only = ArtifactCreatorFactory(artifact=catalogue.draft).person
    applicant = ProposalInvestigatorFactory(role="pi").person
    listed = _all_locations(client)
    assert f"/institutions/{catalogue.award.institution_id}/" in listed
    assert f"/people/{creator.pk}/" in listed
    assert f"/people/{investigator.pk}/" in listed
    assert f"/people/{draft_only.pk}/" not in listed
    assert f"/people/{applicant.pk}/" not in listed
    # A person's affiliation is no award's institution: it has no public page.
    assert f"/institutions/{creator.affiliation_id}/" not in listed


def test_a_person_is_dated_by_their_latest_public_work(client, catalogue):
    creator = catalogue.dataset.creator_links.first().person
    Artifact.objects.filter(pk=catalogue.dataset.pk).update(
        updated_at=dt.datetime(2023, 3, 3, 12, tzinfo=dt.UTC)
    )
    assert _all_locations(client)[f"/people/{creator.pk}/"] == "2023-03-03"


def test_an_institution_is_dated_by_its_latest_published_artifact(client, catalogue):
    old = dt.datetime(2021, 1, 1, tzinfo=dt.UTC)
    type(catalogue.award).objects.filter(pk=catalogue.award.pk).update(updated_at=old)
    Artifact.objects.filter(award=catalogue.award).update(updated_at=old)
    Artifact.objects.filter(pk=catalogue.tool.pk).update(
        updated_at=dt.datetime(2024, 6, 7, 12, tzinfo=dt.UTC)
    )
    Artifact.objects.filter(pk=catalogue.draft.pk).update(
        updated_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    )
    listed = _all_locations(client)
    assert listed[f"/institutions/{catalogue.award.institution_id}/"] == "2024-06-07"


@pytest.mark.parametrize("count", [3, 40])
def test_the_institution_and_people_sections_cost_the_same_queries_for_any_catalogue(
    client, catalogue, django_assert_num_queries, count
):
    AwardInvestigatorFactory.create_batch(count)
    for section, rows in (("institutions", count + 1), ("people", count + 2)):
        with django_assert_num_queries(2):  # the count, then the page of rows
            response = client.get(f"/sitemap-{section}.xml")
        assert response.content.count(b"<url>") == rows, section
