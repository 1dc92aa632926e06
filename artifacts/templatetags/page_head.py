"""What an artifact page's <head> tells indexers and reference managers: the Highwire Press
``citation_*`` tags that Google Scholar and Zotero read, and the page's other
representations (``<link rel="alternate">``), each with the media type it is served as."""

from __future__ import annotations

import datetime as dt

from django import template

from artifacts.metadata.common import PUBLISHER, creators_of, date_of, orcid_url
from artifacts.metadata.formats import alternate_formats
from artifacts.models import Artifact

register = template.Library()


def _scholar_date(iso_date: str) -> str:
    """A date as Google Scholar's inclusion guidelines write it: 2010/5/12."""
    day = dt.date.fromisoformat(iso_date)
    return f"{day.year}/{day.month}/{day.day}"


@register.simple_tag
def citation_meta(artifact: Artifact) -> list[tuple[str, str]]:
    """(name, content) of each ``citation_*`` meta tag, in the order Scholar documents them:
    one ``citation_author`` per creator in their order ("Family, Given"); an artifact that
    names no creators is credited to the catalogue, as its BibTeX and CFF are. No PDF is
    named: FairProg keeps no full text (``citation_pdf_url`` would have to lead to one)."""
    tags = [("citation_title", artifact.title)]
    creators = creators_of(artifact)
    for person in creators:
        name = ", ".join(part for part in (person.family_name, person.given_name) if part)
        tags.append(("citation_author", name))
        if person.orcid:
            tags.append(("citation_author_orcid", orcid_url(person)))
    if not creators:
        tags.append(("citation_author", PUBLISHER))
    if date_of(artifact):
        tags.append(("citation_publication_date", _scholar_date(date_of(artifact))))
    if artifact.doi:
        tags.append(("citation_doi", artifact.doi))
    tags.append(("citation_publisher", PUBLISHER))
    tags.extend(("citation_keywords", keyword) for keyword in artifact.keywords)
    return tags


# The page's other representations (<link rel="alternate">), defined with the metadata.
register.simple_tag(alternate_formats)
