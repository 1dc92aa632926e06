"""GitHub's code search (``/search/code``): repositories whose CITATION.cff or README names an
award number, each then read from the file itself (its ``contents`` address), since a search
hit says only where the number is. A CITATION.cff names its funders in ``references`` of type
``grant`` (``institution.name``, the number in ``identifiers``, ``number`` or ``url``); a README
names them in prose, so a line naming the number counts as the funder's statement only with
the funder's name in it ("National Science Foundation", "NSF"), as the matcher requires.

Only files at the top of a repository count, and forks are left out: a vendored copy of
someone else's README, or a fork's, is not the project's own release."""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import re
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import yaml

from artifacts.discovery.awards import award_numbers_in
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
    with_param,
)

_SHAPE = Shape("GitHub")

# The code search answers at most 1,000 results, 100 a page.
_MOST_RESULTS = 1000
_CFF = "citation.cff"
_README = re.compile(r"readme(?:\.[a-z]+)?", re.IGNORECASE)
# A README line's funder: NSF by its name, not the Swiss, Chinese or Sri Lankan one.
_NSF_NAME = re.compile(
    r"(?<![A-Z][a-z]{2} )(?<![A-Z][a-z]{3} )(?<![A-Z][a-z]{4} )(?<![A-Z][a-z]{5} )"
    r"(?<![A-Z][a-z]{6} )(?<![A-Z][a-z]{7} )"
    r"\b((?:U\.\s?S\.\s|US\s)?National\s+Science\s+Foundation)\b(?!\s+of\b)"
)
_NSF_ABBREVIATION = re.compile(r"(?<![\w-])NSF(?![\w-])")
_LINE_MOST = 300  # characters of a README line kept as the award statement

TOKEN_HEADER = ("Authorization", "Bearer {}")


def first_url(
    *, base_url: str, award_number: str, funder_id: str, contact: str, page_size: int
) -> str:
    """The first page of GitHub's code search for files naming this award number."""
    number = seven_digits(award_number)
    params = [("q", f'"{number}"'), ("per_page", str(min(page_size, 100))), ("page", "1")]
    return query_url(base_url, "search/code", params)


def read_page(body: bytes, *, url: str) -> Page:
    """One answer: a code search (``items``; the next page is ``url`` with ``page`` plus one
    while results remain), or a file's ``contents`` (a saved CITATION.cff or README), read as a
    page of one."""
    answer = _SHAPE.obj(_SHAPE.parse(body), "a top level")
    if "items" not in answer:
        if "content" not in answer:
            _SHAPE.fail("has neither a search's 'items' nor a file's 'content'")
        work = read_followed(_repository_work(answer), body)
        return Page(works=(work,) if work else (), next_url=None, total=1)
    items = answer.get("items")
    if not isinstance(items, list):
        _SHAPE.fail("has 'items' that is not a list")
    works = tuple(
        work
        for item in items
        if (work := _hit(_SHAPE.obj(item, "an entry of 'items'"))) is not None
    )
    total = answer.get("total_count")
    page = int(dict(parse_qsl(urlsplit(url).query)).get("page") or 1)
    per_page = int(dict(parse_qsl(urlsplit(url).query)).get("per_page") or 30)
    more = isinstance(total, int) and page * per_page < min(total, _MOST_RESULTS)
    return Page(
        works=works,
        next_url=with_param(url, "page", str(page + 1)) if items and more else None,
        total=total if isinstance(total, int) else None,
    )


def follow_url(work: FoundWork) -> str:
    """The ``contents`` address of the file the search found."""
    return _SHAPE.text(work.raw.get("url"), "an item's url")


def read_followed(work: FoundWork, body: bytes) -> FoundWork | None:
    """The work as its file describes it: a CITATION.cff's title, authors, licence, version,
    DOI and grants; a README's lines naming an award. None when the file is neither."""
    answer = _SHAPE.obj(_SHAPE.parse(body), "a file's contents")
    name = _SHAPE.text(answer.get("name"), "a file's name")
    text = _decoded(answer)
    file = {"path": _SHAPE.text(answer.get("path"), "path"), "html_url": answer.get("html_url")}
    raw = {**work.raw, "file": file}
    if name.casefold() == _CFF:
        raw["file"]["text"] = text
        return _from_cff(work, text, raw)
    if _README.fullmatch(name):
        return dataclasses.replace(work, awards=_readme_awards(text), raw=raw)
    return None


def _hit(item: dict[str, Any]) -> FoundWork | None:
    path = _SHAPE.text(item.get("path"), "an item's path")
    repository = _SHAPE.obj(item.get("repository"), "an item's 'repository'")
    if "/" in path or repository.get("fork") is True:
        return None
    if path.casefold() != _CFF and not _README.fullmatch(path):
        return None
    full_name = _SHAPE.text(repository.get("full_name"), "repository.full_name")
    html_url = _SHAPE.text(repository.get("html_url"), "repository.html_url")
    if not full_name or not html_url:
        _SHAPE.fail("has an item whose repository has no 'full_name' or 'html_url'")
    return FoundWork(
        source=Source.GITHUB,
        source_id=full_name,
        doi="",
        url=html_url,
        title=full_name,
        work_type=WorkType.SOFTWARE,
        type_as_given="repository",
        raw=item,
    )


def _repository_work(answer: dict[str, Any]) -> FoundWork:
    """The repository a saved file's ``html_url`` names (github.com/<owner>/<name>/blob/…)."""
    link = urlsplit(_SHAPE.text(answer.get("html_url"), "html_url"))
    owner_name = "/".join(link.path.strip("/").split("/")[:2])
    if link.scheme != "https" or owner_name.count("/") != 1:
        _SHAPE.fail("has a file whose 'html_url' names no repository")
    return FoundWork(
        source=Source.GITHUB,
        source_id=owner_name,
        doi="",
        url=f"https://{link.netloc}/{owner_name}",
        title=owner_name,
        work_type=WorkType.SOFTWARE,
        type_as_given="repository",
        raw={"path": answer.get("path"), "html_url": answer.get("html_url")},
    )


def _decoded(answer: dict[str, Any]) -> str:
    content = _SHAPE.text(answer.get("content"), "a file's content")
    if _SHAPE.text(answer.get("encoding"), "encoding") not in ("", "base64"):
        _SHAPE.fail("has a file in an encoding other than base64")
    try:
        # GitHub breaks its base64 into lines; anything else outside the alphabet is garbage.
        return base64.b64decode("".join(content.split()), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        _SHAPE.fail(f"has a file that is not base64 of UTF-8 text ({exc})")


def _from_cff(work: FoundWork, text: str, raw: dict[str, Any]) -> FoundWork:
    try:
        cff = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        _SHAPE.fail(f"has a CITATION.cff that is not YAML ({str(exc).splitlines()[0]})")
    cff = _SHAPE.obj(cff, "a CITATION.cff")
    identifiers = _SHAPE.objects(cff.get("identifiers"), "CITATION.cff identifiers")
    doi = doi_bare(_text(cff.get("doi"))) or next(
        (
            doi_bare(_text(ident.get("value")))
            for ident in identifiers
            if _text(ident.get("type")).casefold() == "doi"
        ),
        "",
    )
    licences = cff.get("license")
    licence = _text(licences[0] if isinstance(licences, list) and licences else licences)
    released = cff.get("date-released")
    published = released if isinstance(released, dt.date) else iso_date(_text(released))
    kind = _text(cff.get("type")).casefold() or "software"
    return dataclasses.replace(
        work,
        doi=doi,
        title=_text(cff.get("title")) or work.title,
        work_type=WorkType.DATASET if kind == "dataset" else WorkType.SOFTWARE,
        type_as_given=f"CITATION.cff {kind}",
        creators=Creators(_creator, _SHAPE.objects(cff.get("authors"), "CITATION.cff authors")),
        license=spdx_id(licence),
        version=_text(cff.get("version")),
        published=published,
        year=published.year if published else None,
        venue="GitHub",
        awards=_cff_awards(cff),
        raw=raw,
    )


def _cff_awards(cff: dict[str, Any]) -> tuple[AwardReference, ...]:
    references: list[AwardReference] = []
    for entry in _SHAPE.objects(cff.get("references"), "CITATION.cff references"):
        if _text(entry.get("type")).casefold() != "grant":
            continue
        funder = _text(_SHAPE.obj(entry.get("institution"), "a grant's institution").get("name"))
        numbers = [
            _text(ident.get("value"))
            for ident in _SHAPE.objects(entry.get("identifiers"), "a grant's identifiers")
        ]
        numbers.append(_text(entry.get("number")))
        statements = [number for number in numbers if number] or [""]
        uris = [_text(entry.get("url"))] if _text(entry.get("url")) else []
        for raw in statements:
            references += award_references(
                raw, uris=uris, funder_name=funder, funder_id="", funder_id_type=""
            )
    return tuple(dict.fromkeys(references))


def _readme_awards(text: str) -> tuple[AwardReference, ...]:
    """A reference per README line that names an award number, its funder the NSF where the
    line (or, for a list of numbers under a heading, the README) names it."""
    whole = _funder_named(text)
    references = []
    for line in text.splitlines():
        if not award_numbers_in(line):
            continue
        statement = " ".join(line.split())[:_LINE_MOST]
        references.append(AwardReference(statement, _funder_named(line) or whole))
    return tuple(references)


def _funder_named(text: str) -> str:
    if match := _NSF_NAME.search(text):
        named = "".join(match.group(1).split())
        return (
            "National Science Foundation"
            if named.startswith("National")
            else ("U.S. National Science Foundation")
        )
    return "NSF" if _NSF_ABBREVIATION.search(text) else ""


def _creator(entry: dict[str, Any]) -> Creator:
    family = _text(entry.get("family-names"))
    given = _text(entry.get("given-names"))
    return Creator(
        name=f"{family}, {given}" if family and given else family or _text(entry.get("name")),
        family_name=family,
        given_name=given,
        orcid=orcid_bare(_text(entry.get("orcid"))),
    )


def _text(value: object) -> str:
    """A CITATION.cff value as text: YAML reads versions and numbers as numbers."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | float | dt.date) and not isinstance(value, bool):
        return str(value)
    return ""
