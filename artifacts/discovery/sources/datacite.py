"""DataCite's REST API (``/dois``): the search by award number, and its JSON:API answers read into
FoundWork records (funding references, creators with ORCID, licence, version, dates, type)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from artifacts.discovery.records import (
    AwardReference,
    Creator,
    Creators,
    FoundWork,
    Page,
    Source,
    WorkType,
)
from artifacts.discovery.sources import (
    Shape,
    award_references,
    doi_bare,
    iso_date,
    orcid_bare,
    query_url,
    seven_digits,
    spdx_id,
    year_of,
)

_SHAPE = Shape("DataCite")

_TYPES = {
    "dataset": WorkType.DATASET,
    "software": WorkType.SOFTWARE,
    "computationalnotebook": WorkType.SOFTWARE,
    "journalarticle": WorkType.ARTICLE,
    "text": WorkType.ARTICLE,
    "conferencepaper": WorkType.ARTICLE,
    "preprint": WorkType.ARTICLE,
}
_ARTICLES = frozenset(key for key, kind in _TYPES.items() if kind is WorkType.ARTICLE)
# DataCite's schema has no "Model" type: a trained model is deposited as Software, Dataset,
# Model or Workflow with a free-text resourceType that says so.
_SAYS_MODEL = re.compile(r"\bmodels?\b", re.IGNORECASE)
# The first of these a record has, as a full date, is when it was published.
_PUBLISHED_DATE_TYPES = ("issued", "available")


def first_url(
    *, base_url: str, award_number: str, funder_id: str, contact: str, page_size: int
) -> str:
    """The first page of DataCite's search for works citing this award number. DataCite asks
    for a contact in the User-Agent, not the address, and searches every funder's awards."""
    number = seven_digits(award_number)
    return query_url(
        base_url,
        "dois",
        [("query", f'fundingReferences.awardNumber:"{number}"'), ("page[size]", str(page_size))],
    )


def read_page(body: bytes, *, url: str) -> Page:
    """One DataCite answer: a list (``data`` a list, ``links.next`` the next page) or a single
    record (``data`` an object), read as a page of one."""
    answer = _SHAPE.obj(_SHAPE.parse(body), "a top level")
    data = answer.get("data")
    if isinstance(data, dict):
        return Page(works=(_work(data),), next_url=None, total=1)
    if not isinstance(data, list):
        _SHAPE.fail("has no 'data' list of works" if data is None else "has 'data' that is no list")
    works = tuple(_work(_SHAPE.obj(item, "an entry of 'data'")) for item in data)
    next_url = _SHAPE.text(_SHAPE.obj(answer.get("links"), "'links'").get("next"), "links.next")
    total = _SHAPE.obj(answer.get("meta"), "'meta'").get("total")
    return Page(
        works=works,
        next_url=next_url if works and next_url else None,
        total=total if isinstance(total, int) else None,
    )


def _work(item: dict[str, Any]) -> FoundWork:
    attrs = _SHAPE.obj(item.get("attributes"), "a work's 'attributes'")
    if not attrs:
        _SHAPE.fail("has a work without 'attributes'")
    doi = doi_bare(_SHAPE.text(attrs.get("doi") or item.get("id"), "doi"))
    types = _SHAPE.obj(attrs.get("types"), "'types'")
    general = _SHAPE.text(types.get("resourceTypeGeneral"), "types.resourceTypeGeneral")
    published = _published(attrs)
    return FoundWork(
        source=Source.DATACITE,
        source_id=_SHAPE.text(item.get("id"), "id") or doi,
        doi=doi,
        url=_SHAPE.text(attrs.get("url"), "url") or (f"https://doi.org/{doi}" if doi else ""),
        title=_title(attrs),
        work_type=_work_type(general, _SHAPE.text(types.get("resourceType"), "resourceType")),
        type_as_given=general,
        creators=Creators(_creator, _SHAPE.objects(attrs.get("creators"), "'creators'")),
        license=_license(attrs),
        version=_SHAPE.text(attrs.get("version"), "version"),
        published=published,
        year=year_of(attrs.get("publicationYear")) or (published.year if published else None),
        venue=_venue(attrs),
        awards=_awards(attrs),
        raw=item,
    )


def _work_type(general: str, resource_type: str) -> WorkType:
    key = general.casefold()
    if key not in _ARTICLES and _SAYS_MODEL.search(resource_type):
        return WorkType.MODEL
    return _TYPES.get(key, WorkType.OTHER)


def _title(attrs: dict[str, Any]) -> str:
    titles = _SHAPE.objects(attrs.get("titles"), "'titles'")
    # The main title has no titleType; subtitles and translations do.
    main = [t for t in titles if not t.get("titleType")] or titles
    return _SHAPE.text(main[0].get("title"), "a title") if main else ""


def _creator(entry: dict[str, Any]) -> Creator:
    orcid = ""
    for ident in _SHAPE.objects(entry.get("nameIdentifiers"), "'nameIdentifiers'"):
        scheme = _SHAPE.text(ident.get("nameIdentifierScheme"), "nameIdentifierScheme")
        if scheme.casefold() == "orcid":
            orcid = orcid_bare(_SHAPE.text(ident.get("nameIdentifier"), "nameIdentifier"))
            if orcid:
                break
    return Creator(
        name=_SHAPE.text(entry.get("name"), "a creator's name"),
        family_name=_SHAPE.text(entry.get("familyName"), "familyName"),
        given_name=_SHAPE.text(entry.get("givenName"), "givenName"),
        orcid=orcid,
    )


def _license(attrs: dict[str, Any]) -> str:
    for rights in _SHAPE.objects(attrs.get("rightsList"), "'rightsList'"):
        scheme = _SHAPE.text(rights.get("rightsIdentifierScheme"), "rightsIdentifierScheme")
        ident = _SHAPE.text(rights.get("rightsIdentifier"), "rightsIdentifier")
        if scheme.casefold() == "spdx" and (found := spdx_id(ident)):
            return found
        if found := spdx_id(_SHAPE.text(rights.get("rightsUri"), "rightsUri")):
            return found
    return ""


def _published(attrs: dict[str, Any]) -> dt.date | None:
    dates = {
        _SHAPE.text(d.get("dateType"), "dateType").casefold(): _SHAPE.text(d.get("date"), "date")
        for d in reversed(_SHAPE.objects(attrs.get("dates"), "'dates'"))
    }
    for kind in _PUBLISHED_DATE_TYPES:
        if found := iso_date(dates.get(kind, "")):
            return found
    return None


def _venue(attrs: dict[str, Any]) -> str:
    container = _SHAPE.obj(attrs.get("container"), "'container'")
    if title := _SHAPE.text(container.get("title"), "container.title"):
        return title
    publisher = attrs.get("publisher")
    # The publisher is a name, or an object with one when asked for with ?publisher=true.
    if isinstance(publisher, dict):
        return _SHAPE.text(publisher.get("name"), "publisher.name")
    return _SHAPE.text(publisher, "publisher")


def _awards(attrs: dict[str, Any]) -> tuple[AwardReference, ...]:
    references: list[AwardReference] = []
    for ref in _SHAPE.objects(attrs.get("fundingReferences"), "'fundingReferences'"):
        uri = _SHAPE.text(ref.get("awardUri"), "awardUri")
        references += award_references(
            _SHAPE.text(ref.get("awardNumber"), "awardNumber"),
            uris=[uri] if uri else [],
            funder_name=_SHAPE.text(ref.get("funderName"), "funderName"),
            funder_id=_SHAPE.text(ref.get("funderIdentifier"), "funderIdentifier"),
            funder_id_type=_SHAPE.text(ref.get("funderIdentifierType"), "funderIdentifierType"),
        )
    return tuple(references)
