"""Parsers for NSF award data: bulk XML, Award Search API JSON, and bulk JSON.

Each parser turns one document into plain ``AwardRecord`` values, or raises
``NSFFormatError`` naming the document and, for XML, the parser's line and column.
Nothing here touches the database.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

ROLE_PI = "pi"
ROLE_CO_PI = "co_pi"
ROLE_FORMER_PI = "former_pi"
ROLE_FORMER_CO_PI = "former_co_pi"


class NSFFormatError(Exception):
    """A document that cannot be read as NSF award data."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


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


def _date(value: str | None, *, source: str, what: str) -> dt.date | None:
    value = (value or "").strip()
    if not value:
        return None
    for fmt in ("%m/%d/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise NSFFormatError(source, f"{what} {value!r} is not a date (expected MM/DD/YYYY)")


def _amount(value: str | float | int | None, *, source: str, what: str) -> Decimal | None:
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


def _award_number(value: str | int | None, *, source: str) -> str:
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


def _role(value: str | None) -> str:
    return _ROLES.get((value or "").strip().lower(), ROLE_CO_PI)


# --- Bulk XML -------------------------------------------------------------------


def _text(node: Element | None, path: str) -> str:
    if node is None:
        return ""
    found = node.find(path)
    return (found.text or "").strip() if found is not None and found.text else ""


def parse_xml(data: bytes, *, source: str) -> list[AwardRecord]:
    try:
        root = ElementTree.fromstring(data)
    except ParseError as exc:
        line, column = exc.position
        reason = str(exc).split(":")[0]
        raise NSFFormatError(
            source, f"malformed XML ({reason}) at line {line}, column {column}"
        ) from None
    except DefusedXmlException as exc:
        raise NSFFormatError(source, f"refused unsafe XML ({type(exc).__name__})") from None
    awards = [root] if root.tag == "Award" else root.findall("Award")
    if not awards:
        raise NSFFormatError(source, "no <Award> element found")
    return [_xml_award(award, source=source) for award in awards]


def _xml_award(node: Element, *, source: str) -> AwardRecord:
    number = _award_number(_text(node, "AwardID"), source=source)
    where = f"{source} (award {number})"
    obligations = [
        _amount(text.split("~", 1)[1], source=where, what="FUND_OBLG")
        for text in (item.text or "" for item in node.findall("FUND_OBLG"))
        if "~" in text
    ]
    institution = node.find("Institution")
    record = AwardRecord(
        award_number=number,
        source=source,
        title=clean_text(_text(node, "AwardTitle")),
        abstract=clean_text(_text(node, "AbstractNarration")),
        start_date=_date(_text(node, "AwardEffectiveDate"), source=where, what="start date"),
        end_date=_date(_text(node, "AwardExpirationDate"), source=where, what="end date"),
        first_amended=_date(_text(node, "MinAmdLetterDate"), source=where, what="first letter"),
        last_amended=_date(_text(node, "MaxAmdLetterDate"), source=where, what="last letter"),
        intended_amount=_amount(
            _text(node, "AwardTotalIntnAmount"), source=where, what="intended amount"
        ),
        awarded_amount=_amount(_text(node, "AwardAmount"), source=where, what="award amount"),
        obligated_amount=(
            sum((a for a in obligations if a is not None), Decimal(0)) if obligations else None
        ),
        instrument=_text(node, "AwardInstrument/Value"),
        directorate=clean_text(_text(node, "Organization/Directorate/LongName")),
        division=clean_text(_text(node, "Organization/Division/LongName")),
        program_officer=clean_text(_text(node, "ProgramOfficer/SignBlockName")),
        institution=(
            InstitutionRecord(
                name=clean_text(_text(institution, "Name")),
                city=_text(institution, "CityName"),
                state=_text(institution, "StateCode") or _text(institution, "StateName"),
                country=_text(institution, "CountryName"),
            )
            if institution is not None and _text(institution, "Name")
            else None
        ),
        program_elements=_unique_elements(
            (_text(element, "Code"), clean_text(_text(element, "Text")))
            for element in node.findall("ProgramElement")
        ),
    )
    for person in node.findall("Investigator"):
        record.investigators.append(
            InvestigatorRecord(
                first_name=clean_text(_text(person, "FirstName")),
                last_name=clean_text(_text(person, "LastName")),
                role=_role(_text(person, "RoleCode")),
                email=_text(person, "EmailAddress").lower(),
                nsf_id=_text(person, "NSF_ID"),
                start_date=_date(_text(person, "StartDate"), source=where, what="start date"),
                end_date=_date(_text(person, "EndDate"), source=where, what="end date"),
            )
        )
    return record


def _unique_elements(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for code, name in pairs:
        if not code.strip():
            continue
        key = normalize_element_code(code)
        if key not in seen or (name and not seen[key]):
            seen[key] = name
    return list(seen.items())


# --- Award Search API JSON ------------------------------------------------------


def parse_api_json(payload: dict[str, Any], *, source: str) -> list[AwardRecord]:
    response = payload.get("response")
    if not isinstance(response, dict):
        raise NSFFormatError(source, 'no "response" object in API JSON')
    notes = response.get("serviceNotification")
    if notes:
        first = notes[0] if isinstance(notes, list) and notes else {}
        raise NSFFormatError(
            source,
            "the NSF API returned an error instead of awards: "
            f"{first.get('notificationCode', '?')} {first.get('notificationMessage', '')}".strip(),
        )
    awards = response.get("award")
    if not isinstance(awards, list):
        raise NSFFormatError(source, 'no "award" list in API JSON response')
    return [_api_award(item, source=source) for item in awards]


def _api_award(item: dict[str, Any], *, source: str) -> AwardRecord:
    number = _award_number(item.get("id"), source=source)
    where = f"{source} (award {number})"
    record = AwardRecord(
        award_number=number,
        source=source,
        title=clean_text(item.get("title")),
        abstract=clean_text(item.get("abstractText")),
        start_date=_date(item.get("startDate"), source=where, what="startDate"),
        end_date=_date(item.get("expDate"), source=where, what="expDate"),
        first_amended=_date(item.get("date"), source=where, what="date"),
        intended_amount=_amount(item.get("estimatedTotalAmt"), source=where, what="amount"),
        obligated_amount=_amount(item.get("fundsObligatedAmt"), source=where, what="amount"),
        instrument=str(item.get("transType") or ""),
        program_officer=clean_text(item.get("poName")),
        institution=(
            InstitutionRecord(
                name=clean_text(item["awardeeName"]),
                city=str(item.get("awardeeCity") or ""),
                state=str(item.get("awardeeStateCode") or ""),
                country=str(item.get("awardeeCountryCode") or ""),
            )
            if item.get("awardeeName")
            else None
        ),
    )
    codes = item.get("progEleCode")
    if codes:
        listed = codes if isinstance(codes, list) else re.split(r"[,\s]+", str(codes))
        record.program_elements = _unique_elements((str(c), "") for c in listed)
    else:
        record.elements_known = False
    if item.get("piLastName"):
        record.investigators.append(
            InvestigatorRecord(
                first_name=clean_text(item.get("piFirstName")),
                last_name=clean_text(item.get("piLastName")),
                role=ROLE_PI,
                email=str(item.get("piEmail") or "").lower(),
            )
        )
    for co_pi in item.get("coPDPI") or []:
        # "Jane Q Doe ~000123456"
        name, _, nsf_id = str(co_pi).partition("~")
        parts = name.split()
        if parts:
            record.investigators.append(
                InvestigatorRecord(
                    first_name=" ".join(parts[:-1]),
                    last_name=parts[-1],
                    role=ROLE_CO_PI,
                    nsf_id=nsf_id.strip(),
                )
            )
    return record


# --- Bulk JSON (one file per award, since 2025) --------------------------------


def parse_bulk_json(item: dict[str, Any], *, source: str) -> AwardRecord:
    number = _award_number(item.get("awd_id"), source=source)
    where = f"{source} (award {number})"
    institutions = item.get("inst") or {}
    institution = institutions[0] if isinstance(institutions, list) and institutions else None
    if isinstance(institutions, dict):
        institution = institutions
    obligations = [
        _amount(entry.get("fund_oblg_amt"), source=where, what="fund_oblg_amt")
        for entry in item.get("oblg_fy") or []
    ]
    record = AwardRecord(
        award_number=number,
        source=source,
        title=clean_text(item.get("awd_titl_txt")),
        abstract=clean_text(item.get("awd_abstract_narration")),
        start_date=_date(item.get("awd_eff_date"), source=where, what="awd_eff_date"),
        end_date=_date(item.get("awd_exp_date"), source=where, what="awd_exp_date"),
        first_amended=_date(
            item.get("awd_min_amd_letter_date"), source=where, what="awd_min_amd_letter_date"
        ),
        last_amended=_date(
            item.get("awd_max_amd_letter_date"), source=where, what="awd_max_amd_letter_date"
        ),
        intended_amount=_amount(item.get("tot_intn_awd_amt"), source=where, what="amount"),
        awarded_amount=_amount(item.get("awd_amount"), source=where, what="amount"),
        obligated_amount=(
            sum((a for a in obligations if a is not None), Decimal(0)) if obligations else None
        ),
        instrument=str(item.get("awd_istr_txt") or ""),
        directorate=clean_text(item.get("org_dir_long_name")),
        division=clean_text(item.get("org_div_long_name")),
        program_officer=clean_text(item.get("po_sign_block_name")),
        institution=(
            InstitutionRecord(
                name=clean_text(institution.get("inst_name")),
                city=str(institution.get("inst_city_name") or ""),
                state=str(
                    institution.get("inst_state_code") or institution.get("inst_state_name") or ""
                ),
                country=str(institution.get("inst_country_name") or ""),
            )
            if isinstance(institution, dict) and institution.get("inst_name")
            else None
        ),
        program_elements=_unique_elements(
            (str(entry.get("pgm_ele_code") or ""), clean_text(entry.get("pgm_ele_name")))
            for entry in item.get("pgm_ele") or []
        ),
    )
    for person in item.get("pi") or []:
        record.investigators.append(
            InvestigatorRecord(
                first_name=clean_text(person.get("pi_first_name")),
                last_name=clean_text(person.get("pi_last_name")),
                role=_role(person.get("pi_role")),
                email=str(person.get("pi_email_addr") or "").lower(),
                nsf_id=str(person.get("nsf_id") or ""),
                start_date=_date(person.get("pi_start_date"), source=where, what="pi_start_date"),
                end_date=_date(person.get("pi_end_date"), source=where, what="pi_end_date"),
            )
        )
    return record


# --- Documents, files, directories and zips ----------------------------------


def parse_document(data: bytes, *, source: str) -> list[AwardRecord]:
    """Parse one document, telling XML from the two JSON formats by its content."""
    head = data.lstrip()[:1]
    if head == b"<":
        return parse_xml(data, source=source)
    if head in (b"{", b"["):
        try:
            payload = json.loads(data)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            line = getattr(exc, "lineno", "?")
            column = getattr(exc, "colno", "?")
            raise NSFFormatError(
                source, f"malformed JSON ({exc}) at line {line}, column {column}"
            ) from None
        items = payload if isinstance(payload, list) else [payload]
        if isinstance(payload, dict) and "response" in payload:
            return parse_api_json(payload, source=source)
        if all(isinstance(item, dict) and "awd_id" in item for item in items):
            return [parse_bulk_json(item, source=source) for item in items]
        raise NSFFormatError(source, "JSON that is neither NSF API nor NSF bulk award data")
    raise NSFFormatError(source, "neither XML nor JSON")


@dataclass(frozen=True)
class Document:
    source: str
    data: bytes
    # Set when the container itself could not be read (a corrupt zip archive).
    error: str = ""


_DOCUMENT_SUFFIXES = {".xml", ".json"}


def iter_documents(paths: Iterable[Path]) -> Iterator[Document]:
    """Every XML/JSON document in files, directories (recursively) and zip archives."""
    for path in paths:
        if path.is_dir():
            children = sorted(p for p in path.rglob("*") if p.is_file())
            yield from iter_documents(
                p for p in children if p.suffix.lower() in _DOCUMENT_SUFFIXES | {".zip"}
            )
        elif path.suffix.lower() == ".zip" or zipfile.is_zipfile(path):
            yield from _zip_documents(path.read_bytes(), source=str(path))
        else:
            yield Document(source=str(path), data=path.read_bytes())


def _zip_documents(data: bytes, *, source: str) -> Iterator[Document]:
    import io

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        yield Document(source=source, data=b"", error="not a readable zip archive")
        return
    with archive:
        for info in sorted(archive.infolist(), key=lambda i: i.filename):
            if info.is_dir() or Path(info.filename).suffix.lower() not in _DOCUMENT_SUFFIXES:
                continue
            yield Document(source=f"{source}!{info.filename}", data=archive.read(info))


def count_documents(paths: Iterable[Path]) -> int:
    """How many documents ``iter_documents`` will yield, without reading them."""
    total = 0
    for path in paths:
        if path.is_dir():
            total += count_documents(
                p
                for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in _DOCUMENT_SUFFIXES | {".zip"}
            )
        elif path.suffix.lower() == ".zip" or zipfile.is_zipfile(path):
            try:
                with zipfile.ZipFile(path) as archive:
                    total += sum(
                        1
                        for info in archive.infolist()
                        if not info.is_dir()
                        and Path(info.filename).suffix.lower() in _DOCUMENT_SUFFIXES
                    )
            except zipfile.BadZipFile:
                total += 1
        else:
            total += 1
    return total
