"""Matching a work's funding statements to the program's awards: NSF award numbers read out of
however a record spells them, and funders recognised by identifier, or by exact name where the
record gives no identifier."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from artifacts.discovery.records import AwardReference, FoundWork, Source

# A seven-digit run that stands alone: not part of a longer run of digits (an 8-digit typo or
# another funder's number yields nothing), glued at most to a letters-only prefix ("IIS1939743"
# counts, "W911NF1810323" does not), and not followed by a letter or digit. Dashes of any kind,
# spaces, "#", "=", "(USNA)" and other punctuation around it do not matter.
_AWARD_NUMBER = re.compile(r"(?<![^\W_])[^\W\d_]*([0-9]{7})(?![^\W_])")

_CROSSREF_FUNDER = re.compile(r"10\.13039/(\S+)", re.IGNORECASE)
_ROR_URL = re.compile(r"ror\.org/(0[a-z0-9]{8})\b", re.IGNORECASE)
_ROR_BARE = re.compile(r"0[a-hj-km-np-tv-z0-9]{6}[0-9]{2}")
_OPENALEX_FUNDER = re.compile(r"(?:^|openalex\.org/(?:funders/)?)(F[0-9]{4,})$", re.IGNORECASE)
_DIGITS = re.compile(r"[0-9]+")


def award_numbers_in(raw: str) -> tuple[str, ...]:
    """Every NSF award number in an award string, as its seven digits, in order, once each."""
    if len(raw) < 7:
        return ()
    found = _AWARD_NUMBER.findall(raw)
    if len(found) < 2:
        return tuple(found)
    return tuple(dict.fromkeys(found))


def _name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


@dataclass(frozen=True)
class _FunderId:
    scheme: str  # "crossref", "ror", "openalex", or "" when the identifier is not one of these
    value: str


@lru_cache(maxsize=4096)
def _funder_id(raw: str, id_type: str = "") -> _FunderId:
    """The scheme and bare value of a funder identifier in any of the forms records use."""
    text = raw.strip().rstrip("/")
    kind = id_type.casefold()
    if match := _CROSSREF_FUNDER.search(text):
        return _FunderId("crossref", f"10.13039/{match.group(1).casefold()}")
    if "crossref" in kind and _DIGITS.fullmatch(text):
        # OpenAlex and some DataCite records give the Funder Registry id without its prefix.
        return _FunderId("crossref", f"10.13039/{text}")
    if match := _ROR_URL.search(text):
        return _FunderId("ror", match.group(1).casefold())
    if _ROR_BARE.fullmatch(text.casefold()):
        return _FunderId("ror", text.casefold())
    if match := _OPENALEX_FUNDER.search(text):
        return _FunderId("openalex", match.group(1).upper())
    return _FunderId("", text)


def _bare_ids(values: frozenset[str], scheme: str) -> frozenset[str]:
    bare = set()
    for value in values:
        parsed = _funder_id(value, "crossref" if scheme == "crossref" else "")
        if parsed.scheme != scheme:
            raise ValueError(f"{value!r} is not a {scheme} funder identifier")
        bare.add(parsed.value)
    return frozenset(bare)


@dataclass(frozen=True)
class FunderIdentity:
    """Who made an award, as the indexes may name them. Identifiers may be given in any URL or
    bare form; they are kept bare ("10.13039/100000001", "021nxhr62", "F4320306076")."""

    crossref_funder_ids: frozenset[str]
    ror_ids: frozenset[str]
    names: frozenset[str]
    openalex_ids: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        # Normalised once here so that matching a work costs set look-ups only.
        object.__setattr__(
            self, "crossref_funder_ids", _bare_ids(self.crossref_funder_ids, "crossref")
        )
        object.__setattr__(self, "ror_ids", _bare_ids(self.ror_ids, "ror"))
        object.__setattr__(self, "openalex_ids", _bare_ids(self.openalex_ids, "openalex"))
        object.__setattr__(self, "names", frozenset(_name_key(name) for name in self.names))

    def ids_for(self, scheme: str) -> frozenset[str]:
        if scheme == "crossref":
            return self.crossref_funder_ids
        if scheme == "ror":
            return self.ror_ids
        if scheme == "openalex":
            return self.openalex_ids
        return frozenset()


NSF = FunderIdentity(
    # NSF itself, and the directorates and divisions the Funder Registry lists under it that
    # publishers name instead (each seen with NSF award numbers in recorded Crossref works:
    # BIO, MPS, DMR, DGE, CMMI, MCB, DBI, CHE, BCS). Their awards are NSF awards.
    crossref_funder_ids=frozenset(
        {
            "10.13039/100000001",
            "10.13039/100000076",
            "10.13039/100000078",
            "10.13039/100000082",
            "10.13039/100000086",
            "10.13039/100000147",
            "10.13039/100000152",
            "10.13039/100000153",
            "10.13039/100000165",
            "10.13039/100000169",
        }
    ),
    ror_ids=frozenset({"021nxhr62"}),
    names=frozenset({"National Science Foundation", "U.S. National Science Foundation", "NSF"}),
    # OpenAlex names funders by its own id only in its older grants[] records.
    openalex_ids=frozenset({"F4320306076"}),
)


def funder_matches(reference: AwardReference, funder: FunderIdentity) -> bool:
    """Whether a funding statement names this funder: by identifier when the record gives one
    in a scheme the funder is known by; by exact name (case and spacing aside) only when not."""
    if reference.funder_id.strip():
        given = _funder_id(reference.funder_id, reference.funder_id_type)
        if given.scheme:
            return given.value in funder.ids_for(given.scheme)
        # An identifier of a scheme nobody here knows (ISNI, GRID…) decides nothing: fall
        # through to the name, as for a statement without one.
    return bool(reference.funder_name) and _name_key(reference.funder_name) in funder.names


def funder_as_given(reference: AwardReference) -> str:
    """The funder as the record gave it, name and identifier, for a reader of the suggestion."""
    name, ident = reference.funder_name.strip(), reference.funder_id.strip()
    if name and ident:
        return f"{name} ({ident})"
    return name or ident


@dataclass(frozen=True)
class AwardMatch:
    """Why a work was matched to one of the program's awards."""

    award_number: str
    source: Source
    raw_award: str
    funder_as_given: str


def work_matches(
    work: FoundWork, *, awards: Mapping[str, FunderIdentity]
) -> tuple[AwardMatch, ...]:
    """The program's awards (number → the funder that made it) this work cites, one match per
    award number, the first statement citing it giving the reason."""
    matches: dict[str, AwardMatch] = {}
    for reference in work.awards:
        for number in award_numbers_in(reference.raw_award):
            funder = awards.get(number)
            if funder is None or number in matches or not funder_matches(reference, funder):
                continue
            matches[number] = AwardMatch(
                award_number=number,
                source=work.source,
                raw_award=reference.raw_award,
                funder_as_given=funder_as_given(reference),
            )
    return tuple(matches.values())
