"""DataCite metadata of an artifact."""

from __future__ import annotations

from typing import Any

from artifacts.metadata.common import PUBLISHER, creators_of, date_of, orcid_url, spdx_url, year_of
from artifacts.models import Artifact

_DATACITE_TYPES = {
    Artifact.Kind.DATASET: "Dataset",
    Artifact.Kind.TOOL: "Software",
    Artifact.Kind.METRIC: "Software",
    Artifact.Kind.MODEL: "Model",
    Artifact.Kind.TESTING_METHODOLOGY: "Text",
    Artifact.Kind.DOCUMENTATION: "Text",
    Artifact.Kind.OTHER: "Other",
}


def artifact_datacite(artifact: Artifact, *, page_url: str) -> dict[str, Any]:
    """DataCite JSON (REST API shape): the mandatory properties and the funding reference."""
    award = artifact.award
    creators = [
        {
            "name": f"{p.family_name}, {p.given_name}",
            "nameType": "Personal",
            "givenName": p.given_name,
            "familyName": p.family_name,
            "nameIdentifiers": (
                [
                    {
                        "nameIdentifier": orcid_url(p),
                        "nameIdentifierScheme": "ORCID",
                        "schemeUri": "https://orcid.org",
                    }
                ]
                if p.orcid
                else []
            ),
        }
        for p in creators_of(artifact)
    ] or [{"name": PUBLISHER, "nameType": "Organizational"}]
    funders = list(award.program.funders.all())
    funding = [
        {
            "funderName": funder.name,
            **(
                {"funderIdentifier": f"https://ror.org/{funder.ror_id}",
                 "funderIdentifierType": "ROR"}
                if funder.ror_id
                else {}
            ),
            "awardNumber": award.award_number,
            "awardTitle": award.title,
            "awardUri": f"https://www.nsf.gov/awardsearch/showAward?AWD_ID={award.award_number}",
        }
        for funder in funders
    ] or [{"funderName": "National Science Foundation", "awardNumber": award.award_number,
           "awardTitle": award.title}]  # fmt: skip
    year = year_of(artifact)
    attributes: dict[str, Any] = {
        "doi": artifact.doi or None,
        "identifiers": (
            [{"identifier": artifact.doi_url, "identifierType": "DOI"}] if artifact.doi else []
        )
        + [{"identifier": page_url, "identifierType": "URL"}],
        "creators": creators,
        "titles": [{"title": artifact.title}],
        "publisher": {"name": award.institution.name if award.institution else PUBLISHER},
        "publicationYear": int(year) if year.isdigit() else None,
        "types": {
            "resourceTypeGeneral": _DATACITE_TYPES[Artifact.Kind(artifact.kind)],
            "resourceType": artifact.get_kind_display(),
        },
        "url": artifact.landing_url or page_url,
        "descriptions": [{"description": artifact.summary, "descriptionType": "Abstract"}],
        "subjects": [{"subject": keyword} for keyword in artifact.keywords],
        "fundingReferences": funding,
        "schemaVersion": "http://datacite.org/schema/kernel-4",
    }
    if artifact.license:
        attributes["rightsList"] = [
            {
                "rights": artifact.license,
                "rightsUri": spdx_url(artifact.license),
                "rightsIdentifier": artifact.license.lower(),
                "rightsIdentifierScheme": "SPDX",
            }
        ]
    if artifact.version:
        attributes["version"] = artifact.version
    if date_of(artifact):
        attributes["dates"] = [{"date": date_of(artifact), "dateType": "Issued"}]
    return {"data": {"type": "dois", "attributes": attributes}}
