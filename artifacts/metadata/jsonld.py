"""schema.org JSON-LD of an artifact."""

from __future__ import annotations

import json
from typing import Any

from artifacts.metadata.common import creators_of, date_of, orcid_url, spdx_url
from artifacts.models import Artifact

_SCHEMA_TYPES = {
    Artifact.Kind.DATASET: "Dataset",
    Artifact.Kind.TOOL: "SoftwareSourceCode",
}


def artifact_jsonld(artifact: Artifact, *, page_url: str, project_url: str) -> dict[str, Any]:
    award = artifact.award
    funders = [
        {
            "@type": "Organization",
            "name": funder.name,
            **({"identifier": f"https://ror.org/{funder.ror_id}"} if funder.ror_id else {}),
        }
        for funder in award.program.funders.all()
    ]
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": _SCHEMA_TYPES.get(Artifact.Kind(artifact.kind), "CreativeWork"),
        "name": artifact.title,
        "description": artifact.summary,
        "url": page_url,
        "isAccessibleForFree": True,
        "keywords": list(artifact.keywords),
        "creator": [
            {
                "@type": "Person",
                "name": person.full_name,
                "givenName": person.given_name,
                "familyName": person.family_name,
                **({"sameAs": orcid_url(person)} if person.orcid else {}),
            }
            for person in creators_of(artifact)
        ],
        "funder": funders,
        "funding": {
            "@type": "MonetaryGrant",
            "identifier": award.award_number,
            "name": award.title,
            "url": project_url,
            **({"funder": funders[0]} if funders else {}),
        },
    }
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
    return data


def jsonld_script_text(data: dict[str, Any]) -> str:
    """JSON safe to place inside a <script> element."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
