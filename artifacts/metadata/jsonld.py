"""schema.org JSON-LD of an artifact, as Google's Dataset rules and the schema.org vocabulary
want it: a description of 50 to 5000 characters, the grant's funder the one that made the
award (co-funders are funders of the work), funders named by their Crossref Funder ID and
ROR, and a download only where a link is one. No property carries an e-mail address."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urljoin, urlsplit

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
from artifacts.models import Artifact
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


def artifact_jsonld(artifact: Artifact, *, page_url: str, project_url: str) -> dict[str, Any]:
    schema_type = _SCHEMA_TYPES.get(Artifact.Kind(artifact.kind), "CreativeWork")
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": schema_type,
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
    if schema_type == "Dataset":
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
