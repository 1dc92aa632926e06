"""What the artifact's machine-readable formats share."""

from __future__ import annotations

from artifacts.models import Artifact
from proposals.models import Person

PUBLISHER = "FairProg"


def creators_of(artifact: Artifact) -> list[Person]:
    return [link.person for link in artifact.creator_links.all()]


def year_of(artifact: Artifact) -> str:
    when = artifact.release_date or (artifact.published_at and artifact.published_at.date())
    return str(when.year) if when else "n.d."


def date_of(artifact: Artifact) -> str:
    when = artifact.release_date or (artifact.published_at and artifact.published_at.date())
    return when.isoformat() if when else ""


def orcid_url(person: Person) -> str:
    return f"https://orcid.org/{person.orcid}" if person.orcid else ""


def spdx_url(license_id: str) -> str:
    return f"https://spdx.org/licenses/{license_id}.html" if license_id else ""
