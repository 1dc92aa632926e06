"""DataCite JSON passes DataCite's own validators: every artifact's record, as the API serves
it, is valid by the ``datacite`` package's JSON schema (metadata schema 4.5), and rendered to
DataCite XML by that package it is valid by the official kernel-4 XSD (vendored in
schemas/datacite/, validated with lxml). An artifact without a DOI has no record and says so."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from datacite import schema45
from django.db import connection
from django.test.utils import CaptureQueriesContext
from lxml import etree

from artifacts.models import Artifact
from proposals.models import Organization, Person

MEDIA_TYPE = "application/vnd.datacite.datacite+json"
KERNEL = "{http://datacite.org/schema/kernel-4}"
XSD = Path(__file__).parent / "schemas" / "datacite" / "metadata.xsd"
NSF_FUNDER_ID = "https://doi.org/10.13039/100000001"
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def kernel_xsd() -> etree.XMLSchema:
    # The includes are read beside the file; lxml's parser fetches nothing from the network.
    return etree.XMLSchema(etree.parse(str(XSD)))


def _url(artifact: Artifact) -> str:
    return f"/api/v1/artifacts/{artifact.slug}/"


def _record(client: Any, artifact: Artifact) -> dict[str, Any]:
    response = client.get(_url(artifact), HTTP_ACCEPT=MEDIA_TYPE)
    assert response.status_code == 200, (artifact.slug, response.content)
    return response.json()


def _problems(record: dict[str, Any], kernel_xsd: etree.XMLSchema) -> list[str]:
    """What DataCite's validators find wrong with ``record``: the package's JSON schema, then
    the kernel-4 XSD on the XML the package renders (as text, parsed back, as a client
    reads it)."""
    problems = [f"JSON schema: {e.message}" for e in schema45.validator.iter_errors(record)]
    if problems:
        return problems
    document = etree.fromstring(schema45.tostring(record).encode())
    if not kernel_xsd.validate(document):
        problems += [f"XSD line {e.line}: {e.message}" for e in kernel_xsd.error_log]
    return problems


def test_every_artifact_with_a_doi_is_valid_datacite_and_the_others_say_why(
    client, standards_catalogue, kernel_xsd
):
    with_doi = [a for a in standards_catalogue if a.doi]
    without_doi = [a for a in standards_catalogue if not a.doi]
    assert len(with_doi) >= 5  # the demo's datasets and the special-characters record
    assert without_doi
    problems = {a.slug: _problems(_record(client, a), kernel_xsd) for a in with_doi}
    assert problems == {a.slug: [] for a in with_doi}
    for artifact in without_doi:
        response = client.get(_url(artifact), HTTP_ACCEPT=MEDIA_TYPE)
        assert response.status_code == 406, artifact.slug
        assert "no DOI" in response.json()["detail"], artifact.slug


def test_the_validators_reject_the_defects_the_issue_found(client, edge_artifacts, kernel_xsd):
    """The checks are not vacuous: a null DOI, the REST envelope, a record with no DOI at all
    and a resource type outside the kernel's list each fail."""
    record = _record(client, edge_artifacts["special_characters"])
    assert _problems(record, kernel_xsd) == []
    assert _problems({**record, "doi": None}, kernel_xsd)
    assert _problems({"data": {"type": "dois", "attributes": record}}, kernel_xsd)
    without_doi = {key: value for key, value in record.items() if key != "doi"}
    assert any("identifier" in p for p in _problems(without_doi, kernel_xsd))
    assert _problems({**record, "types": {"resourceTypeGeneral": "Bogus"}}, kernel_xsd)


def test_the_rendered_xml_carries_every_text_exactly(client, edge_artifacts, kernel_xsd):
    """Every special character escaped once: the XML, read back, gives the same texts."""
    artifact = edge_artifacts["special_characters"]
    document = etree.fromstring(schema45.tostring(_record(client, artifact)).encode())
    assert kernel_xsd.validate(document), kernel_xsd.error_log
    assert document.findtext(f"{KERNEL}identifier") == artifact.doi
    assert document.find(f"{KERNEL}identifier").get("identifierType") == "DOI"
    assert document.findtext(f"{KERNEL}titles/{KERNEL}title") == artifact.title
    assert document.findtext(f"{KERNEL}descriptions/{KERNEL}description") == artifact.summary
    assert document.findtext(f"{KERNEL}version") == artifact.version
    subjects = [s.text for s in document.iter(f"{KERNEL}subject")]
    assert subjects == artifact.keywords
    person = artifact.creator_links.get().person
    creator = document.find(f"{KERNEL}creators/{KERNEL}creator")
    assert creator.findtext(f"{KERNEL}creatorName") == f"{person.family_name}, {person.given_name}"
    assert creator.findtext(f"{KERNEL}familyName") == person.family_name


def test_nsf_makes_the_award_and_is_named_by_its_crossref_funder_id(
    client, standards_catalogue, kernel_xsd
):
    artifact = next(a for a in standards_catalogue if a.doi and a.is_demo)
    references = _record(client, artifact)["fundingReferences"]
    award = artifact.award
    assert references[0] == {
        "funderName": "National Science Foundation",
        "funderIdentifier": NSF_FUNDER_ID,
        "funderIdentifierType": "Crossref Funder ID",
        "awardNumber": award.award_number,
        "awardTitle": award.title,
        "awardUri": f"https://www.nsf.gov/awardsearch/showAward?AWD_ID={award.award_number}",
    }
    document = etree.fromstring(schema45.tostring(_record(client, artifact)).encode())
    reference = document.find(f"{KERNEL}fundingReferences/{KERNEL}fundingReference")
    funder_id = reference.find(f"{KERNEL}funderIdentifier")
    assert (funder_id.text, funder_id.get("funderIdentifierType")) == (
        NSF_FUNDER_ID,
        "Crossref Funder ID",
    )
    assert reference.find(f"{KERNEL}awardNumber").get("awardURI").startswith("https://www.nsf.gov/")


def test_amazon_co_funds_and_carries_no_award_number(client, standards_catalogue):
    """Each funding reference names the award of the funder that made it: Amazon made none."""
    for artifact in [a for a in standards_catalogue if a.doi]:
        references = _record(client, artifact)["fundingReferences"]
        amazon = [r for r in references if r["funderName"] == "Amazon"]
        assert amazon == [{"funderName": "Amazon"}], artifact.slug
        with_number = [r for r in references if "awardNumber" in r]
        assert [r["funderName"] for r in with_number] == ["National Science Foundation"]


def test_a_funder_without_a_crossref_funder_id_is_named_by_ror(client, standards_catalogue):
    artifact = next(a for a in standards_catalogue if a.doi and a.is_demo)
    Organization.objects.filter(name="Amazon").update(ror_id="04mv4n011")
    amazon = _record(client, artifact)["fundingReferences"][1]
    assert amazon == {
        "funderName": "Amazon",
        "funderIdentifier": "https://ror.org/04mv4n011",
        "funderIdentifierType": "ROR",
    }


def test_a_record_is_flat_datacite_json_under_its_media_type(client, standards_catalogue):
    artifact = next(a for a in standards_catalogue if a.doi)
    by_accept = client.get(_url(artifact), HTTP_ACCEPT=MEDIA_TYPE)
    by_format = client.get(_url(artifact), {"format": "datacite"})
    for response in (by_accept, by_format):
        assert response.status_code == 200
        assert response["Content-Type"] == MEDIA_TYPE
        record = response.json()
        assert "data" not in record  # not the REST API's {data: {type, attributes}}
        assert record["doi"] == artifact.doi
        assert record["schemaVersion"] == "http://datacite.org/schema/kernel-4"
    assert by_accept.content == by_format.content


def test_an_artifact_without_a_doi_is_answered_plainly_and_not_advertised(client, edge_artifacts):
    artifact = edge_artifacts["no_creators"]
    by_accept = client.get(_url(artifact), HTTP_ACCEPT=MEDIA_TYPE)
    by_format = client.get(_url(artifact), {"format": "datacite"})
    assert (by_accept.status_code, by_format.status_code) == (406, 404)
    for response in (by_accept, by_format):
        # The body is an error, not a DataCite record: its media type says so.
        assert response["Content-Type"] == "application/json"
        assert "has no DOI registered yet" in response.json()["detail"]
    assert client.get(_url(artifact)).status_code == 200  # its other formats are there
    assert client.get(_url(artifact), {"format": "jsonld"}).status_code == 200
    page = client.get(f"/artifacts/{artifact.slug}/").content.decode()
    assert MEDIA_TYPE not in page
    with_doi = edge_artifacts["special_characters"]
    assert MEDIA_TYPE in client.get(f"/artifacts/{with_doi.slug}/").content.decode()


def test_a_missing_artifact_in_datacite_is_a_json_404(client, db):
    response = client.get("/api/v1/artifacts/no-such-thing/", HTTP_ACCEPT=MEDIA_TYPE)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"]


def test_an_artifact_naming_no_creators_has_the_kernels_unknown_value(
    client, edge_artifacts, kernel_xsd
):
    artifact = edge_artifacts["no_creators"]
    Artifact.objects.filter(pk=artifact.pk).update(doi="10.5555/no-creators")
    artifact.refresh_from_db()
    record = _record(client, artifact)
    assert record["creators"] == [{"name": "(:unav)"}]
    assert _problems(record, kernel_xsd) == []


def test_no_creator_email_reaches_a_datacite_record(client, standards_catalogue, edge_artifacts):
    special = edge_artifacts["special_characters"].creator_links.get().person
    Person.objects.filter(pk=special.pk).update(email="zoe.secret@example.edu")
    emails = set(Person.objects.exclude(email="").values_list("email", flat=True))
    assert "zoe.secret@example.edu" in emails
    for artifact in [a for a in standards_catalogue if a.doi]:
        body = client.get(_url(artifact), HTTP_ACCEPT=MEDIA_TYPE).content.decode()
        assert not EMAIL.search(body), artifact.slug
        assert not any(email in body for email in emails), artifact.slug


def test_a_datacite_record_costs_no_more_queries_than_the_json(client, standards_catalogue):
    artifact = max((a for a in standards_catalogue if a.doi), key=lambda a: a.creator_links.count())
    assert artifact.creator_links.count() >= 2
    counts = {}
    for fmt in ("json", "datacite"):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(_url(artifact), {"format": fmt}).status_code == 200
        counts[fmt] = len(queries)
    assert counts["datacite"] <= counts["json"], counts


def test_the_api_description_says_which_artifacts_have_a_datacite_record(client, db):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operation = schema["paths"]["/api/v1/artifacts/{slug}/"]["get"]
    assert "registered DOI" in operation["description"]
    datacite = operation["responses"]["200"]["content"][MEDIA_TYPE]["schema"]
    assert datacite["required"][0] == "doi"
