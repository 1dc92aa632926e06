"""NSF award data as JSON: the Award Search API's response, and the bulk download's
award objects (one file per award since 2025, or a list of them).

The two formats describe mostly the same fields under different keys; one table says
where each format keeps them, so a field is read the same way from both.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import IO, Any

import ijson

from proposals.nsf import records

# (AwardRecord field, how it is read, Award Search API key, bulk key); None where a
# format does not carry the field. In errors a date is named by its key, an amount as
# "amount". The bulk format's obligations are listed per fiscal year and summed apart.
_SHARED_FIELDS: tuple[tuple[str, str, str | None, str | None], ...] = (
    ("title", "text", "title", "awd_titl_txt"),
    ("abstract", "text", "abstractText", "awd_abstract_narration"),
    ("start_date", "date", "startDate", "awd_eff_date"),
    ("end_date", "date", "expDate", "awd_exp_date"),
    ("first_amended", "date", "date", "awd_min_amd_letter_date"),
    ("last_amended", "date", None, "awd_max_amd_letter_date"),
    ("intended_amount", "amount", "estimatedTotalAmt", "tot_intn_awd_amt"),
    ("awarded_amount", "amount", None, "awd_amount"),
    ("obligated_amount", "amount", "fundsObligatedAmt", None),
    ("instrument", "plain", "transType", "awd_istr_txt"),
    ("directorate", "text", None, "org_dir_long_name"),
    ("division", "text", None, "org_div_long_name"),
    ("program_officer", "text", "poName", "po_sign_block_name"),
)
# The awardee's (name, city, state keys in order of preference, country).
_API_INSTITUTION = ("awardeeName", "awardeeCity", ("awardeeStateCode",), "awardeeCountryCode")
_BULK_INSTITUTION = (
    "inst_name",
    "inst_city_name",
    ("inst_state_code", "inst_state_name"),
    "inst_country_name",
)


def _shared_fields(item: dict[str, Any], *, bulk: bool, where: str) -> dict[str, Any]:
    """The AwardRecord values of ``_SHARED_FIELDS`` that ``item``'s format carries."""
    values: dict[str, Any] = {}
    for name, how, api_key, bulk_key in _SHARED_FIELDS:
        key = bulk_key if bulk else api_key
        if key is None:
            continue
        value = item.get(key)
        if how == "text":
            values[name] = records.clean_text(value)
        elif how == "date":
            values[name] = records.parse_date(value, source=where, what=key)
        elif how == "amount":
            values[name] = records.parse_amount(value, source=where, what="amount")
        else:
            values[name] = str(value or "")
    return values


def _institution(
    fields: Any, keys: tuple[str, str, tuple[str, ...], str]
) -> records.InstitutionRecord | None:
    name, city, states, country = keys
    if not isinstance(fields, dict) or not fields.get(name):
        return None
    return records.InstitutionRecord(
        name=records.clean_text(fields[name]),
        city=str(fields.get(city) or ""),
        state=next((str(fields[key]) for key in states if fields.get(key)), ""),
        country=str(fields.get(country) or ""),
    )


# --- Award Search API JSON ------------------------------------------------------


def parse_api_json(payload: dict[str, Any], *, source: str) -> list[records.AwardRecord]:
    response = payload.get("response")
    if not isinstance(response, dict):
        raise records.NSFFormatError(source, 'no "response" object in API JSON')
    notes = response.get("serviceNotification")
    if notes:
        first = notes[0] if isinstance(notes, list) and notes else {}
        raise records.NSFFormatError(
            source,
            "the NSF API returned an error instead of awards: "
            f"{first.get('notificationCode', '?')} {first.get('notificationMessage', '')}".strip(),
        )
    awards = response.get("award")
    if not isinstance(awards, list):
        raise records.NSFFormatError(source, 'no "award" list in API JSON response')
    found = []
    for item in awards:
        with records.naming_award(item.get("id"), item.get("title")):
            found.append(_api_award(item, source=source))
    return found


def _api_award(item: dict[str, Any], *, source: str) -> records.AwardRecord:
    number = records.parse_award_number(item.get("id"), source=source)
    record = records.AwardRecord(
        award_number=number,
        source=source,
        **_shared_fields(item, bulk=False, where=f"{source} (award {number})"),
        institution=_institution(item, _API_INSTITUTION),
    )
    codes = item.get("progEleCode")
    if codes:
        listed = codes if isinstance(codes, list) else re.split(r"[,\s]+", str(codes))
        record.program_elements = records.unique_elements((str(c), "") for c in listed)
    else:
        record.elements_known = False
    funds = item.get("fundProgramName")
    listed_funds = funds if isinstance(funds, list) else [funds] if funds else []
    record.fund_programs = [name for name in map(records.clean_text, listed_funds) if name]
    if item.get("piLastName"):
        record.investigators.append(
            records.InvestigatorRecord(
                first_name=records.clean_text(item.get("piFirstName")),
                last_name=records.clean_text(item.get("piLastName")),
                role=records.ROLE_PI,
                email=str(item.get("piEmail") or "").lower(),
            )
        )
    for co_pi in item.get("coPDPI") or []:
        # "Jane Q Doe ~000123456"
        name, _, nsf_id = str(co_pi).partition("~")
        parts = name.split()
        if parts:
            record.investigators.append(
                records.InvestigatorRecord(
                    first_name=" ".join(parts[:-1]),
                    last_name=parts[-1],
                    role=records.ROLE_CO_PI,
                    nsf_id=nsf_id.strip(),
                )
            )
    return record


# --- Bulk JSON ------------------------------------------------------------------


def parse_bulk_json(item: dict[str, Any], *, source: str) -> records.AwardRecord:
    with records.naming_award(item.get("awd_id"), item.get("awd_titl_txt")):
        return _bulk_award(item, source=source)


def _bulk_award(item: dict[str, Any], *, source: str) -> records.AwardRecord:
    number = records.parse_award_number(item.get("awd_id"), source=source)
    where = f"{source} (award {number})"
    institutions = item.get("inst") or {}
    institution = institutions[0] if isinstance(institutions, list) and institutions else None
    if isinstance(institutions, dict):
        institution = institutions
    obligations = [
        records.parse_amount(entry.get("fund_oblg_amt"), source=where, what="fund_oblg_amt")
        for entry in item.get("oblg_fy") or []
    ]
    record = records.AwardRecord(
        award_number=number,
        source=source,
        **_shared_fields(item, bulk=True, where=where),
        obligated_amount=records.total_amount(obligations),
        institution=_institution(institution, _BULK_INSTITUTION),
        program_elements=records.unique_elements(
            (str(entry.get("pgm_ele_code") or ""), records.clean_text(entry.get("pgm_ele_name")))
            for entry in item.get("pgm_ele") or []
        ),
    )
    for person in item.get("pi") or []:
        record.investigators.append(
            records.InvestigatorRecord(
                first_name=records.clean_text(person.get("pi_first_name")),
                last_name=records.clean_text(person.get("pi_last_name")),
                role=records.parse_role(person.get("pi_role")),
                email=str(person.get("pi_email_addr") or "").lower(),
                nsf_id=str(person.get("nsf_id") or ""),
                start_date=records.parse_date(
                    person.get("pi_start_date"), source=where, what="pi_start_date"
                ),
                end_date=records.parse_date(
                    person.get("pi_end_date"), source=where, what="pi_end_date"
                ),
            )
        )
    return record


def json_list_records(stream: IO[bytes], *, source: str) -> Iterator[records.AwardRecord]:
    """A JSON list of bulk awards, one award in memory at a time."""
    try:
        for item in ijson.items(stream, "item"):
            if not (isinstance(item, dict) and "awd_id" in item):
                raise records.NSFFormatError(
                    source, "JSON that is neither NSF API nor NSF bulk award data"
                )
            yield parse_bulk_json(item, source=source)
    except (ijson.JSONError, UnicodeDecodeError) as exc:
        raise records.NSFFormatError(source, f"malformed JSON ({exc})") from None


def json_object_records(data: bytes, *, source: str) -> list[records.AwardRecord]:
    """The awards of one JSON object: an API response, or one bulk award."""
    try:
        payload = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        line = getattr(exc, "lineno", "?")
        column = getattr(exc, "colno", "?")
        raise records.NSFFormatError(
            source, f"malformed JSON ({exc}) at line {line}, column {column}"
        ) from None
    if isinstance(payload, dict) and "response" in payload:
        return parse_api_json(payload, source=source)
    if isinstance(payload, dict) and "awd_id" in payload:
        return [parse_bulk_json(payload, source=source)]
    raise records.NSFFormatError(source, "JSON that is neither NSF API nor NSF bulk award data")
