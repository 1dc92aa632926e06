"""Readers of the four scholarly indexes' answers, one module per source, each with the same two
functions (``first_url`` and ``read_page``); and what they share: strict reading of the JSON
shape, ORCID iDs, SPDX licence ids, dates and award references."""

from __future__ import annotations

import datetime as dt
import re
from operator import mul
from typing import Any, NoReturn
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import orjson

from artifacts.discovery.awards import award_numbers_in
from artifacts.discovery.records import AwardReference, SourceFormatError


class Shape:
    """Reads one source's JSON, failing with a message that names the source and the field
    when the answer is not the shape the source documents."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, problem: str) -> NoReturn:
        raise SourceFormatError(f"{self.source} answer {problem}")

    def parse(self, body: bytes) -> Any:
        if not body.strip():
            self.fail("is empty")
        try:
            # orjson: the indexes answer in megabytes, and parsing is most of reading them.
            return orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            self.fail(f"is not JSON ({exc})")

    def obj(self, value: object, what: str) -> dict[str, Any]:
        """An object that may be absent (read as empty)."""
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.fail(f"has {what} that is {_kind(value)}, not an object")
        return value

    def items(self, value: object, what: str) -> list[Any]:
        """A list that may be absent (read as empty)."""
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(f"has {what} that is {_kind(value)}, not a list")
        return value

    def objects(self, value: object, what: str) -> list[dict[str, Any]]:
        return [self.obj(item, f"an entry of {what}") for item in self.items(value, what)]

    def text(self, value: object, what: str) -> str:
        if type(value) is str:  # the common case first: reading is most of a run's time
            return value.strip()
        if value is None:
            return ""
        if isinstance(value, str):
            return value.strip()
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        self.fail(f"has {what} that is {_kind(value)}, not text")

    def texts(self, value: object, what: str) -> list[str]:
        """A list of strings, or one string where a list was expected; blanks dropped."""
        if isinstance(value, str):
            return [value.strip()] if value.strip() else []
        entries = (self.text(v, f"an entry of {what}") for v in self.items(value, what))
        return [entry for entry in entries if entry]


def _kind(value: object) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, str):
        return "text"
    if isinstance(value, bool):
        return "true or false"
    return "null" if value is None else "a number"


def query_url(base_url: str, path: str, params: list[tuple[str, str]]) -> str:
    """An index's search address; ':', ',', '/' and '*' left readable, everything else encoded."""
    return f"{base_url.rstrip('/')}/{path}?{urlencode(params, safe=':,/*', quote_via=quote)}"


def with_param(url: str, name: str, value: str) -> str:
    """``url`` with one query parameter set (replaced where present, added where not)."""
    parts = urlsplit(url)
    params = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != name]
    params.append((name, value))
    query = urlencode(params, safe=":,/*", quote_via=quote)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def seven_digits(award_number: str) -> str:
    if not re.fullmatch(r"[0-9]{7}", award_number):
        raise ValueError(f"award number {award_number!r} is not seven digits")
    return award_number


_ORCID_WEIGHTS = tuple(2 ** (15 - place) for place in range(15))
_ORCID = re.compile(r"([0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{3}[0-9X])", re.IGNORECASE)


def orcid_bare(value: str) -> str:
    """The bare ORCID iD in an identifier or URL, if its check digit is right; else ""."""
    if not value:
        return ""
    match = _ORCID.search(value)
    if not match:
        return ""
    ident = match.group(1).upper()
    # ISO 7064 MOD 11-2 over the fifteen digits before the check character.
    digits = ident[:4] + ident[5:9] + ident[10:14] + ident[15:18]
    total = sum(map(mul, map(int, digits), _ORCID_WEIGHTS))
    check = (12 - total % 11) % 11
    return ident if ident[-1] == ("X" if check == 10 else str(check)) else ""


_SPDX_IDS = [
    "0BSD",
    "AFL-3.0",
    "AGPL-3.0-only",
    "AGPL-3.0-or-later",
    "Apache-1.1",
    "Apache-2.0",
    "Artistic-2.0",
    "BSD-2-Clause",
    "BSD-3-Clause",
    "BSD-3-Clause-Clear",
    "BSL-1.0",
    "CC-PDDC",
    "CC0-1.0",
    "CDLA-Permissive-2.0",
    "CECILL-2.1",
    "ECL-2.0",
    "EPL-1.0",
    "EPL-2.0",
    "EUPL-1.2",
    "GPL-2.0-only",
    "GPL-2.0-or-later",
    "GPL-3.0-only",
    "GPL-3.0-or-later",
    "ISC",
    "LGPL-2.1-only",
    "LGPL-2.1-or-later",
    "LGPL-3.0-only",
    "LGPL-3.0-or-later",
    "LPPL-1.3c",
    "MIT",
    "MIT-0",
    "MPL-2.0",
    "MS-PL",
    "NCSA",
    "ODbL-1.0",
    "ODC-By-1.0",
    "OFL-1.1",
    "PDDL-1.0",
    "PostgreSQL",
    "Python-2.0",
    "Unlicense",
    "UPL-1.0",
    "WTFPL",
    "Zlib",
]
_CC_KINDS = ("by", "by-sa", "by-nd", "by-nc", "by-nc-sa", "by-nc-nd")
_CC_VERSIONS = ("1.0", "2.0", "2.5", "3.0", "4.0")
_SPDX = {ident.casefold(): ident for ident in _SPDX_IDS} | {
    f"cc-{kind}-{version}": f"CC-{kind.upper()}-{version}"
    for kind in _CC_KINDS
    for version in _CC_VERSIONS
}
# Deprecated SPDX ids repositories still use, read as the ids that replaced them.
_SPDX |= {
    "gpl-2.0": "GPL-2.0-only",
    "gpl-2.0+": "GPL-2.0-or-later",
    "gpl-3.0": "GPL-3.0-only",
    "gpl-3.0+": "GPL-3.0-or-later",
    "lgpl-2.1": "LGPL-2.1-only",
    "lgpl-3.0": "LGPL-3.0-only",
    "agpl-3.0": "AGPL-3.0-only",
}
_CC_URL = re.compile(
    r"creativecommons\.org/licenses/(by(?:-nc)?(?:-sa|-nd)?)/([0-9]\.[0-9])", re.IGNORECASE
)
_CC0_URL = re.compile(r"creativecommons\.org/publicdomain/zero/1\.0", re.IGNORECASE)
_NAMED_URL = re.compile(
    r"(?:opensource\.org/licenses?|spdx\.org/licenses)/([A-Za-z0-9.+-]+?)(?:\.html|\.php|/|$)",
    re.IGNORECASE,
)
_APACHE_URL = re.compile(r"apache\.org/licenses/LICENSE-2\.0", re.IGNORECASE)


def spdx_id(value: str) -> str:
    """The SPDX id of a licence given as an SPDX id (any case) or a recognisable licence URL
    (Creative Commons, opensource.org, spdx.org, apache.org); "" when not recognisable."""
    text = value.strip()
    if not text:
        return ""
    if known := _SPDX.get(text.casefold()):
        return known
    if match := _CC_URL.search(text):
        return _SPDX.get(f"cc-{match.group(1).casefold()}-{match.group(2)}", "")
    if _CC0_URL.search(text):
        return "CC0-1.0"
    if _APACHE_URL.search(text):
        return "Apache-2.0"
    if match := _NAMED_URL.search(text):
        name = match.group(1).casefold()
        return _SPDX.get(name) or _SPDX.get(name.removesuffix("-license"), "")
    return ""


def iso_date(value: str) -> dt.date | None:
    """The date of an ISO 8601 date or date-time ("2023-04-16", "2022-05-30T00:00:00Z"), or
    None when it is only a year or a month, or not a date."""
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def year_of(value: object) -> int | None:
    text = str(value).strip() if isinstance(value, int | str) else ""
    return int(text[:4]) if re.fullmatch(r"[0-9]{4}(?:-.*)?", text) else None


def award_references(
    raw_award: str,
    *,
    uris: list[str],
    funder_name: str,
    funder_id: str,
    funder_id_type: str,
) -> list[AwardReference]:
    """One funding statement: its award string, and besides it each award address (an
    nsf.gov showAward link…) that names a number the award string does not."""
    references = [AwardReference(raw_award, funder_name, funder_id, funder_id_type)]
    numbers = set(award_numbers_in(raw_award))
    for uri in uris:
        extra = [n for n in award_numbers_in(uri) if n not in numbers]
        if extra:
            references.append(AwardReference(uri, funder_name, funder_id, funder_id_type))
            numbers.update(extra)
    return references


def doi_bare(value: str) -> str:
    """A DOI without its resolver prefix, lower-case ("10.5281/zenodo.7752775"), or ""."""
    text = value.strip()
    match = re.search(r"(10\.[0-9]{4,9}/\S+)", text)
    return match.group(1).casefold() if match else ""
