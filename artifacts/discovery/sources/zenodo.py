"""Zenodo's API (InvenioRDM, ``/api/records``): the search by award number, and its records read
into FoundWork records, in both the native InvenioRDM shape (metadata.funding[], rights[],
person_or_org creators) and the legacy one older zenodo.org records and the default
serialisation still use (metadata.grants[], license, flat creators)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

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
)

_SHAPE = Shape("Zenodo")

_TYPES = {
    "dataset": WorkType.DATASET,
    "software": WorkType.SOFTWARE,
    "model": WorkType.MODEL,
    "publication-article": WorkType.ARTICLE,
    "publication-preprint": WorkType.ARTICLE,
    "publication-conferencepaper": WorkType.ARTICLE,
}


def first_url(
    *, base_url: str, award_number: str, funder_id: str, contact: str, page_size: int
) -> str:
    """The first page of Zenodo's search for records citing this award number (any funder's:
    the matcher decides whose). Zenodo takes no contact in the address."""
    number = seven_digits(award_number)
    return query_url(
        base_url,
        "records",
        [("q", f'metadata.funding.award.number:"{number}"'), ("size", str(page_size))],
    )


def read_page(body: bytes, *, url: str) -> Page:
    """One Zenodo answer: a search (``hits.hits``, the next page at ``links.next``) or a single
    record, read as a page of one."""
    answer = _SHAPE.obj(_SHAPE.parse(body), "a top level")
    if "hits" not in answer:
        if not isinstance(answer.get("metadata"), dict):
            _SHAPE.fail("has neither 'hits' of a search nor a record's 'metadata'")
        return Page(works=(_work(answer),), next_url=None, total=1)
    hits = _SHAPE.obj(answer.get("hits"), "'hits'")
    records = hits.get("hits")
    if not isinstance(records, list):
        _SHAPE.fail("has no 'hits.hits' list of records")
    works = tuple(_work(_SHAPE.obj(record, "an entry of 'hits.hits'")) for record in records)
    next_url = _SHAPE.text(_SHAPE.obj(answer.get("links"), "'links'").get("next"), "links.next")
    total = hits.get("total")
    # Elasticsearch 7 reports the total as {"value": n, "relation": "eq"}.
    if isinstance(total, dict):
        total = total.get("value")
    return Page(
        works=works,
        next_url=next_url if works and next_url else None,
        total=total if isinstance(total, int) else None,
    )


def _work(record: dict[str, Any]) -> FoundWork:
    meta = _SHAPE.obj(record.get("metadata"), "a record's 'metadata'")
    record_id = _SHAPE.text(record.get("id"), "id")
    if not record_id or not meta:
        _SHAPE.fail("has a record without an 'id' or 'metadata'")
    pids = _SHAPE.obj(record.get("pids"), "'pids'")
    doi = doi_bare(
        _SHAPE.text(_SHAPE.obj(pids.get("doi"), "pids.doi").get("identifier"), "pids.doi")
        or _SHAPE.text(record.get("doi"), "doi")
        or _SHAPE.text(meta.get("doi"), "metadata.doi")
    )
    links = _SHAPE.obj(record.get("links"), "'links'")
    kind = _resource_type(meta)
    published = iso_date(_SHAPE.text(meta.get("publication_date"), "publication_date"))
    return FoundWork(
        source=Source.ZENODO,
        source_id=record_id,
        doi=doi,
        url=_SHAPE.text(links.get("self_html"), "links.self_html")
        or _SHAPE.text(links.get("html"), "links.html")
        or (f"https://doi.org/{doi}" if doi else ""),
        title=_SHAPE.text(meta.get("title"), "metadata.title"),
        work_type=_TYPES.get(kind, WorkType.OTHER),
        type_as_given=kind,
        creators=Creators(_creator, _SHAPE.objects(meta.get("creators"), "'creators'")),
        license=_license(meta),
        version=_SHAPE.text(meta.get("version"), "metadata.version"),
        published=published,
        year=published.year if published else None,
        venue=_venue(meta, links),
        awards=_funding(meta) + _grants(meta),
        raw=record,
    )


def _venue(meta: dict[str, Any], links: dict[str, Any]) -> str:
    journal = _SHAPE.obj(meta.get("journal"), "'journal'")
    if title := _SHAPE.text(journal.get("title"), "journal.title"):
        return title
    if publisher := _SHAPE.text(meta.get("publisher"), "metadata.publisher"):
        return publisher
    # zenodo.org's own records name no publisher: the repository is Zenodo.
    host = urlsplit(_SHAPE.text(links.get("self"), "links.self")).hostname or ""
    return "Zenodo" if host == "zenodo.org" or host.endswith(".zenodo.org") else ""


def _resource_type(meta: dict[str, Any]) -> str:
    """The type as one id: native ("publication-article") or legacy type and subtype joined."""
    resource = _SHAPE.obj(meta.get("resource_type"), "'resource_type'")
    if native := _SHAPE.text(resource.get("id"), "resource_type.id"):
        return native
    kind = _SHAPE.text(resource.get("type"), "resource_type.type")
    subtype = _SHAPE.text(resource.get("subtype"), "resource_type.subtype")
    return f"{kind}-{subtype}" if kind and subtype else kind


def _creator(entry: dict[str, Any]) -> Creator:
    person = _SHAPE.obj(entry.get("person_or_org"), "'person_or_org'")
    if not person:
        return Creator(
            name=_SHAPE.text(entry.get("name"), "a creator's name"),
            orcid=orcid_bare(_SHAPE.text(entry.get("orcid"), "a creator's orcid")),
        )
    orcid = ""
    for ident in _SHAPE.objects(person.get("identifiers"), "person_or_org.identifiers"):
        if _SHAPE.text(ident.get("scheme"), "identifier scheme").casefold() == "orcid":
            orcid = orcid_bare(_SHAPE.text(ident.get("identifier"), "identifier"))
    return Creator(
        name=_SHAPE.text(person.get("name"), "person_or_org.name"),
        family_name=_SHAPE.text(person.get("family_name"), "family_name"),
        given_name=_SHAPE.text(person.get("given_name"), "given_name"),
        orcid=orcid,
    )


def _license(meta: dict[str, Any]) -> str:
    for rights in _SHAPE.objects(meta.get("rights"), "'rights'"):
        props = _SHAPE.obj(rights.get("props"), "rights.props")
        found = spdx_id(_SHAPE.text(rights.get("id"), "rights.id")) or spdx_id(
            _SHAPE.text(props.get("url"), "rights.props.url")
        )
        if found:
            return found
    legacy = meta.get("license")
    if isinstance(legacy, dict):
        return spdx_id(_SHAPE.text(legacy.get("id"), "license.id"))
    return spdx_id(_SHAPE.text(legacy, "license"))


def _after_colons(value: str) -> str:
    # InvenioRDM award ids are "<funder ROR>::<number>".
    return value.rsplit("::", 1)[-1] if "::" in value else ""


def _funding(meta: dict[str, Any]) -> tuple[AwardReference, ...]:
    references: list[AwardReference] = []
    for funding in _SHAPE.objects(meta.get("funding"), "'metadata.funding'"):
        funder = _SHAPE.obj(funding.get("funder"), "funding.funder")
        award = _SHAPE.obj(funding.get("award"), "funding.award")
        identifiers = _SHAPE.objects(award.get("identifiers"), "award.identifiers")
        funder_id = _SHAPE.text(funder.get("id"), "funder.id")
        references += award_references(
            _SHAPE.text(award.get("number"), "award.number")
            or _after_colons(_SHAPE.text(award.get("id"), "award.id")),
            uris=[_SHAPE.text(i.get("identifier"), "award identifier") for i in identifiers],
            funder_name=_SHAPE.text(funder.get("name"), "funder.name"),
            funder_id=funder_id,
            funder_id_type="ROR" if funder_id else "",
        )
    return tuple(references)


def _grants(meta: dict[str, Any]) -> tuple[AwardReference, ...]:
    references = []
    for grant in _SHAPE.objects(meta.get("grants"), "'metadata.grants'"):
        funder = _SHAPE.obj(grant.get("funder"), "grants.funder")
        doi = _SHAPE.text(funder.get("doi"), "grants.funder.doi")
        ror = _SHAPE.text(funder.get("id"), "grants.funder.id")
        raw = (
            _SHAPE.text(grant.get("code"), "grants.code")
            or _after_colons(_SHAPE.text(grant.get("internal_id"), "grants.internal_id"))
            or _after_colons(_SHAPE.text(grant.get("id"), "grants.id"))
        )
        references.append(
            AwardReference(
                raw_award=raw,
                funder_name=_SHAPE.text(funder.get("name"), "grants.funder.name"),
                funder_id=doi or ror,
                funder_id_type="Crossref Funder ID" if doi else ("ROR" if ror else ""),
            )
        )
    return tuple(references)
