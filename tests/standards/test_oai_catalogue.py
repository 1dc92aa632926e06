"""The demo catalogue and its edge cases harvested over OAI-PMH, page by page through
resumption tokens, in both metadata formats: every response valid by the OAI-PMH XSD (and
each record's metadata by oai_dc's or DataCite's kernel-4 XSD), every public artifact once,
retired ones as deleted records, nothing else."""

from __future__ import annotations

import re
from typing import Any

import pytest
from lxml import etree

from artifacts.models import Artifact
from proposals.models import Person
from tests.oai.conftest import OAI, SCHEMAS, error_code, oai_get

pytestmark = pytest.mark.django_db

E_MAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


@pytest.fixture(scope="module")
def oai_schema() -> etree.XMLSchema:
    """OAI-PMH.xsd with the schemas of both metadata formats (as tests/oai/ validates)."""
    return etree.XMLSchema(etree.parse(str(SCHEMAS / "oai-pmh" / "harvest.xsd")))


def _harvest(client: Any, schema: etree.XMLSchema, prefix: str) -> list[etree._Element]:
    headers: list[etree._Element] = []
    params = {"verb": "ListRecords", "metadataPrefix": prefix}
    while True:
        document = oai_get(client, schema, **params)
        assert error_code(document) is None, etree.tostring(document)[:500]
        headers += document.findall(f"{OAI}ListRecords/{OAI}record/{OAI}header")
        token = document.find(f"{OAI}ListRecords/{OAI}resumptionToken")
        if token is None or not token.text:
            return headers
        params = {"verb": "ListRecords", "resumptionToken": token.text}


def _slug(header: etree._Element) -> str:
    return str(header.findtext(f"{OAI}identifier")).rsplit(":", 1)[1]


@pytest.mark.parametrize("prefix", ["oai_dc", "oai_datacite"])
def test_the_catalogue_harvests_whole_and_valid_in_each_format(
    client, settings, standards_catalogue, oai_schema, prefix
):
    settings.OAI_PAGE_SIZE = 4
    headers = _harvest(client, oai_schema, prefix)

    # oai_datacite needs a DOI; a deleted record has no metadata, so it is listed in both.
    retired = Artifact.Status.RETIRED
    expected = [
        a for a in standards_catalogue if prefix == "oai_dc" or a.doi or a.status == retired
    ]
    assert sorted(_slug(h) for h in headers) == sorted(a.slug for a in expected)
    deleted = {_slug(h) for h in headers if h.get("status") == "deleted"}
    assert deleted == {a.slug for a in expected if a.status == Artifact.Status.RETIRED}
    assert len(headers) > settings.OAI_PAGE_SIZE  # more than one page was followed


def test_no_record_of_the_catalogue_carries_an_e_mail_address(
    client, settings, standards_catalogue, oai_schema
):
    settings.OAI_PAGE_SIZE = 500
    document = oai_get(client, oai_schema, verb="ListRecords", metadataPrefix="oai_dc")
    records = document.findall(f"{OAI}ListRecords/{OAI}record")
    assert records
    text = b"".join(etree.tostring(record) for record in records).decode()
    # The edge cases put a bare "@" in every text field; an address has one between words.
    assert not E_MAIL.search(text), E_MAIL.search(text)
    for email in Person.objects.exclude(email="").values_list("email", flat=True):
        assert email not in text
