"""An artifact's machine-readable representations, as the URLs that serve them and the media
types they are served as: what its page announces (``<link rel="alternate">``) and what its
Signposting calls ``describedby``."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from artifacts.metadata.croissant import croissant_available
from artifacts.models import Artifact


@dataclass(frozen=True)
class Alternate:
    href: str
    media_type: str
    title: str


def alternate_formats(artifact: Artifact) -> list[Alternate]:
    """The artifact's machine-readable representations, as the URLs that serve them. DataCite
    JSON only for an artifact with a DOI: the record identifies the artifact by it; Croissant
    only for a dataset: it describes nothing else."""
    api = reverse("artifact-detail", args=[artifact.slug])
    formats = [Alternate(f"{api}?format=jsonld", "application/ld+json", "schema.org JSON-LD")]
    if croissant_available(artifact):
        formats.append(
            Alternate(
                f"{api}?format=croissant",
                "application/ld+json",
                "Croissant 1.0 (ML dataset metadata, with Responsible-AI properties)",
            )
        )
    if artifact.doi:
        formats.append(
            Alternate(
                f"{api}?format=datacite", "application/vnd.datacite.datacite+json", "DataCite JSON"
            )
        )
    formats += [
        Alternate(
            reverse("artifacts:cite-bibtex", args=[artifact.slug]), "application/x-bibtex", "BibTeX"
        ),
        Alternate(
            reverse("artifacts:cite-cff", args=[artifact.slug]),
            "application/x-yaml",
            "CITATION.cff (Citation File Format)",
        ),
    ]
    return formats
