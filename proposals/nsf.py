"""Parsers for NSF award data: bulk XML, Award Search API JSON, and bulk JSON.

Each parser turns one document into plain ``AwardRecord`` values, or raises
``NSFFormatError`` naming the document and, for XML, the parser's line and column.
Nothing here touches the database.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import json
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any
from xml.etree.ElementTree import Element, ParseError

import ijson
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
    return list(_xml_records(io.BytesIO(data), source=source))


def _xml_records(stream: IO[bytes], *, source: str) -> Iterator[AwardRecord]:
    """Awards one by one: the document (the root, or its <Award> children) is parsed
    incrementally and each award is dropped once read, so a 100 MB file is never a tree."""
    root: Element | None = None
    depth = 0
    found = False
    try:
        for event, element in ElementTree.iterparse(stream, events=("start", "end")):
            if event == "start":
                root = element if root is None else root
                depth += 1
                continue
            depth -= 1
            if element.tag != "Award" or depth > 1:
                continue
            found = True
            yield _xml_award(element, source=source)
            if root is not None and root is not element:
                root.clear()
    except ParseError as exc:
        line, column = exc.position
        reason = str(exc).split(":")[0]
        raise NSFFormatError(
            source, f"malformed XML ({reason}) at line {line}, column {column}"
        ) from None
    except DefusedXmlException as exc:
        raise NSFFormatError(source, f"refused unsafe XML ({type(exc).__name__})") from None
    if not found:
        raise NSFFormatError(source, "no <Award> element found")


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


@dataclass(frozen=True)
class ReadLimits:
    """Caps on what one import may read: zip bombs and huge JSON objects are refused
    before they are expanded. Each names the setting that raises it."""

    max_expanded_bytes: int = 1024**3
    max_zip_ratio: float = 100
    max_zip_entries: int = 100_000
    max_json_object_bytes: int = 32 * 1024**2

    @classmethod
    def from_settings(cls) -> ReadLimits:
        from django.conf import settings

        return cls(
            max_expanded_bytes=settings.IMPORT_MAX_EXPANDED_BYTES,
            max_zip_ratio=settings.IMPORT_MAX_ZIP_RATIO,
            max_zip_entries=settings.IMPORT_MAX_ZIP_ENTRIES,
            max_json_object_bytes=settings.IMPORT_MAX_JSON_OBJECT_BYTES,
        )


@dataclass(frozen=True)
class Document:
    source: str
    data: bytes = b""
    # Set when the container itself could not be read (a corrupt or refused zip archive).
    error: str = ""
    # Streams the document instead of ``data``. A zip member's stream reads from the open
    # archive, so it is valid only until the next document is taken from the iterator.
    opener: Callable[[], IO[bytes]] | None = field(default=None, compare=False, repr=False)

    def open(self) -> IO[bytes]:
        return self.opener() if self.opener is not None else io.BytesIO(self.data)

    def loaded(self) -> Document:
        """This document with its bytes in memory, to keep once the iterator moves on."""
        if self.opener is None:
            return self
        with self.open() as stream:
            return Document(source=self.source, data=stream.read(), error=self.error)


def parse_document(data: bytes, *, source: str) -> list[AwardRecord]:
    """Parse one document, telling XML from the two JSON formats by its content."""
    return list(iter_records(Document(source=source, data=data)))


def iter_records(document: Document, *, limits: ReadLimits | None = None) -> Iterator[AwardRecord]:
    """The awards of one document, read incrementally; ``NSFFormatError`` when it is not
    NSF award data (possibly after some awards were yielded: the caller drops them)."""
    if document.error:
        raise NSFFormatError(document.source, document.error)
    limits = limits or ReadLimits()
    source = document.source
    try:
        with document.open() as raw:
            head, stream = _first_byte(raw)
            if head == b"<":
                yield from _xml_records(stream, source=source)
            elif head == b"[":
                yield from _json_list_records(stream, source=source)
            elif head == b"{":
                data = stream.read(limits.max_json_object_bytes + 1)
                if len(data) > limits.max_json_object_bytes:
                    raise NSFFormatError(
                        source,
                        f"refused: a JSON object larger than {limits.max_json_object_bytes:,} "
                        "bytes (IMPORT_MAX_JSON_OBJECT_BYTES)",
                    )
                yield from _json_object_records(data, source=source)
            else:
                raise NSFFormatError(source, "neither XML nor JSON")
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise NSFFormatError(source, f"a corrupt zip member ({exc})") from None


def _first_byte(raw: IO[bytes]) -> tuple[bytes, IO[bytes]]:
    """The first byte that is not white space, and a stream that still starts at the top."""
    read = b""
    while len(read) < 2**20:
        chunk = raw.read(65536)
        if not chunk:
            break
        read += chunk
        stripped = read.lstrip()
        if stripped:
            return stripped[:1], io.BufferedReader(_Rewound(read, raw), 1 << 16)
    return read.lstrip()[:1], io.BufferedReader(_Rewound(read, raw), 1 << 16)


class _Rewound(io.RawIOBase):
    """A stream that gives back the bytes already read before the rest of ``rest``."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self._head = memoryview(head)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._head:
            size = min(len(buffer), len(self._head))
            buffer[:size] = self._head[:size]
            self._head = self._head[size:]
            return size
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _json_list_records(stream: IO[bytes], *, source: str) -> Iterator[AwardRecord]:
    """A JSON list of bulk awards, one award in memory at a time."""
    try:
        for item in ijson.items(stream, "item"):
            if not (isinstance(item, dict) and "awd_id" in item):
                raise NSFFormatError(source, "JSON that is neither NSF API nor NSF bulk award data")
            yield parse_bulk_json(item, source=source)
    except (ijson.JSONError, UnicodeDecodeError) as exc:
        raise NSFFormatError(source, f"malformed JSON ({exc})") from None


def _json_object_records(data: bytes, *, source: str) -> list[AwardRecord]:
    try:
        payload = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        line = getattr(exc, "lineno", "?")
        column = getattr(exc, "colno", "?")
        raise NSFFormatError(
            source, f"malformed JSON ({exc}) at line {line}, column {column}"
        ) from None
    if isinstance(payload, dict) and "response" in payload:
        return parse_api_json(payload, source=source)
    if isinstance(payload, dict) and "awd_id" in payload:
        return [parse_bulk_json(payload, source=source)]
    raise NSFFormatError(source, "JSON that is neither NSF API nor NSF bulk award data")


_DOCUMENT_SUFFIXES = {".xml", ".json"}


def iter_documents(
    paths: Iterable[Path], *, limits: ReadLimits | None = None
) -> Iterator[Document]:
    """Every XML/JSON document in files, directories (recursively) and zip archives.
    Documents are streamed: read each before taking the next."""
    limits = limits or ReadLimits.from_settings()
    for path in paths:
        if path.is_dir():
            children = sorted(p for p in path.rglob("*") if p.is_file())
            yield from iter_documents(
                (p for p in children if p.suffix.lower() in _DOCUMENT_SUFFIXES | {".zip"}),
                limits=limits,
            )
        else:
            yield from iter_file_documents(path, source=str(path), limits=limits)


def iter_file_documents(
    path: Path, *, source: str, limits: ReadLimits | None = None
) -> Iterator[Document]:
    """The documents of one file (itself, or a zip's members), named after ``source``
    rather than where the file happens to be stored."""
    limits = limits or ReadLimits.from_settings()
    if path.suffix.lower() == ".zip" or zipfile.is_zipfile(path):
        yield from _zip_documents(path, source=source, limits=limits)
    else:
        yield Document(source=source, opener=lambda: path.open("rb"))


def _zip_documents(path: Path, *, source: str, limits: ReadLimits) -> Iterator[Document]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        yield Document(source=source, error="not a readable zip archive")
        return
    with archive:
        members = [info for info in archive.infolist() if not info.is_dir()]
        problem = _archive_problem(members, limits, stored_bytes=path.stat().st_size)
        if problem:
            yield Document(source=source, error=problem)
            return
        for info in sorted(members, key=lambda i: i.filename):
            if Path(info.filename).suffix.lower() not in _DOCUMENT_SUFFIXES:
                continue
            yield Document(
                source=f"{source}!{info.filename}",
                opener=lambda info=info: archive.open(info),  # type: ignore[misc]
            )


def _archive_problem(
    members: Sequence[zipfile.ZipInfo], limits: ReadLimits, *, stored_bytes: int
) -> str:
    """Why an archive is refused before anything in it is expanded ("" when it is not).
    The sizes are the archive's own claims, which zipfile enforces while reading (a
    member that expands past its stated size fails its check)."""
    if len(members) > limits.max_zip_entries:
        return (
            f"refused: the archive holds {len(members):,} files, over the limit of "
            f"{limits.max_zip_entries:,} (IMPORT_MAX_ZIP_ENTRIES)"
        )
    expanded = sum(info.file_size for info in members)
    if expanded > limits.max_expanded_bytes:
        return (
            f"refused: the archive expands to {expanded:,} bytes, over the limit of "
            f"{limits.max_expanded_bytes:,} bytes (IMPORT_MAX_EXPANDED_BYTES)"
        )
    ratios = [(info.file_size / max(info.compress_size, 1), info.filename) for info in members]
    ratios.append((expanded / max(stored_bytes, 1), "the archive"))
    ratio, what = max(ratios, default=(0.0, ""))
    if ratio > limits.max_zip_ratio:
        return (
            f"refused: {what} expands {ratio:,.0f} times its compressed size, over the "
            f"limit of {limits.max_zip_ratio:,} (IMPORT_MAX_ZIP_RATIO)"
        )
    return ""


class DocumentSet:
    """The documents of files, directories and zips, readable more than once: an import
    checks everything before writing anything, then reads again to write, so it never
    holds more than one batch of awards in memory."""

    def __init__(
        self, paths: Sequence[Path], *, source: str = "", limits: ReadLimits | None = None
    ) -> None:
        if source and len(paths) != 1:
            raise ValueError("a source name stands for one file")
        self.paths = list(paths)
        self.source = source
        self.limits = limits or ReadLimits.from_settings()

    def __iter__(self) -> Iterator[Document]:
        if self.source:
            return iter_file_documents(self.paths[0], source=self.source, limits=self.limits)
        return iter_documents(self.paths, limits=self.limits)

    def count(self) -> int:
        return count_documents(self.paths)


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
