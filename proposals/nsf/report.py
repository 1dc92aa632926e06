"""What an import report says about each award it left out: why (the reasons), and the
entry it keeps, in JSON values, naming the award and, where staff may import it anyway,
holding its record; and whether a record is the program's at all."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from proposals.nsf.records import AwardRecord

# Why an import left an award out, as its report names it.
SKIP_OTHER_PROGRAM = "other_program"
SKIP_NO_ELEMENT = "no_program_element"
SKIP_OLDER = "older"
SKIP_BAD = "bad"
SKIP_REASONS = {
    SKIP_OTHER_PROGRAM: "another program's",
    SKIP_NO_ELEMENT: "no program element in the record",
    SKIP_OLDER: "older than stored",
    SKIP_BAD: "bad record",
}
# Awards left out only for not being the program's, which staff may import anyway.
SKIPS_IMPORTABLE = frozenset({SKIP_OTHER_PROGRAM, SKIP_NO_ELEMENT})
# A report lists this many skipped awards and counts the rest: a year of NSF's bulk
# download holds some 12,000 awards, nearly all of other programs.
SKIPPED_LISTED = 1000


def skipped_entry(
    *,
    reason: str,
    why: str,
    award_number: str = "",
    title: str = "",
    source: str = "",
    record: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One skipped award as an import report lists it (JSON values: an import run keeps
    them). ``record`` is the award's record itself, kept so it can be imported anyway."""
    entry: dict[str, Any] = {
        "award_number": award_number,
        "title": title,
        "reason": reason,
        "why": why,
        "source": source,
    }
    if record is not None:
        entry["record"] = record
    return entry


# NSF cuts program names to this many characters ("Fairness in Artificial Intelli").
NSF_NAME_LENGTH = 30


def name_key(name: str) -> str:
    return " ".join(name.casefold().split())


def _same_program_name(named: str, configured: str) -> bool:
    """Whether a name NSF gives is a configured one, allowing for NSF's cut names."""
    if named == configured:
        return True
    short, full = sorted((named, configured), key=len)
    return len(short) >= NSF_NAME_LENGTH and full.startswith(short)


def program_miss(
    record: AwardRecord, *, codes: Collection[str], names: Collection[str]
) -> tuple[str, str]:
    """Why ``record`` is not the program's, as (reason, why); ("", "") when it is: one of
    its program element codes is among ``codes``, or a program it is funded from by name
    (the API's fundProgramName) is among ``names`` (name_key form), with or without codes."""
    elements = [code for code, _ in record.program_elements] if record.elements_known else []
    if set(elements).intersection(codes):
        return "", ""
    funds = [name for name in record.fund_programs if name]
    if any(_same_program_name(name_key(f), n) for f in funds for n in names):
        return "", ""
    funded = f"; it is funded from {', '.join(funds)}" if funds else ""
    if not elements:
        return SKIP_NO_ELEMENT, f"its record names no program element{funded}"
    listed = ", ".join(f"{code} {name}".strip() for code, name in record.program_elements)
    ours = ", ".join(sorted(codes)) or "none"
    return (
        SKIP_OTHER_PROGRAM,
        f"its program elements are {listed}{funded}; the program's are {ours}",
    )
