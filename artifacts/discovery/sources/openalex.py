"""OpenAlex's API (``/works``): the search by funder award id with cursor paging, and its answers
read into FoundWork records, funding read from both the current awards[]/funders[] shape and
the older grants[] one."""

from __future__ import annotations

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
    iso_date,
    orcid_bare,
    query_url,
    seven_digits,
    spdx_id,
    with_param,
    year_of,
)

_SHAPE = Shape("OpenAlex")

# The fields read below, and only those: OpenAlex returns whole works otherwise (abstracts,
# reference lists, concepts), about 60 kB each, and parsing them would be most of a run.
# grants[] is read from answers saved before 2026 but not asked for: OpenAlex has removed it,
# and selecting a field that no longer exists is an error.
SELECT = (
    "id",
    "doi",
    "title",
    "display_name",
    "type",
    "publication_date",
    "publication_year",
    "primary_location",
    "authorships",
    "funders",
    "awards",
)

_TYPES = {
    "article": WorkType.ARTICLE,
    "preprint": WorkType.ARTICLE,
    "review": WorkType.ARTICLE,
    "letter": WorkType.ARTICLE,
    "dataset": WorkType.DATASET,
    "software": WorkType.SOFTWARE,
}

# An API key (premium, or above the free daily budget) goes in this query parameter.
TOKEN_PARAM = "api_key"  # noqa: S105 - the parameter's name, not a token


def first_url(
    *, base_url: str, award_number: str, funder_id: str, contact: str, page_size: int
) -> str:
    """The first page of OpenAlex's search for works citing this award number (any funder's:
    the matcher decides whose), in the polite pool when a contact address is given."""
    params = [
        ("filter", f"awards.funder_award_id:{seven_digits(award_number)}"),
        ("select", ",".join(SELECT)),
        ("per-page", str(page_size)),
        ("cursor", "*"),
    ]
    if contact:
        params.append(("mailto", contact))
    return query_url(base_url, "works", params)


def read_page(body: bytes, *, url: str) -> Page:
    """One OpenAlex answer: a list (``results``; the next page is ``url`` with
    ``meta.next_cursor``) or a single work, read as a page of one."""
    answer = _SHAPE.obj(_SHAPE.parse(body), "a top level")
    if "results" not in answer:
        if not answer.get("id"):
            _SHAPE.fail("has neither a 'results' list of works nor a work's 'id'")
        return Page(works=(_work(answer),), next_url=None, total=1)
    results = answer.get("results")
    if not isinstance(results, list):
        _SHAPE.fail("has 'results' that is not a list of works")
    works = tuple(_work(_SHAPE.obj(item, "an entry of 'results'")) for item in results)
    meta = _SHAPE.obj(answer.get("meta"), "'meta'")
    cursor = _SHAPE.text(meta.get("next_cursor"), "meta.next_cursor")
    total = meta.get("count")
    return Page(
        works=works,
        next_url=with_param(url, "cursor", cursor) if works and cursor else None,
        total=total if isinstance(total, int) else None,
    )


def _work(item: dict[str, Any]) -> FoundWork:
    work_id = _SHAPE.text(item.get("id"), "id")
    if not work_id:
        _SHAPE.fail("has a work without an 'id'")
    doi = doi_bare(_SHAPE.text(item.get("doi"), "doi"))
    location = _SHAPE.obj(item.get("primary_location"), "'primary_location'")
    source = _SHAPE.obj(location.get("source"), "primary_location.source")
    kind = _SHAPE.text(item.get("type"), "type")
    published = iso_date(_SHAPE.text(item.get("publication_date"), "publication_date"))
    return FoundWork(
        source=Source.OPENALEX,
        source_id=work_id.rsplit("/", 1)[-1],
        doi=doi,
        url=_SHAPE.text(location.get("landing_page_url"), "landing_page_url")
        or (f"https://doi.org/{doi}" if doi else work_id),
        title=_SHAPE.text(item.get("title"), "title")
        or _SHAPE.text(item.get("display_name"), "display_name"),
        work_type=_TYPES.get(kind, WorkType.OTHER),
        type_as_given=kind,
        creators=Creators(_creator, _SHAPE.objects(item.get("authorships"), "'authorships'")),
        license=spdx_id(_SHAPE.text(location.get("license"), "primary_location.license")),
        published=published,
        year=year_of(item.get("publication_year")) or (published.year if published else None),
        venue=_SHAPE.text(source.get("display_name"), "source.display_name")
        or _SHAPE.text(location.get("raw_source_name"), "raw_source_name"),
        awards=_awards(item),
        raw=item,
    )


def _creator(authorship: dict[str, Any]) -> Creator:
    author = _SHAPE.obj(authorship.get("author"), "authorship.author")
    return Creator(
        name=_SHAPE.text(author.get("display_name"), "author.display_name")
        or _SHAPE.text(authorship.get("raw_author_name"), "raw_author_name"),
        orcid=orcid_bare(_SHAPE.text(author.get("orcid"), "author.orcid")),
    )


def _awards(item: dict[str, Any]) -> tuple[AwardReference, ...]:
    # funders[] gives each funder's ROR, a scheme other than OpenAlex's own ids; the award
    # names its funder by OpenAlex id, which is kept when the ROR is not given.
    rors: dict[str, str] = {}
    for funder in _SHAPE.objects(item.get("funders"), "'funders'"):
        ror = _SHAPE.text(funder.get("ror"), "funders.ror")
        if ror:
            rors[_SHAPE.text(funder.get("id"), "funders.id")] = ror
    statements: dict[tuple[str, str], str] = {}
    for award in _SHAPE.objects(item.get("awards"), "'awards'"):
        key = (
            _SHAPE.text(award.get("funder_award_id"), "awards.funder_award_id"),
            _SHAPE.text(award.get("funder_id"), "awards.funder_id"),
        )
        statements.setdefault(key, _SHAPE.text(award.get("funder_display_name"), "funder name"))
    # Works indexed before 2026 carry grants[] (and during the change both, repeating each
    # other): a statement already read from awards[] is not read twice.
    for grant in _SHAPE.objects(item.get("grants"), "'grants'"):
        key = (
            _SHAPE.text(grant.get("award_id"), "grants.award_id"),
            _SHAPE.text(grant.get("funder"), "grants.funder"),
        )
        statements.setdefault(key, _SHAPE.text(grant.get("funder_display_name"), "funder name"))
    references = []
    for (raw, openalex_id), name in statements.items():
        ror = rors.get(openalex_id, "")
        references.append(
            AwardReference(
                raw_award=raw,
                funder_name=name,
                funder_id=ror or openalex_id,
                funder_id_type="ROR" if ror else ("OpenAlex" if openalex_id else ""),
            )
        )
    return tuple(references)
