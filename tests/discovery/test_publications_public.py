"""Publications of funded projects where the public reads them: the project page, the awards
API and the open-data package."""

from __future__ import annotations

import csv
import json

import pytest
import yaml
from django.urls import reverse

from artifacts.opendata.export import open_data_export
from artifacts.services.publications import publication_create, publication_delete
from tests.discovery.factories import PublicationFactory
from tests.proposals.factories import (
    AwardFactory,
    AwardInvestigatorFactory,
    PersonFactory,
    ProposalFactory,
)

pytestmark = pytest.mark.django_db

ORCID = "0000-0002-1825-0097"
CANARY = "canary-9d2e7"


def _page(client, award):
    response = client.get(reverse("artifacts:project-detail", args=[award.award_number]))
    assert response.status_code == 200
    return response.content.decode()


def _award_json(client, award):
    response = client.get(f"/api/v1/awards/{award.award_number}/")
    assert response.status_code == 200
    return response.json()


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.OPEN_DATA_DIR = tmp_path / "opendata"
    settings.SITE_URL = "http://testserver"
    return settings.OPEN_DATA_DIR


def _publications_csv(data_dir):
    with (data_dir / "current" / "publications.csv").open(encoding="utf-8", newline="") as rows:
        return list(csv.DictReader(rows))


# --- The project page ------------------------------------------------------------------


def test_project_page_links_each_title_to_its_doi_and_authors_to_their_orcid(client):
    award = AwardFactory()
    PublicationFactory(
        award=award,
        title="Racial disparities in automated speech recognition",
        doi="10.1073/pnas.1915768117",
        authors=[
            {"name": "Allison Koenecke", "orcid": ORCID},
            {"name": "Andrew Nam", "orcid": ""},
        ],
        venue="Proceedings of the National Academy of Sciences",
        year=2020,
    )

    page = _page(client, award)

    assert '<h2 id="publications-heading">Publications</h2>' in page
    assert (
        '<a href="https://doi.org/10.1073/pnas.1915768117">'
        "Racial disparities in automated speech recognition</a>"
    ) in page
    assert f'Allison Koenecke <a href="https://orcid.org/{ORCID}">ORCID' in page
    assert "Andrew Nam" in page
    assert page.count("https://orcid.org/") == 1
    assert "<cite>Proceedings of the National Academy of Sciences</cite>, 2020" in page


def test_project_page_links_a_publication_without_doi_to_its_address(client):
    award = AwardFactory()
    PublicationFactory(
        award=award, doi="", url="https://aclanthology.org/2021.acl-long.1/", title="On dialects"
    )
    PublicationFactory(award=award, doi="", url="", title="A workshop talk")

    page = _page(client, award)

    assert '<a href="https://aclanthology.org/2021.acl-long.1/">On dialects</a>' in page
    assert '<h3 class="card-title">A workshop talk</h3>' in page


def test_project_page_lists_publications_newest_first_and_undated_last(client):
    award = AwardFactory()
    for title, year in [("Older", 2019), ("Undated", None), ("Newest", 2023), ("Middle", 2021)]:
        PublicationFactory(award=award, title=title, year=year)

    page = _page(client, award)

    positions = [page.index(f">{title}</a>") for title in ("Newest", "Middle", "Older", "Undated")]
    assert positions == sorted(positions)


def test_project_page_without_publications_has_no_publications_section(client):
    award = AwardFactory()

    assert "Publications" not in _page(client, award)


def test_project_page_shows_only_its_own_awards_publications(client):
    award, other = AwardFactory(), AwardFactory()
    PublicationFactory(award=award, title="Ours")
    PublicationFactory(award=other, title="Theirs")

    page = _page(client, award)

    assert ">Ours</a>" in page
    assert "Theirs" not in page


def test_project_page_queries_do_not_grow_with_publications(client, count_queries):
    award = AwardFactory()
    AwardInvestigatorFactory(award=award)
    url = reverse("artifacts:project-detail", args=[award.award_number])
    PublicationFactory(award=award)
    one = count_queries(lambda: client.get(url))
    for _ in range(5):
        PublicationFactory(award=award)

    assert count_queries(lambda: client.get(url)) == one


# --- The API ---------------------------------------------------------------------------


def test_award_api_gives_each_publication_doi_title_authors_venue_year_and_url(client):
    award = AwardFactory()
    PublicationFactory(
        award=award,
        doi="10.1145/3442188.3445922",
        title="On the dangers of stochastic parrots",
        authors=[{"name": "Emily M. Bender", "orcid": ORCID}],
        venue="FAccT '21",
        year=2021,
        url="https://dl.acm.org/doi/10.1145/3442188.3445922",
    )

    body = _award_json(client, award)

    assert body["publications"] == [
        {
            "doi": "10.1145/3442188.3445922",
            "title": "On the dangers of stochastic parrots",
            "authors": [{"name": "Emily M. Bender", "orcid": ORCID}],
            "venue": "FAccT '21",
            "year": 2021,
            "url": "https://dl.acm.org/doi/10.1145/3442188.3445922",
        }
    ]


def test_award_api_list_gives_each_award_its_own_publications_newest_first(client):
    award, other, bare = AwardFactory(), AwardFactory(), AwardFactory()
    PublicationFactory(award=award, title="Undated", year=None)
    PublicationFactory(award=award, title="Early", year=2020)
    PublicationFactory(award=award, title="Late", year=2022)
    PublicationFactory(award=other, title="Other's")

    results = {a["award_number"]: a for a in client.get("/api/v1/awards/").json()["results"]}

    assert [p["title"] for p in results[award.award_number]["publications"]] == [
        "Late",
        "Early",
        "Undated",
    ]
    assert [p["title"] for p in results[other.award_number]["publications"]] == ["Other's"]
    assert results[bare.award_number]["publications"] == []


def test_award_api_list_queries_do_not_grow_with_awards_or_publications(client, count_queries):
    def list_with(n):
        for _ in range(n):
            award = AwardFactory()
            AwardInvestigatorFactory(award=award)
            PublicationFactory(award=award)
            PublicationFactory(award=award)
        return count_queries(lambda: client.get("/api/v1/awards/"))

    assert list_with(2) == list_with(6)


def test_award_api_list_etag_moves_when_a_publication_is_added_or_removed(client):
    award = AwardFactory()
    etag = client.get("/api/v1/awards/")["ETag"]
    assert client.get("/api/v1/awards/", HTTP_IF_NONE_MATCH=etag).status_code == 304

    publication = publication_create(award=award, title="Fresh paper", year=2024)
    added = client.get("/api/v1/awards/", HTTP_IF_NONE_MATCH=etag)
    assert added.status_code == 200
    assert added.json()["results"][0]["publications"][0]["title"] == "Fresh paper"

    publication_delete(publication=publication)
    removed = client.get("/api/v1/awards/", HTTP_IF_NONE_MATCH=added["ETag"])
    assert removed.status_code == 200
    assert removed.json()["results"][0]["publications"] == []


def test_schema_describes_the_publications_and_their_authors(client):
    schema = yaml.safe_load(client.get(reverse("api-schema")).content)
    components = schema["components"]["schemas"]

    award = components["Award"]["properties"]
    assert award["publications"]["items"] == {"$ref": "#/components/schemas/Publication"}
    assert award["publications"]["description"]
    publication = components["Publication"]["properties"]
    assert list(publication) == ["doi", "title", "authors", "venue", "year", "url"]
    assert all(field.get("description") for field in publication.values())
    assert publication["authors"]["items"] == {"$ref": "#/components/schemas/Author"}
    author = components["Author"]["properties"]
    assert set(author) == {"name", "orcid"}
    assert all(field.get("description") for field in author.values())


# --- Open data -------------------------------------------------------------------------


def test_publications_csv_has_every_publication_with_names_and_orcids(data_dir):
    award = AwardFactory(award_number="2040942")
    PublicationFactory(
        award=award,
        doi="10.1073/pnas.1915768117",
        title="Racial disparities in automated speech recognition",
        authors=[{"name": "Allison Koenecke", "orcid": ORCID}, {"name": "Andrew Nam"}],
        venue="PNAS",
        year=2020,
        url="https://www.pnas.org/doi/10.1073/pnas.1915768117",
    )
    PublicationFactory(award=award, doi="", title="Undated note", year=None, authors=[], venue="")

    open_data_export()

    assert _publications_csv(data_dir) == [
        {
            "award_number": "2040942",
            "doi": "10.1073/pnas.1915768117",
            "title": "Racial disparities in automated speech recognition",
            "authors": '["Allison Koenecke","Andrew Nam"]',
            "author_orcids": f'["{ORCID}",""]',
            "venue": "PNAS",
            "year": "2020",
            "url": "https://www.pnas.org/doi/10.1073/pnas.1915768117",
        },
        {
            "award_number": "2040942",
            "doi": "",
            "title": "Undated note",
            "authors": "[]",
            "author_orcids": "[]",
            "venue": "",
            "year": "",
            "url": "",
        },
    ]


def test_publications_csv_quotes_text_a_spreadsheet_would_run(data_dir):
    PublicationFactory(title='=HYPERLINK("https://example.org")', venue="@SUM(1+1)")

    open_data_export()

    [row] = _publications_csv(data_dir)
    assert row["title"] == '\'=HYPERLINK("https://example.org")'
    assert row["venue"] == "'@SUM(1+1)"


def test_publications_csv_is_described_in_the_package_and_on_the_data_page(client, data_dir):
    PublicationFactory()

    open_data_export()

    package = json.loads((data_dir / "current" / "datapackage.json").read_text())
    [resource] = [r for r in package["resources"] if r["name"] == "publications"]
    assert resource["path"] == "publications.csv"
    assert resource["rows"] == 1
    header = (data_dir / "current" / "publications.csv").read_text().splitlines()[0]
    assert [f["name"] for f in resource["schema"]["fields"]] == header.split(",")
    page = client.get(reverse("artifacts:open-data")).content.decode()
    assert 'href="/data/publications.csv"' in page
    assert "Columns of publications.csv" in page
    assert "<code>author_orcids</code>" in page


def test_open_data_export_queries_do_not_grow_with_publications(data_dir, count_queries):
    def export_with(n):
        for _ in range(n):
            PublicationFactory()
        return count_queries(open_data_export)

    assert export_with(2) == export_with(6)


# --- What never appears ----------------------------------------------------------------


def test_an_authors_email_address_or_a_proposal_never_appears(client, data_dir):
    award = AwardFactory()
    award.proposal = ProposalFactory(title=f"Proposal {CANARY}", abstract=CANARY)
    award.save()
    AwardInvestigatorFactory(award=award, person=PersonFactory(email=f"pi-{CANARY}@example.edu"))
    # Stored author entries may carry more than a name and an ORCID iD (edited by hand).
    PublicationFactory(
        award=award,
        title="Auditing hiring algorithms",
        authors=[{"name": "Ada Researcher", "orcid": ORCID, "email": f"ada-{CANARY}@example.edu"}],
    )

    open_data_export()

    page = _page(client, award)
    api = client.get(f"/api/v1/awards/{award.award_number}/").content.decode()
    listing = client.get("/api/v1/awards/").content.decode()
    exported = (data_dir / "current" / "publications.csv").read_text(encoding="utf-8")
    for shown in (page, api, listing, exported):
        assert "Auditing hiring algorithms" in shown
        assert "Ada Researcher" in shown
        assert CANARY not in shown
        assert "@example.edu" not in shown
