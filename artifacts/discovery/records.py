"""One work as any scholarly index describes it, read into the shape the matcher and the
suggestion queue share."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, overload


class Source(StrEnum):
    DATACITE = "datacite"
    CROSSREF = "crossref"
    OPENALEX = "openalex"
    ZENODO = "zenodo"
    GITHUB = "github"


class WorkType(StrEnum):
    """What a work is, in FairProg's terms: the kinds of artifact, or an article."""

    DATASET = "dataset"
    SOFTWARE = "software"
    MODEL = "model"
    ARTICLE = "article"
    OTHER = "other"


@dataclass(frozen=True)
class Creator:
    name: str  # as the record gives it, "Family, Given" or the whole name
    family_name: str = ""
    given_name: str = ""
    orcid: str = ""  # bare 0000-0000-0000-000X, checksum-valid, or ""


class Creators(Sequence[Creator]):
    """A work's creators, read from the source's entries when first asked for. Most works of a
    search answer are not the award's (another funder's number, or no number at all), and
    reading their authors, hundreds for some, would be most of reading a page; the creators of
    a work that matches are read when its suggestion is recorded. An entry that cannot be read
    as a creator (a name that is an object…) is left out rather than failing the run later."""

    __slots__ = ("_creators", "_entries", "_read")

    def __init__(self, read: Callable[[Any], Creator], entries: Sequence[Any] = (), /) -> None:
        self._read: Callable[[Any], Creator] | None = read
        self._entries: Sequence[Any] = entries
        self._creators: tuple[Creator, ...] | None = None

    def _all(self) -> tuple[Creator, ...]:
        if self._creators is None:
            read, self._read = self._read, None
            creators = []
            for entry in self._entries:
                try:
                    creators.append(read(entry))  # type: ignore[misc]
                except SourceFormatError:
                    continue
            self._creators, self._entries = tuple(creators), ()
        return self._creators

    @overload
    def __getitem__(self, index: int) -> Creator: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[Creator, ...]: ...
    def __getitem__(self, index: int | slice) -> Creator | tuple[Creator, ...]:
        return self._all()[index]

    def __len__(self) -> int:
        return len(self._all())

    def __iter__(self) -> Iterator[Creator]:
        return iter(self._all())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Creators):
            return self._all() == other._all()
        return isinstance(other, tuple) and self._all() == other

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Creators({self._all()!r})"


@dataclass(frozen=True)
class AwardReference:
    """One funding statement of a work, as the record gives it."""

    raw_award: str  # the award string exactly as recorded ("IIS-1939743", "NSF BCS 1440742")
    funder_name: str = ""  # as given, or ""
    funder_id: str = ""  # as given (a Crossref Funder DOI or URL, a ROR id or URL), or ""
    funder_id_type: str = ""  # as given ("Crossref Funder ID", "ROR", …), or ""


@dataclass(frozen=True)
class FoundWork:
    source: Source
    source_id: str  # the index's own id of the record (DOI, OpenAlex W-id, Zenodo record id)
    doi: str  # bare, lower-case ("10.5281/zenodo.7752775"), or ""
    url: str  # landing page
    title: str
    work_type: WorkType
    type_as_given: str  # resourceTypeGeneral / type as the source wrote it
    creators: Sequence[Creator] = ()  # a tuple, or Creators read when first asked for
    license: str = ""  # an SPDX id where recognisable, else ""
    version: str = ""
    published: dt.date | None = None
    year: int | None = None
    venue: str = ""  # journal, conference or repository name
    awards: tuple[AwardReference, ...] = field(default_factory=tuple)
    # The source's own record, as it answered, for staff to read beside the suggestion.
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def key(self) -> str:
        """One work found by several sources is one suggestion: by DOI (case-insensitive),
        then by URL."""
        return f"doi:{self.doi.lower()}" if self.doi else f"url:{self.url}"


@dataclass(frozen=True)
class Page:
    """One answer of a source's search: its works, and the address of the next page (None
    on the last)."""

    works: tuple[FoundWork, ...]
    next_url: str | None
    total: int | None = None  # as the source states it, when it does


class SourceFormatError(ValueError):
    """A source's answer is not the shape its API documents (not JSON, or missing the list
    of works): the run of that source fails with this message, naming what was wrong."""
