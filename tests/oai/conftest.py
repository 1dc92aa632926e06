"""Fixtures of the OAI-PMH tests: a small catalogue, the schemas every response is validated
against (offline, tests/standards/schemas/), and a harvester that validates what it gets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from sickle import Sickle

from tests.artifacts.factories import ArtifactCreatorFactory, ArtifactFactory
from tests.proposals.factories import AwardFactory, CycleFactory, OrganizationFactory

SCHEMAS = Path(__file__).parent.parent / "standards" / "schemas"
OAI = "{http://www.openarchives.org/OAI/2.0/}"


@pytest.fixture(scope="session")
def oai_schema() -> etree.XMLSchema:
    """OAI-PMH.xsd with the oai_dc and DataCite kernel-4 schemas: OAI-PMH.xsd checks the
    metadata inside a record strictly, against its own namespace's schema."""
    return etree.XMLSchema(etree.parse(str(SCHEMAS / "oai-pmh" / "harvest.xsd")))


def validate(schema: etree.XMLSchema, body: bytes | str) -> etree._Element:
    """The parsed response, asserting it is valid OAI-PMH (and its records' metadata)."""
    document = etree.fromstring(body.encode() if isinstance(body, str) else body)
    assert schema.validate(document), [f"{e.line}: {e.message}" for e in schema.error_log]
    return document


def oai_get(client: Any, schema: etree.XMLSchema, **params: str) -> etree._Element:
    response = client.get("/oai", params)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/xml")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return validate(schema, body)


def error_code(document: etree._Element) -> str | None:
    error = document.find(f"{OAI}error")
    return None if error is None else error.get("code")


class ValidatingSickle(Sickle):
    """Sickle that keeps every response and validates it against the OAI-PMH schema."""

    def __init__(self, endpoint: str, schema: etree.XMLSchema, **kwargs: Any) -> None:
        super().__init__(endpoint, **kwargs)
        self.schema = schema
        self.responses: list[Any] = []

    def harvest(self, **kwargs: Any) -> Any:
        response = super().harvest(**kwargs)
        validate(self.schema, response.raw)
        self.responses.append(response)
        return response


@pytest.fixture
def harvester(live_server: Any, oai_schema: etree.XMLSchema) -> ValidatingSickle:
    return ValidatingSickle(f"{live_server.url}/oai", oai_schema, max_retries=0)


@pytest.fixture
def catalogue(db: None) -> dict[str, Any]:
    """Published artifacts with and without DOIs in two kinds and two cycles, a retired one,
    and one artifact in each non-public state."""
    cycles = [CycleFactory(year=2021), CycleFactory(year=2022)]
    awards = [AwardFactory(cycle=c, institution=OrganizationFactory()) for c in cycles]
    published = []
    for n in range(5):
        artifact = ArtifactFactory(
            award=awards[n % 2],
            kind="dataset" if n % 2 == 0 else "tool",
            doi=f"10.5281/zenodo.{1000 + n}" if n < 3 else "",
        )
        ArtifactCreatorFactory(artifact=artifact)
        published.append(artifact)
    retired = ArtifactFactory(
        award=awards[0], status="retired", doi="10.5281/zenodo.9999", retirement_note="Moved."
    )
    hidden = [
        ArtifactFactory(award=awards[0], status=status, published_at=None, slug=f"hidden-{status}")
        for status in ("draft", "submitted", "rejected")
    ]
    return {"published": published, "retired": retired, "hidden": hidden, "awards": awards}
