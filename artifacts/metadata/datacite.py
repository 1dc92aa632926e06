"""DataCite metadata of an artifact: the flat DataCite JSON of metadata schema 4.5, the shape
DataCite's own content negotiation returns as ``application/vnd.datacite.datacite+json``.

A DataCite record is the metadata of a DOI: the kernel's one mandatory identifier is the DOI
itself. FairProg mints none (it is no DataCite member), so an artifact whose DOI has not been
registered yet has no DataCite record; ``datacite_available`` says which have one and the API
answers the others with a 404/406 that says why."""

from __future__ import annotations

from typing import Any

from artifacts.metadata.common import (
    PUBLISHER,
    award_funder_of,
    co_funders_of,
    creators_of,
    date_of,
    funder_id_url,
    orcid_url,
    ror_url,
    spdx_url,
    year_of,
)
from artifacts.models import Artifact
from proposals.models import Award, Organization

SCHEMA_VERSION = "http://datacite.org/schema/kernel-4"

# DataCite's standard value for a mandatory property whose value is not known ("value
# unavailable, possibly unknown"): the creators of an artifact that names none.
UNAVAILABLE = "(:unav)"

NO_DOI = (
    "This artifact has no DataCite record: it has no DOI registered yet, and a DataCite "
    "record is the metadata of a DOI. Its JSON, schema.org JSON-LD, BibTeX and CITATION.cff "
    "are available."
)

_DATACITE_TYPES = {
    Artifact.Kind.DATASET: "Dataset",
    Artifact.Kind.TOOL: "Software",
    Artifact.Kind.METRIC: "Software",
    Artifact.Kind.MODEL: "Model",
    Artifact.Kind.TESTING_METHODOLOGY: "Text",
    Artifact.Kind.DOCUMENTATION: "Text",
    Artifact.Kind.OTHER: "Other",
}


def datacite_available(artifact: Artifact) -> bool:
    """Whether the artifact has a DataCite record: only a registered DOI has one."""
    return bool(artifact.doi)


def _creators(artifact: Artifact) -> list[dict[str, Any]]:
    creators = []
    for person in creators_of(artifact):
        creator: dict[str, Any] = {
            "name": ", ".join(p for p in (person.family_name, person.given_name) if p),
            "nameType": "Personal",
        }
        if person.given_name:
            creator["givenName"] = person.given_name
        if person.family_name:
            creator["familyName"] = person.family_name
        if person.orcid:
            creator["nameIdentifiers"] = [
                {
                    "nameIdentifier": orcid_url(person),
                    "nameIdentifierScheme": "ORCID",
                    "schemeUri": "https://orcid.org",
                }
            ]
        creators.append(creator)
    # Never the publisher in an author's place: the kernel's word for "not known".
    return creators or [{"name": UNAVAILABLE}]


def _funder(organization: Organization) -> dict[str, Any]:
    """A funder named by the identifier DataCite and Crossref index funding by: its
    Crossref Funder ID, or its ROR id where it has none."""
    funder: dict[str, Any] = {"funderName": organization.name}
    if organization.funder_id:
        funder["funderIdentifier"] = funder_id_url(organization)
        funder["funderIdentifierType"] = "Crossref Funder ID"
    elif organization.ror_id:
        funder["funderIdentifier"] = ror_url(organization)
        funder["funderIdentifierType"] = "ROR"
    return funder


def _funding(award: Award) -> list[dict[str, Any]]:
    """The award under the funder that made it (number, title, the award's page); each
    co-funder on its own, with no award number: it made no award of its own."""
    references = []
    award_funder = award_funder_of(award.program)
    if award_funder is not None:
        references.append(
            {
                **_funder(award_funder),
                "awardNumber": award.award_number,
                "awardTitle": award.title,
                "awardUri": (
                    f"https://www.nsf.gov/awardsearch/showAward?AWD_ID={award.award_number}"
                ),
            }
        )
    references += [_funder(funder) for funder in co_funders_of(award.program)]
    return references


def _publisher(award: Award) -> dict[str, Any]:
    institution = award.institution
    if institution is None:
        return {"name": PUBLISHER}
    publisher: dict[str, Any] = {"name": institution.name}
    if institution.ror_id:
        publisher["publisherIdentifier"] = ror_url(institution)
        publisher["publisherIdentifierScheme"] = "ROR"
        publisher["schemeUri"] = "https://ror.org/"
    return publisher


def _subjects(artifact: Artifact) -> list[dict[str, str]]:
    keywords = dict.fromkeys(k.strip() for k in artifact.keywords if k and k.strip())
    return [{"subject": keyword} for keyword in keywords]


def _related(artifact: Artifact, *, page_url: str, landing_url: str) -> list[dict[str, str]]:
    """The catalogue page that describes the artifact, and the code repository it supplements
    (as Zenodo records a release of one), each unless it is the landing page itself."""
    related = []
    for url, relation in ((page_url, "IsDescribedBy"), (artifact.repository_url, "IsSupplementTo")):
        if url and url != landing_url:
            related.append(
                {"relatedIdentifier": url, "relatedIdentifierType": "URL", "relationType": relation}
            )
    return related


def artifact_datacite(artifact: Artifact, *, page_url: str) -> dict[str, Any]:
    """The artifact's DataCite JSON; only for an artifact with a DOI (``datacite_available``).
    ``page_url`` is its catalogue page, which describes it."""
    if not datacite_available(artifact):
        raise ValueError(NO_DOI)
    award = artifact.award
    year = year_of(artifact)
    record: dict[str, Any] = {
        "doi": artifact.doi,
        "url": artifact.landing_url or page_url,
        "types": {
            "resourceTypeGeneral": _DATACITE_TYPES[Artifact.Kind(artifact.kind)],
            "resourceType": artifact.get_kind_display(),
        },
        "creators": _creators(artifact),
        "titles": [{"title": artifact.title}],
        "publisher": _publisher(award),
        "publicationYear": year if year.isdigit() else str(artifact.created_at.year),
        "descriptions": [{"description": artifact.summary, "descriptionType": "Abstract"}],
        "fundingReferences": _funding(award),
        "schemaVersion": SCHEMA_VERSION,
    }
    subjects = _subjects(artifact)
    if subjects:
        record["subjects"] = subjects
    if date_of(artifact):
        record["dates"] = [{"date": date_of(artifact), "dateType": "Issued"}]
    related = _related(artifact, page_url=page_url, landing_url=record["url"])
    if related:
        record["relatedIdentifiers"] = related
    if artifact.version:
        record["version"] = artifact.version
    if artifact.license:
        record["rightsList"] = [
            {
                "rights": artifact.license,
                "rightsUri": spdx_url(artifact.license),
                "rightsIdentifier": artifact.license.lower(),
                "rightsIdentifierScheme": "SPDX",
                "schemeUri": "https://spdx.org/licenses/",
            }
        ]
    return record
