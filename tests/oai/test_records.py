"""What the OAI records say and cost: Dublin Core and DataCite content valid by their schemas,
nothing confidential in any response, and queries that do not grow with the page."""

from __future__ import annotations

import pytest

from tests.artifacts.factories import ArtifactCreatorFactory, ArtifactFactory
from tests.oai.conftest import OAI, oai_get
from tests.proposals.factories import AwardFactory, CycleFactory, OrganizationFactory
from tests.test_confidentiality import CANARY, _plant_canaries

pytestmark = pytest.mark.django_db

DC = "{http://purl.org/dc/elements/1.1/}"
HOST = "127.0.0.1"


def test_oai_dc_names_the_title_creators_identifiers_and_rights(client, oai_schema, catalogue):
    artifact = catalogue["published"][0]
    document = oai_get(
        client,
        oai_schema,
        verb="GetRecord",
        metadataPrefix="oai_dc",
        identifier=f"oai:{HOST}:{artifact.slug}",
    )
    fields: dict[str, list[str]] = {}
    for element in document.iter(f"{DC}*"):
        fields.setdefault(element.tag.removeprefix(DC), []).append(element.text or "")
    assert fields["title"] == [artifact.title]
    person = artifact.creator_links.get().person
    assert fields["creator"] == [f"{person.family_name}, {person.given_name}"]
    assert f"https://doi.org/{artifact.doi}" in fields["identifier"]
    assert fields["type"] == ["Dataset"]
    assert "https://spdx.org/licenses/CC-BY-4.0.html" in fields["rights"]


def test_oai_datacite_is_a_kernel_4_resource_with_the_doi(client, oai_schema, catalogue):
    artifact = catalogue["published"][0]
    document = oai_get(
        client,
        oai_schema,
        verb="GetRecord",
        metadataPrefix="oai_datacite",
        identifier=f"oai:{HOST}:{artifact.slug}",
    )
    kernel = "{http://datacite.org/schema/kernel-4}"
    identifier = document.find(f".//{kernel}resource/{kernel}identifier")
    assert identifier is not None
    assert identifier.text == artifact.doi


def test_a_retired_artifact_has_a_deleted_header_in_get_record(client, oai_schema, catalogue):
    document = oai_get(
        client,
        oai_schema,
        verb="GetRecord",
        metadataPrefix="oai_dc",
        identifier=f"oai:{HOST}:{catalogue['retired'].slug}",
    )
    header = document.find(f".//{OAI}header")
    assert header is not None
    assert header.get("status") == "deleted"


def test_no_response_reveals_the_canary(client, oai_schema):
    _cycle, _award, artifact = _plant_canaries()
    identifier = f"oai:{HOST}:{artifact.slug}"
    requests = [
        {"verb": "Identify"},
        {"verb": "ListSets"},
        {"verb": "ListMetadataFormats", "identifier": identifier},
        {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc"},
        {"verb": "ListRecords", "metadataPrefix": "oai_dc"},
        {"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": identifier},
        {"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": f"oai:{HOST}:draft-one"},
    ]
    for params in requests:
        response = client.get("/oai", params)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert CANARY not in body.decode(), params
        assert b"@example.edu" not in body, params


def _rich_catalogue(n: int) -> None:
    cycle = CycleFactory(year=2021)
    for _ in range(n):
        award = AwardFactory(cycle=cycle, institution=OrganizationFactory())
        artifact = ArtifactFactory(award=award, doi="")
        ArtifactCreatorFactory(artifact=artifact)
        ArtifactCreatorFactory(artifact=artifact, order=1)


# Queries of a first page and of a next one (which reads the list size from its token):
# ListRecords adds one each for creators, dimensions, tasks and funders to the page's query.
PAGE_QUERIES = {"ListRecords": (6, 5), "ListIdentifiers": (2, 1)}


@pytest.mark.parametrize("verb", list(PAGE_QUERIES))
def test_a_page_costs_the_same_queries_whatever_its_size(
    client, oai_schema, settings, django_assert_num_queries, verb
):
    _rich_catalogue(12)
    first_page, next_page = PAGE_QUERIES[verb]
    settings.OAI_PAGE_SIZE = 5
    with django_assert_num_queries(first_page):
        first = oai_get(client, oai_schema, verb=verb, metadataPrefix="oai_dc")
    token = first.find(f".//{OAI}resumptionToken")
    assert token is not None
    assert token.text
    with django_assert_num_queries(next_page):
        oai_get(client, oai_schema, verb=verb, resumptionToken=token.text)
    settings.OAI_PAGE_SIZE = 500
    with django_assert_num_queries(first_page):
        whole = oai_get(client, oai_schema, verb=verb, metadataPrefix="oai_dc")
    assert len(whole.findall(f".//{OAI}header")) == 12
