"""Public catalogue pages: content, constant query counts, metadata, confidentiality."""

import datetime as dt
import json
import re

import pytest
from django.urls import reverse

from artifacts.models import Artifact, FairnessDimension
from artifacts.services import links
from proposals.models import Deadline
from tests.artifacts.factories import ArtifactCreatorFactory, ArtifactFactory
from tests.discovery.factories import PublicationFactory
from tests.proposals.factories import (
    AwardFactory,
    AwardInvestigatorFactory,
    CycleFactory,
    DeadlineFactory,
    OrganizationFactory,
    PersonFactory,
    ProgramFactory,
    ProposalFactory,
)

pytestmark = pytest.mark.django_db


def _catalogue(rows):
    """``rows`` published artifacts with creators, dimensions, cycles, institutions and
    three links each; each project also has ``rows`` publications."""
    gender = FairnessDimension.objects.get(slug="gender")
    last = None
    for index in range(rows):
        award = AwardFactory(cycle=CycleFactory(), institution=OrganizationFactory())
        AwardInvestigatorFactory(award=award)
        last = ArtifactFactory(
            award=award,
            dimensions=[gender],
            keywords=["bias", f"k{index}"],
            repository_url=f"https://code.example.org/{index}",
            doi=f"10.5281/zenodo.{index}",
        )
        links.artifact_links_sync(artifact=last)
        ArtifactCreatorFactory(artifact=last)
        DeadlineFactory(cycle=award.cycle)
    for _ in range(rows):
        PublicationFactory(award=last.award)
    return last


PAGES = {
    "home": lambda a: reverse("artifacts:home"),
    "list": lambda a: reverse("artifacts:list"),
    "search": lambda a: reverse("artifacts:list") + "?q=benchmark&dimension=gender&sort=title",
    "link-health": lambda a: reverse("artifacts:list") + "?link=unchecked&link=broken",
    "detail": lambda a: reverse("artifacts:detail", args=[a.slug]),
    "projects": lambda a: reverse("artifacts:project-list"),
    "project": lambda a: reverse("artifacts:project-detail", args=[a.award.award_number]),
    "cycles": lambda a: reverse("artifacts:cycle-list"),
}
# Queries per page whatever the number of rows shown.
PAGE_QUERIES = {
    "home": 7,
    "list": 7,
    "search": 7,
    "link-health": 7,
    # The links in one query, a dataset's sensitive attributes in one, what it supersedes in one.
    "detail": 8,
    "projects": 2,
    "project": 8,  # the publications in one query
    "cycles": 2,
}


@pytest.mark.parametrize("page", sorted(PAGES))
@pytest.mark.parametrize("rows", [1, 12])
def test_page_query_count_is_constant(client, django_assert_num_queries, page, rows):
    artifact = _catalogue(rows)
    with django_assert_num_queries(PAGE_QUERIES[page]):
        response = client.get(PAGES[page](artifact))
    assert response.status_code == 200


# The main navigation's entry each page is under (None: under none of them).
CURRENT_SECTION = {
    "home": None,
    "list": "Artifacts",
    "search": "Artifacts",
    "link-health": "Artifacts",
    "detail": "Artifacts",
    "projects": "Funded projects",
    "project": "Funded projects",
    "cycles": "Cycles &amp; deadlines",
}


@pytest.mark.parametrize("page", sorted(PAGES))
def test_the_navigation_marks_one_section_as_current_at_most(client, page):
    artifact = _catalogue(1)
    text = client.get(PAGES[page](artifact)).content.decode()
    current = re.findall(r'<a href="[^"]*" aria-current="page">([^<]*)</a>', text)
    assert current == ([CURRENT_SECTION[page]] if CURRENT_SECTION[page] else [])


def test_artifact_detail_shows_documentation_creators_and_project():
    person = PersonFactory(given_name="Ada", family_name="Lovelace", orcid="0000-0002-1825-0097")
    artifact = ArtifactFactory(
        title="Dialect benchmark",
        limitations="Only **three** dialects.",
        doi="10.5281/zenodo.42",
        license="CC-BY-4.0",
    )
    ArtifactCreatorFactory(artifact=artifact, person=person)
    from django.test import Client

    text = Client().get(reverse("artifacts:detail", args=[artifact.slug])).content.decode()
    assert '<h2 id="doc-1">Limitations</h2>' in text
    assert "Only <strong>three</strong> dialects." in text
    assert 'href="https://orcid.org/0000-0002-1825-0097"' in text
    assert 'href="https://doi.org/10.5281/zenodo.42"' in text
    assert f"NSF award {artifact.award.award_number}" in text


def _jsonld(client, artifact) -> dict:
    text = client.get(reverse("artifacts:detail", args=[artifact.slug])).content.decode()
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', text, re.S)
    assert block
    return json.loads(block.group(1))


@pytest.mark.parametrize(
    ("kind", "schema_type"),
    [("dataset", "Dataset"), ("tool", "SoftwareSourceCode"), ("metric", "CreativeWork")],
)
def test_artifact_detail_embeds_schema_org_jsonld(client, kind, schema_type):
    program = ProgramFactory()
    program.funders.add(OrganizationFactory(name="National Science Foundation", ror_id="021nxhr62"))
    artifact = ArtifactFactory(
        kind=kind,
        award=AwardFactory(program=program, award_number="2040942"),
        doi="10.5281/zenodo.7",
        license="MIT",
        version="2.1",
        release_date=dt.date(2022, 3, 1),
        keywords=["crowd audit"],
        repository_url="https://example.org/code",
    )
    ArtifactCreatorFactory(artifact=artifact, person=PersonFactory(orcid="0000-0002-1825-0097"))
    data = _jsonld(client, artifact)
    assert data["@type"] == schema_type
    assert data["identifier"] == "https://doi.org/10.5281/zenodo.7"
    assert data["license"] == "https://spdx.org/licenses/MIT.html"
    assert data["creator"][0]["sameAs"] == "https://orcid.org/0000-0002-1825-0097"
    assert data["funding"]["@type"] == "MonetaryGrant"
    assert data["funding"]["identifier"] == "2040942"
    assert data["funder"][0]["name"] == "National Science Foundation"
    assert data["isAccessibleForFree"] is True
    assert data["datePublished"] == "2022-03-01"
    assert data["version"] == "2.1"
    assert data["keywords"] == ["crowd audit"]


def test_citation_downloads(client):
    artifact = ArtifactFactory(title="Crowd audit data", doi="10.5281/zenodo.9", version="1.0")
    ArtifactCreatorFactory(artifact=artifact, person=PersonFactory(family_name="Hong"))
    bib = client.get(reverse("artifacts:cite-bibtex", args=[artifact.slug]))
    assert bib["Content-Type"].startswith("application/x-bibtex")
    assert "attachment" in bib["Content-Disposition"]
    body = bib.content.decode()
    assert body.startswith("@misc{hong")
    assert "doi = {10.5281/zenodo.9}" in body
    cff = client.get(reverse("artifacts:cite-cff", args=[artifact.slug])).content.decode()
    assert "cff-version: 1.2.0" in cff
    assert "type: dataset" in cff
    assert 'family-names: "Hong"' in cff


def test_markdown_is_rendered_without_scripts_or_javascript_links(client):
    artifact = ArtifactFactory(
        description="Hi <script>alert(1)</script> [x](javascript:alert(2)) [ok](https://a.org)"
    )
    text = client.get(reverse("artifacts:detail", args=[artifact.slug])).content.decode()
    assert "<script>alert(1)" not in text
    assert "javascript:" not in text
    assert 'href="https://a.org"' in text


def test_retired_artifact_keeps_its_page_with_a_notice(client):
    artifact = ArtifactFactory(
        status=Artifact.Status.RETIRED, retirement_note="Superseded by version 2."
    )
    response = client.get(reverse("artifacts:detail", args=[artifact.slug]))
    assert response.status_code == 200
    assert b"This artifact is retired" in response.content
    assert b"Superseded by version 2." in response.content


@pytest.mark.parametrize(
    "fields",
    [
        {"status": Artifact.Status.DRAFT, "published_at": None},
        {"status": Artifact.Status.RETIRED, "published_at": None},
    ],
)
def test_draft_and_retired_in_draft_artifacts_have_no_page(client, fields):
    artifact = ArtifactFactory(**fields)
    assert client.get(reverse("artifacts:detail", args=[artifact.slug])).status_code == 404
    assert client.get(reverse("artifacts:cite-bibtex", args=[artifact.slug])).status_code == 404


def test_search_page_highlights_and_keeps_state_in_the_url(client):
    ArtifactFactory(title="Dialect benchmark", kind="dataset")
    response = client.get(reverse("artifacts:list") + "?q=dialect&kind=dataset")
    text = response.content.decode()
    assert "<mark>Dialect</mark> benchmark" in text
    assert 'name="kind" value="dataset" checked' in text
    assert 'value="dialect"' in text


def test_search_page_reports_bad_parameters_instead_of_failing(client):
    response = client.get(reverse("artifacts:list") + "?year=abc&page=99")
    assert response.status_code == 200
    assert "is not a cycle year; ignored" in response.content.decode()


def test_cycles_page_spells_out_the_local_time_rule(client):
    cycle = CycleFactory(year=2020, solicitation_number="NSF 20-566")
    DeadlineFactory(cycle=cycle, due_date=dt.date(2020, 7, 13))
    text = client.get(reverse("artifacts:cycle-list")).content.decode()
    assert "July 13, 2020, 5 p.m. submitter&#x27;s local time" in text
    assert "July 13, 2020, 5:00 PM EDT" in text


def test_unknown_project_is_404(client):
    assert client.get(reverse("artifacts:project-detail", args=["9999999"])).status_code == 404


CANARY = "canary-7f3a9c"


def test_no_public_page_reveals_proposals_emails_or_staff_deadlines(client):
    artifact = _catalogue(2)
    award = artifact.award
    secret_person = PersonFactory(email=f"{CANARY}@example.edu")
    AwardInvestigatorFactory(award=AwardFactory(), person=secret_person)
    ProposalFactory(title=f"Proposal {CANARY}", cycle=award.cycle, abstract=CANARY)
    DeadlineFactory(
        cycle=award.cycle, label=f"Panel {CANARY}", visibility=Deadline.Visibility.STAFF
    )
    award.proposal = ProposalFactory(title=f"Linked {CANARY}")
    award.save()
    ArtifactFactory(title=f"Draft {CANARY}", slug="draft-canary", status="draft", published_at=None)
    urls = [build(artifact) for build in PAGES.values()]
    urls += [
        reverse("artifacts:cite-bibtex", args=[artifact.slug]),
        reverse("artifacts:cite-cff", args=[artifact.slug]),
        reverse("artifacts:list") + "?q=Draft",
        reverse("artifacts:project-list"),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert CANARY not in response.content.decode(), url
