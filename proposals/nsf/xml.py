"""NSF's bulk XML: one ``<Award>`` per document (the yearly downloads), or a root holding
many, read incrementally so a large file is never held as one tree."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import IO
from xml.etree.ElementTree import Element, ParseError

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from proposals.nsf.records import (
    AwardRecord,
    InstitutionRecord,
    InvestigatorRecord,
    NSFFormatError,
    award_number_in_name,
    clean_text,
    naming_award,
    parse_amount,
    parse_award_number,
    parse_date,
    parse_role,
    total_amount,
    unique_elements,
)


def _text(node: Element | None, path: str) -> str:
    if node is None:
        return ""
    found = node.find(path)
    return (found.text or "").strip() if found is not None and found.text else ""


def parse_xml(data: bytes, *, source: str) -> list[AwardRecord]:
    return list(xml_records(io.BytesIO(data), source=source))


def xml_records(stream: IO[bytes], *, source: str) -> Iterator[AwardRecord]:
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
            with naming_award(_text(element, "AwardID"), _text(element, "AwardTitle")):
                record = _xml_award(element, source=source)
            yield record
            if root is not None and root is not element:
                root.clear()
    except ParseError as exc:
        line, column = exc.position
        reason = str(exc).split(":")[0]
        error = NSFFormatError(source, f"malformed XML ({reason}) at line {line}, column {column}")
        # The award the error is in, as far as it was read before the error.
        award = _last_award(root)
        error.award_number = _text(award, "AwardID") or award_number_in_name(source)
        error.title = clean_text(_text(award, "AwardTitle"))[:400]
        raise error from None
    except DefusedXmlException as exc:
        raise NSFFormatError(source, f"refused unsafe XML ({type(exc).__name__})") from None
    if not found:
        raise NSFFormatError(source, "no <Award> element found")


def _last_award(root: Element | None) -> Element | None:
    if root is None or root.tag == "Award":
        return root
    awards = root.findall("Award")
    return awards[-1] if awards else None


def _xml_award(node: Element, *, source: str) -> AwardRecord:
    number = parse_award_number(_text(node, "AwardID"), source=source)
    where = f"{source} (award {number})"
    obligations = [
        parse_amount(text.split("~", 1)[1], source=where, what="FUND_OBLG")
        for text in (item.text or "" for item in node.findall("FUND_OBLG"))
        if "~" in text
    ]
    institution = node.find("Institution")
    record = AwardRecord(
        award_number=number,
        source=source,
        title=clean_text(_text(node, "AwardTitle")),
        abstract=clean_text(_text(node, "AbstractNarration")),
        start_date=parse_date(_text(node, "AwardEffectiveDate"), source=where, what="start date"),
        end_date=parse_date(_text(node, "AwardExpirationDate"), source=where, what="end date"),
        first_amended=parse_date(
            _text(node, "MinAmdLetterDate"), source=where, what="first letter"
        ),
        last_amended=parse_date(_text(node, "MaxAmdLetterDate"), source=where, what="last letter"),
        intended_amount=parse_amount(
            _text(node, "AwardTotalIntnAmount"), source=where, what="intended amount"
        ),
        awarded_amount=parse_amount(_text(node, "AwardAmount"), source=where, what="award amount"),
        obligated_amount=total_amount(obligations),
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
        program_elements=unique_elements(
            (_text(element, "Code"), clean_text(_text(element, "Text")))
            for element in node.findall("ProgramElement")
        ),
    )
    for person in node.findall("Investigator"):
        record.investigators.append(
            InvestigatorRecord(
                first_name=clean_text(_text(person, "FirstName")),
                last_name=clean_text(_text(person, "LastName")),
                role=parse_role(_text(person, "RoleCode")),
                email=_text(person, "EmailAddress").lower(),
                nsf_id=_text(person, "NSF_ID"),
                start_date=parse_date(_text(person, "StartDate"), source=where, what="start date"),
                end_date=parse_date(_text(person, "EndDate"), source=where, what="end date"),
            )
        )
    return record
