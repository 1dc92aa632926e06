"""The award record every NSF format is read into, and the normalisation they share:
NSF's escaped HTML, dates, amounts, award numbers, investigator roles and program
element codes. Each parser in this package turns one document into these plain values,
or raises ``NSFFormatError`` naming the document.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import PurePath
from typing import Any

ROLE_PI = "pi"
ROLE_CO_PI = "co_pi"
ROLE_FORMER_PI = "former_pi"
ROLE_FORMER_CO_PI = "former_co_pi"


class NSFFormatError(Exception):
    """A document that cannot be read as NSF award data; when the error is in one award's
    record, ``award_number`` and ``title`` say which, as far as the record was read."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason
        self.award_number = ""
        self.title = ""


@contextmanager
def naming_award(number: object, title: object) -> Iterator[None]:
    """Names, in a format error raised inside, the award whose record it is in."""
    try:
        yield
    except NSFFormatError as exc:
        if not exc.award_number:
            text = str(number or "").strip()
            exc.award_number = text.zfill(7) if text.isdigit() and len(text) <= 7 else ""
            exc.title = exc.title or clean_text(str(title or ""))[:400]
        raise


def award_number_in_name(source: str) -> str:
    """The award number a file is named after (NSF's bulk files are ``<award id>.xml``),
    for an error found before the record said it; "" when the name holds none."""
    found = re.search(r"(?<!\d)\d{7}(?!\d)", PurePath(source.rpartition("!")[2]).name)
    return found.group(0) if found else ""


@dataclass(frozen=True)
class InstitutionRecord:
    name: str
    city: str = ""
    state: str = ""
    country: str = ""


@dataclass(frozen=True)
class InvestigatorRecord:
    first_name: str
    last_name: str
    role: str
    email: str = ""
    nsf_id: str = ""
    start_date: dt.date | None = None
    end_date: dt.date | None = None


@dataclass
class AwardRecord:
    award_number: str
    title: str
    source: str
    abstract: str = ""
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    first_amended: dt.date | None = None
    last_amended: dt.date | None = None
    intended_amount: Decimal | None = None
    awarded_amount: Decimal | None = None
    obligated_amount: Decimal | None = None
    instrument: str = ""
    directorate: str = ""
    division: str = ""
    program_officer: str = ""
    institution: InstitutionRecord | None = None
    investigators: list[InvestigatorRecord] = field(default_factory=list)
    # (code, name); codes already normalised to NSF's four-character form.
    program_elements: list[tuple[str, str]] = field(default_factory=list)
    # False when the source did not say which programs fund the award (API JSON).
    elements_known: bool = True
    # The programs the award is funded from by name (the Award Search API's
    # fundProgramName), which some API responses give instead of element codes.
    fund_programs: list[str] = field(default_factory=list)


# --- Keeping a record ------------------------------------------------------------

_DATES = ("start_date", "end_date", "first_amended", "last_amended")
_AMOUNTS = ("intended_amount", "awarded_amount", "obligated_amount")


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def record_as_json(record: AwardRecord) -> dict[str, Any]:
    """The record as JSON values, to keep it (an import run keeps the awards it skipped,
    so staff can import one anyway once its file is gone); ``record_from_json`` reverses it."""
    data = dataclasses.asdict(record)
    for name in _DATES:
        data[name] = _iso(data[name])
    for name in _AMOUNTS:
        data[name] = None if data[name] is None else str(data[name])
    for person in data["investigators"]:
        person["start_date"] = _iso(person["start_date"])
        person["end_date"] = _iso(person["end_date"])
    data["program_elements"] = [list(pair) for pair in record.program_elements]
    return data


def record_from_json(data: dict[str, Any]) -> AwardRecord:
    values = dict(data)
    for name in _DATES:
        values[name] = _date(values.get(name))
    for name in _AMOUNTS:
        values[name] = None if values.get(name) is None else Decimal(values[name])
    institution = values.get("institution")
    values["institution"] = InstitutionRecord(**institution) if institution else None
    values["investigators"] = [
        InvestigatorRecord(
            **{
                **person,
                "start_date": _date(person.get("start_date")),
                "end_date": _date(person.get("end_date")),
            }
        )
        for person in values.get("investigators") or []
    ]
    values["program_elements"] = [(str(c), str(n)) for c, n in values.get("program_elements") or []]
    return AwardRecord(**values)


# --- Cleaning -----------------------------------------------------------------

# Only real HTML markup is removed; text such as "<c+a>" or "<FeIII-OH2>" stays.
_HTML_TAG = re.compile(
    r"</?(?:br|p|i|b|em|strong|sub|sup|u|a|span|div|ul|ol|li|h[1-6])(?:\s[^<>]*)?/?>",
    re.IGNORECASE,
)
_LINE_BREAK = re.compile(r"<(?:br|/?p|/li|/div|h[1-6])(?:\s[^<>]*)?/?>", re.IGNORECASE)


def clean_text(value: str | None) -> str:
    """Plain text from NSF's escaped HTML: entities decoded, markup gone, spaces tidy."""
    if not value:
        return ""
    text = value
    # NSF escapes some fields twice (title "&amp;lt;c+a&amp;gt;"); decode until stable.
    for _ in range(3):
        decoded = html.unescape(text)
        if decoded == text:
            break
        text = decoded
    text = _LINE_BREAK.sub("\n", text)
    text = _HTML_TAG.sub("", text)
    lines = [" ".join(line.split()) for line in text.replace("\r", "").split("\n")]
    text = "\n".join(lines)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def normalize_element_code(code: str) -> str:
    """NSF lists program elements as 114Y, 114Y00 or 114y00; all are element 114Y."""
    return code.strip().upper()[:4]


def parse_date(value: str | None, *, source: str, what: str) -> dt.date | None:
    value = (value or "").strip()
    if not value:
        return None
    for fmt in ("%m/%d/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise NSFFormatError(source, f"{what} {value!r} is not a date (expected MM/DD/YYYY)")


def parse_amount(value: str | float | int | None, *, source: str, what: str) -> Decimal | None:
    if value is None:
        return None
    text = str(value).strip().replace(",", "").lstrip("$")
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise NSFFormatError(source, f"{what} {value!r} is not an amount") from None
    if amount < 0:
        raise NSFFormatError(source, f"{what} {value!r} is negative")
    return amount


def total_amount(amounts: Iterable[Decimal | None]) -> Decimal | None:
    """The sum of the amounts an award lists (its yearly obligations); None when it lists
    none, which is not the same as a total of zero."""
    listed = list(amounts)
    return sum((a for a in listed if a is not None), Decimal(0)) if listed else None


def parse_award_number(value: str | int | None, *, source: str) -> str:
    text = str(value or "").strip()
    if not text.isdigit() or len(text) > 7:
        raise NSFFormatError(source, f"award id {text!r} is not an NSF award number")
    return text.zfill(7)


_ROLES = {
    "principal investigator": ROLE_PI,
    "pi": ROLE_PI,
    "co-principal investigator": ROLE_CO_PI,
    "co-pi": ROLE_CO_PI,
    "former principal investigator": ROLE_FORMER_PI,
    "former co-principal investigator": ROLE_FORMER_CO_PI,
}


def parse_role(value: str | None) -> str:
    """One of the ROLE_ values for NSF's wording of a role; an unknown one counts as co-PI."""
    return _ROLES.get((value or "").strip().lower(), ROLE_CO_PI)


def unique_elements(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """(code, name) pairs with each code once, normalised; a named entry wins over an
    unnamed one, since some sources list a code both with and without its name."""
    seen: dict[str, str] = {}
    for code, name in pairs:
        if not code.strip():
            continue
        key = normalize_element_code(code)
        if key not in seen or (name and not seen[key]):
            seen[key] = name
    return list(seen.items())
