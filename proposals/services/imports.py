"""Import NSF award data into the program's funded projects, idempotently.

Reading happens first: every document is parsed and checked before anything is
written, so a bad file aborts the run with nothing imported (or, with
``skip_bad``, is listed and left out). Writing then reads the documents again and
happens in one transaction, in batches (``import_batches``) whose number of queries
does not depend on the rows in them. Only one batch of awards is ever in memory,
whatever the size of the input.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction

from fairprog.catalogue_version import catalogue_changed
from fairprog.errors import DomainError
from proposals.models import Program
from proposals.nsf.documents import Document, ReadLimits, iter_records
from proposals.nsf.records import (
    AwardRecord,
    NSFFormatError,
    normalize_element_code,
    record_as_json,
)
from proposals.nsf.report import (
    SKIP_BAD,
    SKIP_NO_ELEMENT,
    SKIPS_IMPORTABLE,
    name_key,
    program_miss,
    skipped_entry,
)
from proposals.services.import_batches import BATCH_SIZE, BatchWriter, WriteCounts


@dataclass
class ImportSummary(WriteCounts):
    """What an import read and checked; what it wrote (or, ``dry_run``, would write)
    comes from ``WriteCounts``."""

    documents: int = 0
    awards_read: int = 0
    skipped_other_program: int = 0
    skipped_no_program_element: int = 0
    bad: list[str] = field(default_factory=list)
    dry_run: bool = False
    seconds: float = 0.0

    def as_counts(self) -> dict[str, int]:
        return {
            "documents": self.documents,
            "awards read": self.awards_read,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped (other programs)": self.skipped_other_program,
            "skipped (no program element in record)": self.skipped_no_program_element,
            "skipped (older than stored)": self.skipped_older,
            "bad": len(self.bad),
        }


@dataclass(frozen=True)
class ImportProgress:
    phase: str  # "reading" or "writing"
    done: int
    total: int
    summary: ImportSummary
    elapsed: float


ProgressCallback = Callable[[ImportProgress], None]


class ImportAborted(DomainError):
    """Bad input was found and ``skip_bad`` was not given: nothing was imported."""

    def __init__(self, summary: ImportSummary) -> None:
        listed = "; ".join(summary.bad[:2]) + (" …" if len(summary.bad) > 2 else "")
        super().__init__(
            f"Import aborted, nothing imported: {len(summary.bad)} bad input(s): {listed}. "
            "Fix the input, or skip the bad parts with --skip-bad."
        )
        self.summary = summary


def program_element_codes(program: Program) -> set[str]:
    return {
        normalize_element_code(code)
        for code in program.program_elements.values_list("code", flat=True)
    }


def program_names(program: Program) -> set[str]:
    """The names NSF may fund the program's awards under (its name, its program elements'
    names), in ``name_key`` form: the Award Search API names a program, not its code."""
    names = {program.name, *program.program_elements.values_list("name", flat=True)}
    return {name_key(name) for name in names if name.strip()}


def awards_import(
    *,
    documents: Iterable[Document],
    program: Program,
    element_codes: set[str] | None = None,
    import_all: bool = False,
    anyway: Collection[str] = (),
    skip_bad: bool = False,
    dry_run: bool = False,
    documents_total: int = 0,
    batch_size: int = BATCH_SIZE,
    progress: ProgressCallback | None = None,
) -> ImportSummary:
    """Read NSF documents and upsert their awards into ``program``.

    ``documents`` is read twice, to check and then to write: a ``DocumentSet`` streams
    inputs of any size; a one-shot iterator is first read into memory. ``anyway`` names
    awards to import although they are not the program's: they are marked outside it.
    Every award left out is listed, with why, in ``summary.skipped``.
    Raises ``ImportAborted`` when anything is bad and ``skip_bad`` is false.
    """
    started = time.monotonic()
    summary = ImportSummary(dry_run=dry_run)
    codes = element_codes if element_codes is not None else program_element_codes(program)
    if not import_all and not codes:
        raise DomainError(
            f"Program {program.short_name} has no program element codes, so no award can be "
            "recognised as its own; add its codes in the admin, name them, or import all awards."
        )
    if iter(documents) is documents:
        documents = [document.loaded() for document in documents]
    limits = ReadLimits.from_settings()

    def report(phase: str, done: int, total: int) -> None:
        if progress:
            progress(ImportProgress(phase, done, total, summary, time.monotonic() - started))

    winners = _read(
        documents,
        summary,
        codes=codes,
        names=program_names(program),
        anyway=set(anyway),
        import_all=import_all,
        report=report,
        total=documents_total,
        limits=limits,
    )
    if summary.bad and not skip_bad:
        summary.seconds = time.monotonic() - started
        raise ImportAborted(summary)

    with transaction.atomic():
        placement = {
            number: winner[3] for number, winner in winners.items() if winner[3] is not None
        }
        writer = BatchWriter(program=program, counts=summary, placement=placement)
        done = 0
        batch: list[AwardRecord] = []
        for record in _winning_records(documents, winners, limits=limits):
            batch.append(record)
            if len(batch) < batch_size:
                continue
            writer.write(batch)
            done += len(batch)
            batch = []
            report("writing", done, len(winners))
            _pause()
        if batch:
            writer.write(batch)
            report("writing", done + len(batch), len(winners))
            _pause()
        if dry_run:
            transaction.set_rollback(True)
    if summary.written and not dry_run:
        # Bulk writes send no model signals; the catalogue's cached facet counts
        # (institutions, cycle years) must still be recounted.
        transaction.on_commit(catalogue_changed)
    summary.seconds = time.monotonic() - started
    return summary


def _pause() -> None:
    # Lets tests stop a worker at a known point of an import; 0 (no pause) in production.
    if settings.IMPORT_PAUSE_SECONDS:
        time.sleep(settings.IMPORT_PAUSE_SECONDS)


# Where the record kept for an award number was read: (last amended, document, position,
# whether it is outside the program: None when that is left as stored).
_Winner = tuple[dt.date, int, int, bool | None]


def _read(
    documents: Iterable[Document],
    summary: ImportSummary,
    *,
    codes: set[str],
    names: set[str],
    anyway: set[str],
    import_all: bool,
    report: Callable[[str, int, int], None],
    total: int,
    limits: ReadLimits,
) -> dict[str, _Winner]:
    """Check every document and count what it holds; returns which record of each award
    number is to be written (records themselves are not kept, but for skipped awards
    listed in the report)."""
    winners: dict[str, _Winner] = {}
    for index, document in enumerate(documents):
        summary.documents += 1
        read, problems, other, unknown, unlisted, found = 0, [], 0, 0, 0, []
        skips: list[dict[str, Any]] = []
        try:
            for position, record in enumerate(iter_records(document, limits=limits)):
                read += 1
                problem = _record_problem(record)
                if problem:
                    problems.append(f"{record.source} (award {record.award_number}): {problem}")
                    if len(skips) < summary.room_to_list():
                        skips.append(_skip(record, SKIP_BAD, problem))
                    else:
                        unlisted += 1
                    continue
                reason, why = program_miss(record, codes=codes, names=names)
                outside: bool | None = False if not reason else None
                if reason and record.award_number in anyway:
                    outside = True
                elif reason and not import_all:
                    other += reason != SKIP_NO_ELEMENT
                    unknown += reason == SKIP_NO_ELEMENT
                    if len(skips) < summary.room_to_list():
                        skips.append(_skip(record, reason, why))
                    else:
                        unlisted += 1
                    continue
                amended = record.last_amended or dt.date.min
                found.append((record.award_number, amended, position, outside))
        except NSFFormatError as exc:
            # A bad document counts as one bad input, whatever it yielded before the error.
            summary.bad.append(str(exc))
            summary.skip(
                skipped_entry(
                    reason=SKIP_BAD,
                    why=exc.reason,
                    award_number=exc.award_number,
                    title=exc.title,
                    source=exc.source,
                )
            )
        else:
            summary.awards_read += read
            summary.bad.extend(problems)
            summary.skipped_other_program += other
            summary.skipped_no_program_element += unknown
            summary.skipped.extend(skips)
            summary.skipped_unlisted += unlisted
            for number, amended, position, outside in found:
                previous = winners.get(number)
                # The same award twice in one run: keep the most recently amended.
                if previous is None or amended >= previous[0]:
                    winners[number] = (amended, index, position, outside)
        if summary.documents % 250 == 0:
            report("reading", summary.documents, total)
        _pause()
    report("reading", summary.documents, total or summary.documents)
    return winners


def _skip(record: AwardRecord, reason: str, why: str) -> dict[str, Any]:
    return skipped_entry(
        reason=reason,
        why=why,
        award_number=record.award_number,
        title=record.title,
        source=record.source,
        # Kept so that staff can import it anyway, once the file itself is gone.
        record=record_as_json(record) if reason in SKIPS_IMPORTABLE else None,
    )


def _winning_records(
    documents: Iterable[Document], winners: dict[str, _Winner], *, limits: ReadLimits
) -> Iterator[AwardRecord]:
    """The records ``_read`` chose, read again in document order; documents holding none
    of them are not parsed a second time."""
    wanted: dict[int, set[int]] = {}
    for _, index, position, _ in winners.values():
        wanted.setdefault(index, set()).add(position)
    for index, document in enumerate(documents):
        positions = wanted.get(index)
        if not positions:
            continue
        try:
            for position, record in enumerate(iter_records(document, limits=limits)):
                if position in positions:
                    yield record
        except NSFFormatError as exc:
            raise DomainError(
                f"{document.source} changed while it was being imported ({exc.reason}); "
                "nothing was imported."
            ) from None


def _record_problem(record: AwardRecord) -> str:
    if not record.title:
        return "no title"
    if record.start_date and record.end_date and record.end_date <= record.start_date:
        return f"ends ({record.end_date}) before it starts ({record.start_date})"
    if len(record.title) > 400:
        return "title longer than 400 characters"
    return ""
