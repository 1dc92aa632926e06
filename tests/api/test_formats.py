"""One artifact in JSON-LD, DataCite JSON, BibTeX and CITATION.cff, by Accept or ?format=."""

import pytest

from tests.artifacts.factories import ArtifactCreatorFactory, ArtifactFactory
from tests.proposals.factories import (
    AwardFactory,
    OrganizationFactory,
    PersonFactory,
    ProgramFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def artifact():
    program = ProgramFactory()
    nsf = OrganizationFactory(
        name="National Science Foundation", ror_id="021nxhr62", funder_id="100000001"
    )
    program.funders.add(nsf)
    program.award_funder = nsf
    program.save()
    artifact = ArtifactFactory(
        slug="crowd-audit-data",
        title="Crowd audit data",
        kind="dataset",
        doi="10.5281/zenodo.77",
        license="CC-BY-4.0",
        version="1.1",
        award=AwardFactory(program=program, award_number="2040942"),
    )
    ArtifactCreatorFactory(
        artifact=artifact,
        person=PersonFactory(given_name="Jason", family_name="Hong", orcid="0000-0002-1825-0097"),
    )
    return artifact


URL = "/api/v1/artifacts/crowd-audit-data/"


@pytest.mark.parametrize("how", ["accept", "format"])
def test_jsonld(client, artifact, how):
    response = (
        client.get(URL, HTTP_ACCEPT="application/ld+json")
        if how == "accept"
        else client.get(URL, {"format": "jsonld"})
    )
    assert response["Content-Type"].startswith("application/ld+json")
    data = response.json()
    assert data["@type"] == "Dataset"
    assert data["funding"]["identifier"] == "2040942"


def test_datacite_has_the_mandatory_properties_and_the_award(client, artifact):
    response = client.get(URL, HTTP_ACCEPT="application/vnd.datacite.datacite+json")
    assert response["Content-Type"].startswith("application/vnd.datacite.datacite+json")
    attributes = response.json()  # flat DataCite JSON, as the media type says
    assert "data" not in attributes
    assert attributes["doi"] == "10.5281/zenodo.77"
    assert attributes["titles"] == [{"title": "Crowd audit data"}]
    assert attributes["types"]["resourceTypeGeneral"] == "Dataset"
    assert int(attributes["publicationYear"]) > 2000
    assert attributes["publisher"]["name"]
    creator = attributes["creators"][0]
    assert creator["nameIdentifiers"][0]["nameIdentifierScheme"] == "ORCID"
    funding = attributes["fundingReferences"][0]
    assert funding["awardNumber"] == "2040942"
    assert funding["funderIdentifier"] == "https://doi.org/10.13039/100000001"
    assert funding["funderIdentifierType"] == "Crossref Funder ID"
    assert attributes["rightsList"][0]["rightsIdentifierScheme"] == "SPDX"


def test_bibtex_and_cff(client, artifact):
    bib = client.get(URL, {"format": "bibtex"})
    assert bib["Content-Type"].startswith("application/x-bibtex")
    assert bib.content.decode().startswith("@misc{hong")
    cff = client.get(URL, HTTP_ACCEPT="application/x-cff+yaml")
    assert "cff-version: 1.2.0" in cff.content.decode()


def test_unknown_format_is_a_4xx(client, artifact):
    assert client.get(URL, {"format": "xml"}).status_code == 404
    assert client.get(URL, HTTP_ACCEPT="application/xml").status_code == 406
    assert client.get("/api/v1/artifacts/", {"format": "bibtex"}).status_code == 404


def test_missing_artifact_in_a_text_format_is_a_plain_404(client):
    response = client.get("/api/v1/artifacts/none/", {"format": "bibtex"})
    assert response.status_code == 404
