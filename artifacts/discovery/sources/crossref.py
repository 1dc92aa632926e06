"""Crossref's REST API (``/works``): the search by award number and NSF's Funder ID with cursor
paging, and its answers read into FoundWork records (funder[] with award[] and the newer
award-info, authors with ORCID, licence, container title, dates, type)."""

from __future__ import annotations

import datetime as dt
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
    doi_bare,
    orcid_bare,
    query_url,
    seven_digits,
    spdx_id,
    with_param,
)

_SHAPE = Shape("Crossref")

_TYPES = {
    "journal-article": WorkType.ARTICLE,
    "proceedings-article": WorkType.ARTICLE,
    "posted-content": WorkType.ARTICLE,
    "dataset": WorkType.DATASET,
}
_FUNDER_ID_TYPES = {"doi": "Crossref Funder ID", "ror": "ROR"}

# Metadata Plus subscribers send their token in this header.
TOKEN_HEADER = ("Crossref-Plus-API-Token", "Bearer {}")


def first_url(
    *, base_url: str, award_number: str, funder_id: str, contact: str, page_size: int
) -> str:
    """The first page of Crossref's search for works citing this award of this funder (a bare
    Funder ID, "10.13039/100000001"), in the polite pool when a contact address is given."""
    params = [
        ("filter", f"award.number:{seven_digits(award_number)},award.funder:{funder_id}"),
        ("rows", str(page_size)),
        ("cursor", "*"),
    ]
    if contact:
        params.append(("mailto", contact))
    return query_url(base_url, "works", params)


def read_page(body: bytes, *, url: str) -> Page:
    """One Crossref answer: a work list (the next page is ``url`` with the answer's
    ``next-cursor``, while items come back) or a single work, read as a page of one."""
    answer = _SHAPE.obj(_SHAPE.parse(body), "a top level")
    message = _SHAPE.obj(answer.get("message"), "'message'")
    if not message:
        _SHAPE.fail("has no 'message' object")
    if "items" not in message:
        if not message.get("DOI"):
            _SHAPE.fail("has a 'message' with neither 'items' nor a work's 'DOI'")
        return Page(works=(_work(message),), next_url=None, total=1)
    items = message.get("items")
    if not isinstance(items, list):
        _SHAPE.fail("has 'message.items' that is not a list of works")
    works = tuple(_work(_SHAPE.obj(item, "an entry of 'message.items'")) for item in items)
    cursor = _SHAPE.text(message.get("next-cursor"), "next-cursor")
    total = message.get("total-results")
    return Page(
        works=works,
        # Crossref hands out a next cursor even on the last page; an empty page ends it.
        next_url=with_param(url, "cursor", cursor) if works and cursor else None,
        total=total if isinstance(total, int) else None,
    )


def _work(item: dict[str, Any]) -> FoundWork:
    doi = doi_bare(_SHAPE.text(item.get("DOI"), "DOI"))
    if not doi:
        _SHAPE.fail("has a work without a 'DOI'")
    kind = _SHAPE.text(item.get("type"), "type")
    published = _date(item.get("issued")) or _date(item.get("published"))
    resource = _SHAPE.obj(item.get("resource"), "'resource'")
    primary = _SHAPE.obj(resource.get("primary"), "'resource.primary'")
    titles = _SHAPE.texts(item.get("title"), "'title'")
    return FoundWork(
        source=Source.CROSSREF,
        source_id=doi,
        doi=doi,
        url=_SHAPE.text(primary.get("URL"), "resource.primary.URL")
        or _SHAPE.text(item.get("URL"), "URL")
        or f"https://doi.org/{doi}",
        title=titles[0] if titles else "",
        work_type=_TYPES.get(kind, WorkType.OTHER),
        type_as_given=kind,
        creators=Creators(_creator, _SHAPE.objects(item.get("author"), "'author'")),
        license=_license(item),
        published=published,
        year=_year(item.get("issued")) or _year(item.get("published")),
        venue=_venue(item),
        awards=_awards(item),
        raw=item,
    )


def _date_parts(value: object) -> list[int]:
    parts = _SHAPE.items(_SHAPE.obj(value, "a date").get("date-parts"), "'date-parts'")
    first = _SHAPE.items(parts[0], "'date-parts'") if parts else []
    # Unknown dates come as [[null]]; a part that is not a number ends what is known.
    known: list[int] = []
    for part in first:
        if not isinstance(part, int) or isinstance(part, bool):
            break
        known.append(part)
    return known


def _date(value: object) -> dt.date | None:
    parts = _date_parts(value)
    if len(parts) < 3:
        return None
    try:
        return dt.date(parts[0], parts[1], parts[2])
    except ValueError:
        return None


def _year(value: object) -> int | None:
    parts = _date_parts(value)
    return parts[0] if parts else None


def _creator(author: dict[str, Any]) -> Creator:
    family = _SHAPE.text(author.get("family"), "an author's family name")
    given = _SHAPE.text(author.get("given"), "an author's given name")
    whole = _SHAPE.text(author.get("name"), "an author's name")
    return Creator(
        name=f"{family}, {given}" if family and given else family or whole or given,
        family_name=family,
        given_name=given,
        orcid=orcid_bare(_SHAPE.text(author.get("ORCID"), "ORCID")),
    )


def _license(item: dict[str, Any]) -> str:
    licences = _SHAPE.objects(item.get("license"), "'license'")
    # The version of record's licence is the one a reader of the published work holds.
    licences.sort(key=lambda lic: lic.get("content-version") != "vor")
    for lic in licences:
        if found := spdx_id(_SHAPE.text(lic.get("URL"), "license.URL")):
            return found
    return ""


def _venue(item: dict[str, Any]) -> str:
    if containers := _SHAPE.texts(item.get("container-title"), "'container-title'"):
        return containers[0]
    # Preprints (posted-content) name their server as the institution.
    for institution in _SHAPE.objects(item.get("institution"), "'institution'"):
        if name := _SHAPE.text(institution.get("name"), "institution.name"):
            return name
    return ""


def _awards(item: dict[str, Any]) -> tuple[AwardReference, ...]:
    references: list[AwardReference] = []
    for funder in _SHAPE.objects(item.get("funder"), "'funder'"):
        name = _SHAPE.text(funder.get("name"), "funder.name")
        funder_id, id_type = _funder_id(funder)
        awards = _SHAPE.texts(funder.get("award"), "funder.award")
        for info in _SHAPE.objects(funder.get("award-info"), "funder.award-info"):
            awards += _SHAPE.texts(info.get("award-number"), "award-info.award-number")
        # award and award-info repeat each other in newer records; a statement is kept once,
        # and a funder named without any award is kept as given (it matches nothing).
        for raw in dict.fromkeys(awards) or [""]:
            references.append(AwardReference(raw, name, funder_id, id_type))
    return tuple(references)


def _funder_id(funder: dict[str, Any]) -> tuple[str, str]:
    if doi := _SHAPE.text(funder.get("DOI"), "funder.DOI"):
        return doi, "Crossref Funder ID"
    for ident in _SHAPE.objects(funder.get("id"), "funder.id"):
        value = _SHAPE.text(ident.get("id"), "funder.id.id")
        kind = _SHAPE.text(ident.get("id-type"), "funder.id.id-type")
        if value:
            return value, _FUNDER_ID_TYPES.get(kind.casefold(), kind)
    return "", ""
