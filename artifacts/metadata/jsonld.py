"""schema.org JSON-LD of an artifact, as Google's Dataset rules and the schema.org vocabulary
want it: a description of 50 to 5000 characters, the grant's funder the one that made the
award (co-funders are funders of the work), funders named by their Crossref Funder ID and
ROR, and a download only where a link is one. No property carries an e-mail address."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urljoin, urlsplit

from django.urls import reverse

from artifacts.metadata.common import (
    PUBLISHER,
    abstract_of,
    award_funder_of,
    creators_of,
    date_of,
    funder_id_url,
    funders_of,
    orcid_url,
    ror_url,
    spdx_url,
)
from artifacts.metadata.fairness import sensitive_attributes
from artifacts.models import Artifact, Domain, FairnessNotion
from artifacts.models.fairness import labels
from proposals.models import Organization, Person

_SCHEMA_TYPES = {
    Artifact.Kind.DATASET: "Dataset",
    Artifact.Kind.TOOL: "SoftwareSourceCode",
}

# Media types of the data files a link may lead to, by the end of its path: only such a
# link is a download (a DataDownload); a landing page or a repository is not.
DOWNLOAD_TYPES = {
    ".csv": "text/csv",
    ".tsv": "text/tab-separated-values",
    ".json": "application/json",
    ".jsonl": "application/jsonl",
    ".ndjson": "application/x-ndjson",
    ".parquet": "application/vnd.apache.parquet",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".xml": "application/xml",
    ".zip": "application/zip",
    ".tar.gz": "application/gzip",
    ".tgz": "application/gzip",
    ".gz": "application/gzip",
    ".h5": "application/x-hdf5",
    ".hdf5": "application/x-hdf5",
    ".nc": "application/x-netcdf",
}


def _organization(organization: Organization) -> dict[str, Any]:
    """An organisation named by its identifiers: the Crossref Funder ID (the one funding
    registries index) first, then ROR."""
    identifiers = [url for url in (funder_id_url(organization), ror_url(organization)) if url]
    data: dict[str, Any] = {"@type": "Organization", "name": organization.name}
    if identifiers:
        data["@id"] = identifiers[0]
        data["identifier"] = identifiers
        data["sameAs"] = identifiers
    return data


def _person(person: Person) -> dict[str, Any]:
    data: dict[str, Any] = {"@type": "Person", "name": person.full_name}
    if person.given_name:
        data["givenName"] = person.given_name
    if person.family_name:
        data["familyName"] = person.family_name
    if person.orcid:
        data["@id"] = orcid_url(person)
        data["sameAs"] = orcid_url(person)
    return data


def schema_type(artifact: Artifact) -> str:
    """The schema.org type an artifact is described as (Dataset, SoftwareSourceCode, …)."""
    return _SCHEMA_TYPES.get(Artifact.Kind(artifact.kind), "CreativeWork")


def download_type(url: str) -> str | None:
    """The media type of the data file ``url`` leads to, or None if it is not one."""
    path = urlsplit(url).path.lower()
    for ending, media_type in DOWNLOAD_TYPES.items():
        if path.endswith(ending):
            return media_type
    return None


def _distribution(artifact: Artifact) -> list[dict[str, Any]]:
    downloads = []
    for url in dict.fromkeys((artifact.landing_url, artifact.repository_url)):
        media_type = download_type(url) if url else None
        if media_type:
            downloads.append(
                {"@type": "DataDownload", "contentUrl": url, "encodingFormat": media_type}
            )
    return downloads


def _grant(artifact: Artifact, *, project_url: str) -> dict[str, Any]:
    """The award as a MonetaryGrant; its funder is the one that made it."""
    award = artifact.award
    grant: dict[str, Any] = {
        "@type": "MonetaryGrant",
        "@id": project_url,
        "identifier": award.award_number,
        "name": award.title,
        "url": project_url,
    }
    award_funder = award_funder_of(award.program)
    if award_funder:
        grant["funder"] = _organization(award_funder)
    return grant


def _term(code: str, label: str) -> dict[str, Any]:
    return {"@type": "DefinedTerm", "name": label, "termCode": code}


def _fairness(artifact: Artifact, data: dict[str, Any], *, dataset: bool) -> None:
    """What the artifact is about (its domain, the notions a metric measures) and, for a
    dataset, the sensitive attributes it records and how its data were collected."""
    about = (
        [_term(artifact.domain, labels([artifact.domain], Domain)[0])] if artifact.domain else []
    )
    notions = artifact.fairness_notions or []
    about += [_term(c, t) for c, t in zip(notions, labels(notions, FairnessNotion), strict=True)]
    if about:
        data["about"] = about
    if not dataset:
        return
    measured = [
        {
            "@type": "PropertyValue",
            "name": attribute.dimension.name,
            "description": "Sensitive attribute, "
            + attribute.get_obtained_display().lower()
            + (f": {attribute.note}" if attribute.note else ""),
        }
        for attribute in sensitive_attributes(artifact)
    ]
    if measured:
        data["variableMeasured"] = measured
    if artifact.collection_process.strip():
        data["measurementTechnique"] = artifact.collection_process.strip()


def _versions(artifact: Artifact, data: dict[str, Any], *, page_url: str) -> None:
    """Which artifact replaces which. schema.org has no property for a creative work's
    successor (successorOf is for product models, supersededBy for its own terms), but a new
    version is based on the one it replaces (isBasedOn): the successor says so, and the
    retired artifact states the same relation in reverse."""

    def url(other: Artifact) -> str:
        return urljoin(page_url, reverse("artifacts:detail", args=[other.slug]))

    predecessors = artifact.predecessors
    if predecessors:
        data["isBasedOn"] = [url(other) for other in predecessors]
    successor = artifact.successor
    if successor is not None:
        data["@reverse"] = {"isBasedOn": [url(successor)]}


def artifact_jsonld(artifact: Artifact, *, page_url: str, project_url: str) -> dict[str, Any]:
    its_type = schema_type(artifact)
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": its_type,
        "@id": page_url,
        "name": artifact.title,
        "description": abstract_of(artifact),
        "url": page_url,
        "isAccessibleForFree": True,
    }
    if artifact.keywords:
        data["keywords"] = list(artifact.keywords)
    creators = [_person(person) for person in creators_of(artifact)]
    if creators:
        data["creator"] = creators
    funders = [_organization(funder) for funder in funders_of(artifact.award.program)]
    if funders:
        data["funder"] = funders
    data["funding"] = _grant(artifact, project_url=project_url)
    if artifact.doi:
        data["identifier"] = artifact.doi_url
    if artifact.license:
        data["license"] = spdx_url(artifact.license)
    if artifact.version:
        data["version"] = artifact.version
    if date_of(artifact):
        data["datePublished"] = date_of(artifact)
    if artifact.kind == Artifact.Kind.TOOL and artifact.repository_url:
        data["codeRepository"] = artifact.repository_url
    same_as = [u for u in (artifact.landing_url, artifact.repository_url) if u and u != page_url]
    if same_as:
        data["sameAs"] = same_as
    if artifact.is_retired:
        data["creativeWorkStatus"] = "Obsolete"
    _versions(artifact, data, page_url=page_url)
    _fairness(artifact, data, dataset=its_type == "Dataset")
    if its_type == "Dataset":
        distribution = _distribution(artifact)
        if distribution:
            data["distribution"] = distribution
        data["includedInDataCatalog"] = {
            "@type": "DataCatalog",
            "name": PUBLISHER,
            "url": urljoin(page_url, "/"),
        }
    return data


def jsonld_script_text(data: dict[str, Any]) -> str:
    """JSON safe to place inside a <script> element."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
