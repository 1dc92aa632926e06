"""schema.org JSON-LD of every artifact the standards catalogue has, read as an indexer reads
it: expanded by pyld against the vendored schema.org context (offline: the document loader
serves that file for https://schema.org and refuses anything else), every type and property
IRI looked up in the vendored schema.org vocabulary (the property expected on the node's
type, the value of a type the property's range allows, no superseded term), and Google's
Dataset rules (required and recommended properties) for every dataset."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from pyld import jsonld

from artifacts.metadata.common import (
    abstract_of,
    creators_of,
    date_of,
    funder_id_url,
    ror_url,
    spdx_url,
)
from artifacts.metadata.jsonld import artifact_jsonld, download_type
from artifacts.models import Artifact
from proposals.models import Person
from tests.artifacts.factories import ArtifactCreatorFactory, ArtifactFactory
from tests.proposals.factories import (
    AwardFactory,
    OrganizationFactory,
    PersonFactory,
    ProgramFactory,
)

SCHEMAORG = Path(__file__).parent / "schemas" / "schemaorg"
SCHEMA = "http://schema.org/"
# Where JSON-LD documents name schema.org's context; all of them are the vendored file.
CONTEXT_URLS = {
    "https://schema.org",
    "https://schema.org/",
    "http://schema.org",
    "http://schema.org/",
    "https://schema.org/docs/jsonldcontext.jsonld",
}
pytestmark = pytest.mark.django_db

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")


@cache
def _context() -> dict[str, Any]:
    document: dict[str, Any] = json.loads((SCHEMAORG / "schemaorgcontext.jsonld").read_text())
    return document


def offline_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """pyld's document loader for the tests: schema.org's context from the vendored file,
    nothing from the network."""
    if url not in CONTEXT_URLS:
        raise jsonld.JsonLdError(
            f"Only schema.org's vendored context is available offline, not {url}.",
            "jsonld.LoadDocumentError",
            code="loading document failed",
        )
    return {"contextUrl": None, "documentUrl": url, "document": _context()}


def expand(document: dict[str, Any]) -> list[dict[str, Any]]:
    expanded: list[dict[str, Any]] = jsonld.expand(document, {"documentLoader": offline_loader})
    return expanded


@dataclass(frozen=True)
class Vocabulary:
    """schema.org's classes, properties and enumeration members (the vendored extract)."""

    classes: dict[str, list[str]]
    datatypes: list[str]
    properties: dict[str, dict[str, list[str]]]
    members: dict[str, list[str]]
    superseded: dict[str, list[str]]

    @classmethod
    @cache
    def load(cls) -> Vocabulary:
        data = json.loads((SCHEMAORG / "schemaorg-vocabulary.json").read_text())
        return cls(
            data["classes"],
            data["datatypes"],
            data["properties"],
            data["enumerationMembers"],
            data["supersededBy"],
        )

    def ancestors(self, name: str) -> set[str]:
        """``name`` and every class it is a subclass of."""
        found, todo = set(), [name]
        while todo:
            current = todo.pop()
            if current not in found:
                found.add(current)
                todo.extend(self.classes.get(current, []))
        return found

    def is_datatype(self, name: str) -> bool:
        """Text, URL (a Text), Date, Number, Integer…: a literal's type, not a node's."""
        return bool(self.ancestors(name) & set(self.datatypes))

    def problems(self, expanded: list[dict[str, Any]]) -> list[str]:
        """Every way the expanded document departs from the vocabulary."""
        found: list[str] = []
        for node in expanded:
            self._node(node, "", found)
        return found

    def _term(self, iri: str, where: str, found: list[str]) -> str | None:
        if not iri.startswith(SCHEMA):
            found.append(f"{where}: {iri} is not a schema.org term")
            return None
        name = iri[len(SCHEMA) :]
        if name in self.superseded:
            found.append(f"{where}: {name} is superseded by {self.superseded[name]}")
        return name

    def _node(self, node: dict[str, Any], where: str, found: list[str]) -> set[str]:
        types: set[str] = set()
        for iri in node.get("@type", []):
            name = self._term(iri, f"{where}@type", found)
            if name is None:
                continue
            if name not in self.classes or self.is_datatype(name):
                found.append(f"{where}@type: {name} is not a schema.org type")
                continue
            types |= self.ancestors(name)
        properties = [key for key in node if not key.startswith("@")]
        if properties and not types:
            found.append(f"{where}: a node with properties but no type")
        for key in properties:
            name = self._term(key, f"{where}{key}", found)
            if name is None:
                continue
            path = f"{where}{name}"
            if name not in self.properties:
                found.append(f"{path}: not a schema.org property")
                continue
            domain = set(self.properties[name]["domainIncludes"])
            if types and not types & domain:
                found.append(f"{path}: not expected on {sorted(types)} (domain {sorted(domain)})")
            for value in node[key]:
                self._value(name, value, f"{path}.", found)
        return types

    def _value(self, name: str, value: dict[str, Any], where: str, found: list[str]) -> None:
        ranges = set(self.properties[name]["rangeIncludes"])
        if "@value" in value:
            literal = value["@value"]
            expected = (
                {"Boolean"}
                if isinstance(literal, bool)
                else {r for r in ranges if self.is_datatype(r)}
            )
            if not ranges & expected or (isinstance(literal, str) and not literal.strip()):
                found.append(
                    f"{where[:-1]}: literal {literal!r} outside its range {sorted(ranges)}"
                )
            return
        if set(value) == {"@id"}:
            if not re.match(r"https?://", value["@id"]):
                found.append(f"{where[:-1]}: reference {value['@id']!r} is not an http(s) URL")
            return
        types = self._node(value, where, found)
        if types and not types & ranges:
            found.append(f"{where[:-1]}: a {sorted(types)} outside its range {sorted(ranges)}")


def _walk(data: Any) -> Iterator[Any]:
    yield data
    if isinstance(data, dict):
        for value in data.values():
            yield from _walk(value)
    elif isinstance(data, list):
        for value in data:
            yield from _walk(value)


def _page_jsonld(client: Any, artifact: Artifact) -> dict[str, Any]:
    response = client.get(reverse("artifacts:detail", args=[artifact.slug]))
    assert response.status_code == 200, artifact.slug
    block = re.search(
        r'<script type="application/ld\+json">(.*?)</script>', response.content.decode(), re.S
    )
    assert block, artifact.slug
    data: dict[str, Any] = json.loads(block.group(1))
    return data


def _api_jsonld(client: Any, artifact: Artifact) -> dict[str, Any]:
    response = client.get(reverse("artifact-detail", args=[artifact.slug]), {"format": "jsonld"})
    assert response.status_code == 200, artifact.slug
    assert response["Content-Type"].startswith("application/ld+json")
    data: dict[str, Any] = response.json()
    return data


def _google_dataset_problems(artifact: Artifact, data: dict[str, Any]) -> list[str]:
    """Google's Dataset structured data: the required properties and, wherever FairProg
    knows the value, the recommended ones."""
    found = []
    if not isinstance(data.get("name"), str) or not data["name"].strip():
        found.append("name: required")
    description = data.get("description", "")
    if not 50 <= len(description) <= 5000:
        found.append(f"description: {len(description)} characters, not 50 to 5000")
    page = f"http://testserver{reverse('artifacts:detail', args=[artifact.slug])}"
    expected = {
        "url": page,
        "isAccessibleForFree": True,
        "identifier": artifact.doi_url or None,
        "keywords": list(artifact.keywords) or None,
        "license": spdx_url(artifact.license) or None,
        "version": artifact.version or None,
        "datePublished": date_of(artifact) or None,
    }
    for key, value in expected.items():
        if data.get(key) != value:
            found.append(f"{key}: {data.get(key)!r}, expected {value!r}")
    creators = [p.full_name for p in creators_of(artifact)]
    if [c["name"] for c in data.get("creator", [])] != creators:
        found.append(f"creator: {data.get('creator')!r}, expected {creators}")
    if not data.get("funder"):
        found.append("funder: recommended, and every award has one")
    links = [u for u in (artifact.landing_url, artifact.repository_url) if u]
    if data.get("sameAs", []) != links:
        found.append(f"sameAs: {data.get('sameAs')!r}, expected {links}")
    catalogue = data.get("includedInDataCatalog", {})
    if catalogue.get("@type") != "DataCatalog" or not catalogue.get("url"):
        found.append("includedInDataCatalog: recommended")
    downloads = [u for u in dict.fromkeys(links) if download_type(u)]
    given = data.get("distribution", [])
    if [d.get("contentUrl") for d in given] != downloads:
        found.append(f"distribution: {given!r}, expected the downloads {downloads}")
    for item in given:
        if item.get("@type") != "DataDownload" or not item.get("encodingFormat"):
            found.append(f"distribution: {item!r} needs @type DataDownload and encodingFormat")
    for unknown in ("temporalCoverage", "spatialCoverage"):
        if unknown in data:
            found.append(f"{unknown}: FairProg does not know it, so must not claim it")
    return found


# --- the catalogue -------------------------------------------------------------------------


def test_every_artifact_expands_to_schema_org_terms_only(client, standards_catalogue):
    vocabulary = Vocabulary.load()
    problems: dict[str, list[str]] = {}
    for artifact in standards_catalogue:
        data = _page_jsonld(client, artifact)
        assert data["@context"] == "https://schema.org"
        expanded = expand(data)
        assert len(expanded) == 1, artifact.slug  # one node: nothing dropped or split off
        if found := vocabulary.problems(expanded):
            problems[artifact.slug] = found
    assert problems == {}


def test_the_api_serves_the_same_jsonld_as_the_page(client, standards_catalogue):
    for artifact in standards_catalogue:
        assert _api_jsonld(client, artifact) == _page_jsonld(client, artifact), artifact.slug


def test_every_dataset_meets_googles_required_and_recommended_fields(client, standards_catalogue):
    datasets = [a for a in standards_catalogue if a.kind == Artifact.Kind.DATASET]
    assert len(datasets) >= 4
    problems = {}
    for artifact in datasets:
        data = _page_jsonld(client, artifact)
        assert data["@type"] == "Dataset"
        if found := _google_dataset_problems(artifact, data):
            problems[artifact.slug] = found
    assert problems == {}


def test_every_artifact_has_a_description_of_50_to_5000_characters(client, standards_catalogue):
    lengths = {a.slug: len(_page_jsonld(client, a)["description"]) for a in standards_catalogue}
    assert {slug: n for slug, n in lengths.items() if not 50 <= n <= 5000} == {}


def test_the_grant_is_the_award_funders_and_co_funders_fund_the_work(client, standards_catalogue):
    for artifact in standards_catalogue:
        program = artifact.award.program
        award_funder = program.award_funder
        assert award_funder is not None
        assert award_funder.name == "National Science Foundation"
        co_funders = [f.name for f in program.funders.all() if f.pk != award_funder.pk]
        assert co_funders == ["Amazon"]
        data = _page_jsonld(client, artifact)
        grant = data["funding"]
        assert grant["@type"] == "MonetaryGrant"
        assert grant["identifier"] == artifact.award.award_number
        assert grant["funder"]["name"] == "National Science Foundation", artifact.slug
        assert grant["funder"]["@id"] == "https://doi.org/10.13039/100000001"
        assert grant["funder"]["identifier"] == [
            "https://doi.org/10.13039/100000001",
            "https://ror.org/021nxhr62",
        ]
        assert "sponsor" not in grant  # schema.org: sponsor is for support other than money
        assert [f["name"] for f in data["funder"]] == ["National Science Foundation", "Amazon"]
        assert data["funder"][0] == grant["funder"]


def test_no_email_address_reaches_the_jsonld(client, standards_catalogue):
    addresses = set(Person.objects.exclude(email="").values_list("email", flat=True))
    assert addresses, "the catalogue's people have e-mail addresses to keep private"
    for artifact in standards_catalogue:
        text = json.dumps(_page_jsonld(client, artifact), ensure_ascii=False)
        assert not EMAIL.search(text), artifact.slug
        assert not [a for a in addresses if a in text]


# --- the validator itself ------------------------------------------------------------------


def test_the_vocabulary_check_finds_what_schema_org_does_not_define():
    document = {
        "@context": "https://schema.org",
        "@type": "Dataset",
        "name": "x",
        "fundedBy": "NSF",  # no such property
        "codeRepository": "https://example.org/code",  # a SoftwareSourceCode property
        "funder": {"@type": "Place", "name": "Somewhere"},  # Place is not in its range
        "isBasedOnUrl": "https://example.org/",  # superseded by isBasedOn
        "creator": {"name": "Nobody"},  # no type
        "distribution": {"@type": "DataDownlaod"},  # no such type
    }
    problems = "\n".join(Vocabulary.load().problems(expand(document)))
    for expected in (
        "fundedBy: not a schema.org property",
        "codeRepository: not expected on",
        "funder: a ['Place', 'Thing'] outside its range",
        "isBasedOnUrl is superseded by ['isBasedOn']",
        "creator.: a node with properties but no type",
        "DataDownlaod is not a schema.org type",
    ):
        assert expected in problems


def test_the_offline_loader_serves_schema_org_and_refuses_any_other_context():
    assert expand({"@context": "https://schema.org/", "@type": "Thing"})[0]["@type"] == [
        f"{SCHEMA}Thing"
    ]
    with pytest.raises(jsonld.JsonLdError):
        expand({"@context": "https://example.org/context.jsonld", "name": "x"})


def test_the_vendored_context_maps_every_vocabulary_term():
    vocabulary = Vocabulary.load()
    context = _context()["@context"]
    terms = {*vocabulary.classes, *vocabulary.properties, *vocabulary.members}
    assert {t for t in terms if context.get(t, {}).get("@id") != f"schema:{t}"} == set()
    assert context["url"]["@type"] == "@id"  # a URL-valued property, as schema.org's
    assert context["datePublished"]["@type"] == "Date"


# --- how the JSON-LD is built --------------------------------------------------------------


def _dataset(**fields: Any) -> Any:
    program: Any = ProgramFactory()
    nsf = OrganizationFactory(
        name="National Science Foundation", ror_id="021nxhr62", funder_id="100000001"
    )
    amazon = OrganizationFactory(name="Amazon", ror_id="")
    program.funders.add(nsf, amazon)
    program.award_funder = nsf
    program.save()
    return ArtifactFactory(
        kind=Artifact.Kind.DATASET, award=AwardFactory(program=program), **fields
    )


def _jsonld(artifact: Artifact) -> dict[str, Any]:
    from artifacts.selectors.artifacts import artifact_get_public

    loaded = artifact_get_public(slug=artifact.slug)
    return artifact_jsonld(loaded, page_url="https://fairprog.test/a/", project_url="https://p/")


def test_a_long_description_is_cut_at_5000_characters_on_a_word_boundary():
    words = " ".join(f"word{n}" for n in range(2000))
    artifact = _dataset(summary="Short.", description=f"**Bold** start. {words}")
    description = _jsonld(artifact)["description"]
    assert len(description) <= 5000
    assert description.endswith("…")
    full = f"Short. Bold start. {words}"
    kept = description[:-1]
    assert full.startswith(kept)
    assert full[len(kept)] == " "  # cut between two words
    assert "**" not in description  # Markdown read as the page shows it


def test_a_summary_long_enough_is_the_description_as_it_is():
    summary = "A benchmark of dialect speech, with labels from 40 annotators per clip."
    artifact = _dataset(summary=summary, description="More *text* here.")
    assert _jsonld(artifact)["description"] == summary


def test_a_short_summary_without_description_is_completed_from_what_the_artifact_is():
    artifact = _dataset(summary="Tiny.", description="", title="X")
    description = _jsonld(artifact)["description"]
    assert description.startswith("Tiny. Dataset “X” from the funded project")
    assert artifact.award.award_number in description
    assert 50 <= len(description) == len(abstract_of(artifact))


def test_a_link_to_a_data_file_is_a_download_with_its_media_type():
    artifact = _dataset(
        landing_url="https://zenodo.example/records/1/files/clips.CSV?download=1",
        repository_url="https://example.org/code",
    )
    data = _jsonld(artifact)
    assert data["distribution"] == [
        {
            "@type": "DataDownload",
            "contentUrl": "https://zenodo.example/records/1/files/clips.CSV?download=1",
            "encodingFormat": "text/csv",
        }
    ]
    assert Vocabulary.load().problems(expand(data)) == []


def test_organisations_are_named_by_crossref_funder_id_then_ror():
    artifact = _dataset()
    funder = _jsonld(artifact)["funding"]["funder"]
    nsf = artifact.award.program.award_funder
    assert funder["identifier"] == [funder_id_url(nsf), ror_url(nsf)]


def test_without_an_award_funder_the_grant_names_none_and_every_funder_funds_the_work():
    program = ProgramFactory()
    program.funders.add(OrganizationFactory(name="Amazon"), OrganizationFactory(name="Beta"))
    artifact = ArtifactFactory(award=AwardFactory(program=program))
    data = _jsonld(artifact)
    assert "funder" not in data["funding"]  # never the first funder by name
    assert [f["name"] for f in data["funder"]] == ["Amazon", "Beta"]


def test_creators_keep_their_order_and_orcid_and_never_their_email():
    artifact = _dataset()
    first = PersonFactory(family_name="Zed", orcid="0000-0002-1825-0097", email="z@uni.edu")
    second = PersonFactory(family_name="Abe", email="a@uni.edu")
    ArtifactCreatorFactory(artifact=artifact, person=first, order=0)
    ArtifactCreatorFactory(artifact=artifact, person=second, order=1)
    data = _jsonld(artifact)
    assert [c["familyName"] for c in data["creator"]] == ["Zed", "Abe"]
    assert data["creator"][0]["sameAs"] == "https://orcid.org/0000-0002-1825-0097"
    assert not EMAIL.search(json.dumps(data))
    assert [v for v in _walk(data) if isinstance(v, str) and "uni.edu" in v] == []
