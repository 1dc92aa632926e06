"""Writes to the publications of awards: articles accepted from suggestions, or added by
staff. Publications are public, so each change moves the catalogue version."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from artifacts.models import Publication
from artifacts.validators import normalize_doi
from fairprog.catalogue_version import catalogue_changed_on_commit
from fairprog.errors import DomainError
from proposals.models import Award


def _publication_save(publication: Publication) -> Publication:
    try:
        publication.full_clean()
    except ValidationError as exc:
        raise DomainError.from_validation_error(
            exc, subject=f'Publication "{publication.title}"'
        ) from exc
    publication.save()
    catalogue_changed_on_commit()
    return publication


@transaction.atomic
def publication_create(
    *,
    award: Award,
    title: str,
    doi: str = "",
    authors: Sequence[Mapping[str, str]] = (),
    venue: str = "",
    year: int | None = None,
    url: str = "",
) -> Publication:
    """A publication of ``award``; its DOI is stored bare and lower-case, and no two
    publications share one."""
    doi = _normalised_doi(doi)
    if doi and (known := Publication.objects.filter(doi=doi).select_related("award").first()):
        raise DomainError(
            f'DOI {doi} is already recorded: "{known.title}", a publication of award '
            f"{known.award.award_number}.",
            errors={"doi": ["This DOI is already recorded for another publication."]},
        )
    return _publication_save(
        Publication(
            award=award,
            title=title.strip(),
            doi=doi,
            authors=[dict(author) for author in authors],
            venue=venue.strip(),
            year=year,
            url=url.strip(),
        )
    )


@transaction.atomic
def publication_update(*, publication: Publication, **fields: Any) -> Publication:
    """Change any of a publication's fields (award, title, doi, authors, venue, year, url)."""
    if "doi" in fields:
        fields["doi"] = _normalised_doi(fields["doi"] or "")
    for name, value in fields.items():
        setattr(publication, name, value)
    return _publication_save(publication)


@transaction.atomic
def publication_delete(*, publication: Publication) -> None:
    publication.delete()
    catalogue_changed_on_commit()


def _normalised_doi(doi: str) -> str:
    if not doi.strip():
        return ""
    try:
        return normalize_doi(doi)
    except ValidationError as exc:
        raise DomainError(exc.messages[0], errors={"doi": exc.messages}) from exc
