"""Import NSF award data into the program's funded projects, idempotently.

Reading happens first: every document is parsed and checked before anything is
written, so a bad file aborts the run with nothing imported (or, with
``skip_bad``, is listed and left out). Writing then reads the documents again and
happens in one transaction, in batches whose number of queries does not depend on
the rows in them: every lookup of awards, organizations, people and program
elements is one query per batch, never one per row. Only one batch of awards is
ever in memory, whatever the size of the input.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db import DatabaseError, connections, transaction
from django.db.models import F, Q
from django.db.models.functions import Greatest
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from fairprog import queueing
from fairprog.catalogue_version import catalogue_changed
from fairprog.errors import DomainError
from proposals.models import (
    Award,
    AwardInvestigator,
    Deadline,
    ImportRun,
    Organization,
    Person,
    Program,
    ProgramElement,
)
from proposals.nsf import (
    ROLE_PI,
    AwardRecord,
    Document,
    DocumentSet,
    InvestigatorRecord,
    NSFFormatError,
    ReadLimits,
    iter_records,
    normalize_element_code,
)
from proposals.validators import organization_name_key, person_name_key

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
HISTORY_REASON = "NSF award data import"

# Award fields an import sets; a re-import compares exactly these.
IMPORTED_FIELDS = [
    "title",
    "abstract",
    "institution_id",
    *Award.TERMS,
    "directorate",
    "division",
    "collaboration_key",
    "nsf_first_amended",
    "nsf_last_amended",
]


@dataclass
class ImportSummary:
    documents: int = 0
    awards_read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped_other_program: int = 0
    skipped_no_program_element: int = 0
    skipped_older: int = 0
    bad: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    dry_run: bool = False
    seconds: float = 0.0

    @property
    def written(self) -> int:
        return self.created + self.updated

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


def collaboration_key(title: str) -> str:
    """Collaborative awards repeat one title, one record per institution."""
    if "collaborative research" not in title.lower():
        return ""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", title.lower()).split())[:400]


def program_element_codes(program: Program) -> set[str]:
    return {
        normalize_element_code(code)
        for code in program.program_elements.values_list("code", flat=True)
    }


def awards_import(
    *,
    documents: Iterable[Document],
    program: Program,
    element_codes: set[str] | None = None,
    import_all: bool = False,
    skip_bad: bool = False,
    dry_run: bool = False,
    documents_total: int = 0,
    batch_size: int = BATCH_SIZE,
    progress: ProgressCallback | None = None,
) -> ImportSummary:
    """Read NSF documents and upsert their awards into ``program``.

    ``documents`` is read twice, to check and then to write: a ``DocumentSet`` streams
    inputs of any size; a one-shot iterator is first read into memory.
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
        import_all=import_all,
        report=report,
        total=documents_total,
        limits=limits,
    )
    if summary.bad and not skip_bad:
        summary.seconds = time.monotonic() - started
        raise ImportAborted(summary)

    with transaction.atomic():
        writer = _BatchWriter(program=program, summary=summary)
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


# Where the record kept for an award number was read: (last amended, document, position).
_Winner = tuple[dt.date, int, int]


def _read(
    documents: Iterable[Document],
    summary: ImportSummary,
    *,
    codes: set[str],
    import_all: bool,
    report: Callable[[str, int, int], None],
    total: int,
    limits: ReadLimits,
) -> dict[str, _Winner]:
    """Check every document and count what it holds; returns which record of each award
    number is to be written (records themselves are not kept)."""
    winners: dict[str, _Winner] = {}
    for index, document in enumerate(documents):
        summary.documents += 1
        read, problems, other, unknown, found = 0, [], 0, 0, []
        try:
            for position, record in enumerate(iter_records(document, limits=limits)):
                read += 1
                problem = _record_problem(record)
                if problem:
                    problems.append(f"{record.source} (award {record.award_number}): {problem}")
                    continue
                if not import_all:
                    if not record.elements_known:
                        unknown += 1
                        continue
                    if not codes.intersection(code for code, _ in record.program_elements):
                        other += 1
                        continue
                found.append((record.award_number, record.last_amended or dt.date.min, position))
        except NSFFormatError as exc:
            # A bad document counts as one bad input, whatever it yielded before the error.
            summary.bad.append(str(exc))
        else:
            summary.awards_read += read
            summary.bad.extend(problems)
            summary.skipped_other_program += other
            summary.skipped_no_program_element += unknown
            for number, amended, position in found:
                previous = winners.get(number)
                # The same award twice in one run: keep the most recently amended.
                if previous is None or amended >= previous[0]:
                    winners[number] = (amended, index, position)
        if summary.documents % 250 == 0:
            report("reading", summary.documents, total)
        _pause()
    report("reading", summary.documents, total or summary.documents)
    return winners


def _winning_records(
    documents: Iterable[Document], winners: dict[str, _Winner], *, limits: ReadLimits
) -> Iterator[AwardRecord]:
    """The records ``_read`` chose, read again in document order; documents holding none
    of them are not parsed a second time."""
    wanted: dict[int, set[int]] = {}
    for _, index, position in winners.values():
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


class _BatchWriter:
    """Upserts batches of award records with a fixed number of queries per batch."""

    def __init__(self, *, program: Program, summary: ImportSummary) -> None:
        self.program = program
        self.summary = summary
        # Cycle of an award: the latest cycle whose full-proposal deadline came before
        # its first award letter (NSF awards a year's proposals in the following months).
        self.cycle_deadlines = sorted(
            Deadline.objects.filter(
                cycle__program=program, kind=Deadline.Kind.FULL_PROPOSAL
            ).values_list("due_date", "cycle_id"),
            reverse=True,
        )

    def _cycle_for(self, record: AwardRecord) -> int | None:
        awarded_on = record.first_amended or record.start_date
        if awarded_on is None:
            return None
        for due_date, cycle_id in self.cycle_deadlines:
            if due_date < awarded_on <= due_date + dt.timedelta(days=550):
                return cycle_id
        return None

    def write(self, records: Sequence[AwardRecord]) -> None:
        existing = {
            award.award_number: award
            for award in Award.objects.filter(award_number__in=[r.award_number for r in records])
        }
        # Plain rows, not model instances: a re-import compares thousands of them.
        current_teams: dict[int, list[tuple[int, str, Any, Any]]] = {}
        for award_id, *link in (
            AwardInvestigator.objects.filter(award__in=list(existing.values()))
            .order_by("award_id", "order", "id")
            .values_list("award_id", "person_id", "role", "start_date", "end_date")
        ):
            current_teams.setdefault(award_id, []).append(tuple(link))  # type: ignore[arg-type]
        current_elements: dict[int, set[int]] = {}
        for award_id, element_id in Award.program_elements.through.objects.filter(
            award__in=list(existing.values())
        ).values_list("award_id", "programelement_id"):
            current_elements.setdefault(award_id, set()).add(element_id)
        organizations = self._organizations(records)
        elements = self._elements(records)
        people = self._people(records, organizations)

        to_create: list[Award] = []
        to_update: list[Award] = []
        team_for: dict[str, list[tuple[int, str, Any, Any]]] = {}
        elements_for: dict[str, set[int]] = {}
        replace_team: set[str] = set()
        replace_elements: set[str] = set()

        for record in records:
            institution = (
                organizations[organization_name_key(record.institution.name)]
                if record.institution
                else None
            )
            values = {
                "title": record.title,
                "abstract": record.abstract,
                "institution_id": institution.pk if institution else None,
                "instrument": record.instrument,
                "intended_amount": record.intended_amount,
                "awarded_amount": record.awarded_amount,
                "obligated_amount": record.obligated_amount,
                "start_date": record.start_date,
                "end_date": record.end_date,
                "program_officer": record.program_officer,
                "directorate": record.directorate,
                "division": record.division,
                "collaboration_key": collaboration_key(record.title),
                "nsf_first_amended": record.first_amended,
                "nsf_last_amended": record.last_amended,
            }
            team = _team(record.investigators, people, institution)
            element_ids = {elements[code].pk for code, _ in record.program_elements}
            number = record.award_number
            award = existing.get(number)
            if award is None:
                to_create.append(
                    Award(
                        award_number=number,
                        program=self.program,
                        cycle_id=self._cycle_for(record),
                        **values,
                    )
                )
                team_for[number] = team
                elements_for[number] = element_ids
                replace_team.add(number)
                replace_elements.add(number)
                self.summary.created += 1
                self.summary.changes.append(f"{number}: new ({record.title[:60]})")
                continue
            if (
                record.last_amended
                and award.nsf_last_amended
                and record.last_amended < award.nsf_last_amended
            ):
                self.summary.skipped_older += 1
                continue
            changed = [name for name, value in values.items() if getattr(award, name) != value]
            if current_teams.get(award.pk, []) != team:
                changed.append("investigators")
                replace_team.add(number)
                team_for[number] = team
            if current_elements.get(award.pk, set()) != element_ids:
                changed.append("program elements")
                replace_elements.add(number)
                elements_for[number] = element_ids
            if not changed:
                self.summary.unchanged += 1
                continue
            for name, value in values.items():
                setattr(award, name, value)
            if award.cycle_id is None:
                award.cycle_id = self._cycle_for(record)
            to_update.append(award)
            self.summary.updated += 1
            self.summary.changes.append(f"{number}: updated ({', '.join(changed)})")

        if to_create:
            bulk_create_with_history(
                to_create, Award, batch_size=BATCH_SIZE, default_change_reason=HISTORY_REASON
            )
        if to_update:
            bulk_update_with_history(
                to_update,
                Award,
                [*IMPORTED_FIELDS, "cycle_id"],
                batch_size=BATCH_SIZE,
                default_change_reason=HISTORY_REASON,
            )
        award_ids = {award.award_number: award.pk for award in [*to_create, *to_update]}
        if any(pk is None for pk in award_ids.values()):
            # Databases that do not return ids from a bulk insert: look them up once.
            award_ids.update(
                Award.objects.filter(award_number__in=list(award_ids)).values_list(
                    "award_number", "pk"
                )
            )
        self._replace_teams(replace_team, team_for, award_ids)
        self._replace_elements(replace_elements, elements_for, award_ids)

    def _replace_teams(
        self,
        numbers: set[str],
        team_for: dict[str, list[tuple[int, str, Any, Any]]],
        award_ids: dict[str, int],
    ) -> None:
        if not numbers:
            return
        AwardInvestigator.objects.filter(award_id__in=[award_ids[n] for n in numbers]).delete()
        AwardInvestigator.objects.bulk_create(
            [
                AwardInvestigator(
                    award_id=award_ids[number],
                    person_id=person_id,
                    role=role,
                    start_date=start,
                    end_date=end,
                    order=order,
                )
                for number in numbers
                for order, (person_id, role, start, end) in enumerate(team_for[number])
            ],
            batch_size=BATCH_SIZE,
        )

    def _replace_elements(
        self, numbers: set[str], elements_for: dict[str, set[int]], award_ids: dict[str, int]
    ) -> None:
        if not numbers:
            return
        through = Award.program_elements.through
        through.objects.filter(award_id__in=[award_ids[n] for n in numbers]).delete()
        through.objects.bulk_create(
            [
                through(award_id=award_ids[number], programelement_id=element_id)
                for number in numbers
                for element_id in sorted(elements_for[number])
            ],
            batch_size=BATCH_SIZE,
        )

    def _organizations(self, records: Sequence[AwardRecord]) -> dict[str, Organization]:
        wanted = {
            organization_name_key(r.institution.name): r.institution
            for r in records
            if r.institution
        }
        found: dict[str, Organization] = {}
        for organization in Organization.objects.filter(name_key__in=list(wanted)).order_by("pk"):
            found.setdefault(organization.name_key, organization)
        missing = [
            Organization(
                name=institution.name,
                name_key=key,
                kind=Organization.Kind.INSTITUTION,
                city=institution.city.title() if institution.city.isupper() else institution.city,
                state=institution.state,
                country=institution.country,
            )
            for key, institution in wanted.items()
            if key not in found
        ]
        if missing:
            Organization.objects.bulk_create(missing, batch_size=BATCH_SIZE)
            found.update({o.name_key: o for o in missing})
            if any(o.pk is None for o in missing):
                found.update(
                    {o.name_key: o for o in Organization.objects.filter(name_key__in=list(wanted))}
                )
        return found

    def _elements(self, records: Sequence[AwardRecord]) -> dict[str, ProgramElement]:
        wanted: dict[str, str] = {}
        for record in records:
            for code, name in record.program_elements:
                if name or code not in wanted:
                    wanted[code] = name
        found = {e.code: e for e in ProgramElement.objects.filter(code__in=list(wanted))}
        missing = [
            ProgramElement(code=code, name=name)
            for code, name in wanted.items()
            if code not in found
        ]
        if missing:
            ProgramElement.objects.bulk_create(missing, batch_size=BATCH_SIZE)
            if any(e.pk is None for e in missing):
                found = {e.code: e for e in ProgramElement.objects.filter(code__in=list(wanted))}
            else:
                found.update({e.code: e for e in missing})
        return found

    def _people(
        self, records: Sequence[AwardRecord], organizations: dict[str, Organization]
    ) -> _People:
        people = _People()
        investigators = [
            (
                inv,
                organizations.get(organization_name_key(r.institution.name))
                if r.institution
                else None,
            )
            for r in records
            for inv in r.investigators
        ]
        nsf_ids = {inv.nsf_id for inv, _ in investigators if inv.nsf_id}
        emails = {inv.email for inv, _ in investigators if inv.email}
        names = {person_name_key(inv.first_name, inv.last_name) for inv, _ in investigators}
        for person in (
            Person.objects.filter(
                Q(nsf_id__in=list(nsf_ids))
                | Q(email__in=list(emails))
                | Q(name_key__in=list(names))
            )
            .only("pk", "nsf_id", "email", "name_key", "affiliation_id")
            .order_by("pk")
        ):
            people.add(person)
        new_people: list[Person] = []
        for inv, organization in investigators:
            if people.find(inv, organization) is not None:
                continue
            person = Person(
                given_name=inv.first_name,
                family_name=inv.last_name,
                name_key=person_name_key(inv.first_name, inv.last_name),
                email=inv.email,
                nsf_id=inv.nsf_id,
                affiliation=organization,
            )
            people.add(person)
            new_people.append(person)
        if new_people:
            Person.objects.bulk_create(new_people, batch_size=BATCH_SIZE)
            if any(p.pk is None for p in new_people):
                refreshed = _People()
                for person in Person.objects.filter(
                    Q(nsf_id__in=list(nsf_ids))
                    | Q(email__in=list(emails))
                    | Q(name_key__in=list(names))
                ):
                    refreshed.add(person)
                return refreshed
        return people


class _People:
    """People found or created in a batch, by NSF id, e-mail and name at an institution."""

    def __init__(self) -> None:
        self.by_nsf_id: dict[str, Person] = {}
        self.by_email: dict[str, Person] = {}
        self.by_name: dict[tuple[str, int | None], Person] = {}
        self.by_name_any: dict[str, Person] = {}

    def add(self, person: Person) -> None:
        if person.nsf_id:
            self.by_nsf_id.setdefault(person.nsf_id, person)
        if person.email:
            self.by_email.setdefault(person.email.lower(), person)
        self.by_name.setdefault((person.name_key, person.affiliation_id), person)
        self.by_name_any.setdefault(person.name_key, person)

    def find(self, inv: InvestigatorRecord, organization: Organization | None) -> Person | None:
        if inv.nsf_id and inv.nsf_id in self.by_nsf_id:
            return self.by_nsf_id[inv.nsf_id]
        if inv.email and inv.email in self.by_email:
            return self.by_email[inv.email]
        key = person_name_key(inv.first_name, inv.last_name)
        if organization is not None:
            return self.by_name.get((key, organization.pk))
        return self.by_name_any.get(key)


def _team(
    investigators: Sequence[InvestigatorRecord],
    people: _People,
    organization: Organization | None,
) -> list[tuple[int, str, Any, Any]]:
    """(person id, role, start, end) rows: one PI at most, each person once per role."""
    team: list[tuple[int, str, Any, Any]] = []
    seen: set[tuple[int, str]] = set()
    has_pi = False
    for inv in investigators:
        person = people.find(inv, organization)
        if person is None or person.pk is None:  # every investigator was found or created above
            raise RuntimeError(f"investigator {inv.first_name} {inv.last_name} was not saved")
        role = inv.role
        if role == ROLE_PI:
            if has_pi:
                role = "co_pi"  # a second current PI in one record: keep them, as co-PI
            has_pi = True
        if (person.pk, role) in seen:
            continue
        seen.add((person.pk, role))
        team.append((person.pk, role, inv.start_date, inv.end_date))
    return team


# --- Imports run by a worker, started from the admin ------------------------------

ACCEPTED_SUFFIXES = {".xml", ".json", ".zip"}


def import_run_create(
    *,
    program: Program,
    upload: File[Any],
    created_by: Any = None,
    skip_bad: bool = False,
    dry_run: bool = False,
    import_all: bool = False,
) -> ImportRun:
    """Store an uploaded file and queue its import once the upload is committed. The file
    is copied to the imports storage in chunks (or moved, when Django already spooled it
    to disk): it is never read into memory here."""
    filename = Path(upload.name or "").name
    if Path(filename).suffix.lower() not in ACCEPTED_SUFFIXES:
        raise DomainError(
            f"{filename} is not NSF award data: upload an .xml, .json or .zip file.",
            errors={"file": ["Upload an .xml, .json or .zip file."]},
        )
    limit = settings.IMPORT_MAX_UPLOAD_BYTES
    if upload.size is not None and upload.size > limit:
        raise DomainError(
            f"{filename} is larger than the {limit:,} bytes an upload may have "
            "(IMPORT_MAX_UPLOAD_BYTES); import it with `python manage.py import_nsf_awards`.",
            errors={"file": ["File too large for upload."]},
        )
    run = ImportRun(
        program=program,
        created_by=created_by,
        filename=filename,
        skip_bad=skip_bad,
        dry_run=dry_run,
        import_all=import_all,
        queued_at=timezone.now(),
    )
    run.upload.save(filename, upload, save=False)
    try:
        with transaction.atomic():
            run.save()
            _import_run_queue(run.pk)
    except BaseException:
        run.upload.delete(save=False)
        raise
    return run


# Sent by name: the tasks module calls this one, never the reverse.
EXECUTE_TASK = "proposals.tasks.import_run_execute_task"


def _import_run_queue(run_id: int) -> None:
    queueing.queue_after_commit(EXECUTE_TASK, (run_id,), what=f"import run {run_id}")


def import_run_again(*, run: ImportRun, created_by: Any = None) -> ImportRun:
    """A new run of a failed or interrupted run's file, with the same options. The stored
    file moves to the new run, which is queued once this commits."""
    with transaction.atomic():
        old = ImportRun.objects.select_for_update().get(pk=run.pk)
        if old.status not in (ImportRun.Status.FAILED, ImportRun.Status.INTERRUPTED):
            raise DomainError(
                f"{old} can be run again only once it has failed or been interrupted."
            )
        if not old.upload:
            raise DomainError(
                f"The file of {old} is no longer stored (it was run again, or imported); "
                "upload it again."
            )
        again = ImportRun.objects.create(
            program_id=old.program_id,
            created_by=created_by,
            filename=old.filename,
            upload=old.upload.name,
            skip_bad=old.skip_bad,
            dry_run=old.dry_run,
            import_all=old.import_all,
            rerun_of=old,
            queued_at=timezone.now(),
        )
        ImportRun.objects.filter(pk=old.pk).update(upload="")
        _import_run_queue(again.pk)
    return again


def import_run_execute(*, run_id: int) -> ImportRun | None:
    """Run a queued import. Running it again, or for a run already claimed, does nothing."""
    now = timezone.now()
    claimed = ImportRun.objects.filter(pk=run_id, status=ImportRun.Status.QUEUED).update(
        status=ImportRun.Status.RUNNING, started_at=now, heartbeat_at=now, phase="reading"
    )
    if not claimed:
        return None
    run = ImportRun.objects.select_related("program").get(pk=run_id)

    def progress(step: ImportProgress) -> None:
        if step.phase != "reading":
            return  # writing happens inside one transaction; its updates would not show
        done = step.done >= step.total
        ImportRun.objects.filter(pk=run_id, status=ImportRun.Status.RUNNING).update(
            documents_done=step.done,
            documents_total=step.total,
            counts=step.summary.as_counts(),
            phase="writing awards" if done else "reading",
            heartbeat_at=timezone.now(),
        )

    try:
        with _heartbeat(run_id), _stored_file(run) as path:
            documents = DocumentSet([path], source=run.filename)
            summary = awards_import(
                documents=documents,
                program=run.program,
                import_all=run.import_all,
                skip_bad=run.skip_bad,
                dry_run=run.dry_run,
                documents_total=documents.count(),
                progress=progress,
            )
    except ImportAborted as exc:
        _import_run_finish(
            run, status=ImportRun.Status.FAILED, summary=exc.summary, message=exc.message
        )
    except DomainError as exc:
        _import_run_finish(run, status=ImportRun.Status.FAILED, summary=None, message=exc.message)
    except Exception:
        # The details (paths, exception) are for the log, not for the run page.
        logger.exception("Import run %s stopped on an unexpected error", run_id)
        _import_run_finish(
            run,
            status=ImportRun.Status.FAILED,
            summary=None,
            message=(
                f"The import stopped on an unexpected error; nothing was imported. The "
                f"worker's log has the details (import run {run_id})."
            ),
        )
        raise
    else:
        verb = "Would import" if summary.dry_run else "Imported"
        message = (
            f"{verb} {summary.created:,} new and {summary.updated:,} updated awards; "
            f"{summary.unchanged:,} unchanged, "
            f"{summary.skipped_other_program + summary.skipped_no_program_element:,} "
            f"skipped, {len(summary.bad):,} bad, in {summary.seconds:.1f}s."
        )
        _import_run_finish(run, status=ImportRun.Status.SUCCEEDED, summary=summary, message=message)
    run.refresh_from_db()
    return run


@contextmanager
def _heartbeat(run_id: int) -> Iterator[None]:
    """Marks the run alive every IMPORT_HEARTBEAT_SECONDS from a thread of its own, with a
    connection of its own: the import's writes are one transaction, whose updates nobody
    would see before it ends. A killed worker stops beating; see import_runs_interrupt_stale.
    (On SQLite, which locks the whole file while the import writes, beats wait for it.)"""
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(settings.IMPORT_HEARTBEAT_SECONDS):
                try:
                    ImportRun.objects.filter(pk=run_id, status=ImportRun.Status.RUNNING).update(
                        heartbeat_at=timezone.now()
                    )
                except DatabaseError:
                    logger.info("Import run %s: heartbeat not recorded", run_id, exc_info=True)
        finally:
            connections.close_all()

    thread = threading.Thread(target=beat, name=f"import-run-{run_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


@contextmanager
def _stored_file(run: ImportRun) -> Iterator[Path]:
    """A local path of the run's upload: the stored file itself on a file system storage,
    else a copy made in chunks into a scratch directory (removed afterwards)."""
    missing = DomainError(f"The file of {run} is no longer stored; upload it again to import it.")
    name = run.upload.name
    if not name:
        raise missing
    storage = run.upload.storage
    try:
        local = Path(storage.path(name))
    except NotImplementedError:
        local = None
    if local is not None:
        if not local.is_file():
            raise missing
        yield local
        return
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / Path(name).name
        try:
            with run.upload.open("rb") as stored, path.open("wb") as copy:
                shutil.copyfileobj(stored, copy, 1 << 20)
        except FileNotFoundError:
            raise missing from None
        yield path


def _import_run_finish(
    run: ImportRun, *, status: str, summary: ImportSummary | None, message: str
) -> None:
    values: dict[str, Any] = {
        "status": status,
        "phase": "",
        "finished_at": timezone.now(),
        "message": message,
    }
    if summary is not None:
        values.update(
            counts=summary.as_counts(),
            errors=summary.bad,
            documents_done=summary.documents,
            documents_total=Greatest(F("documents_total"), summary.documents),
        )
    # An interrupted mark was a guess from a silent heartbeat; the worker's word wins.
    finished = ImportRun.objects.filter(
        pk=run.pk, status__in=[ImportRun.Status.RUNNING, ImportRun.Status.INTERRUPTED]
    ).update(**values)
    if not finished or status != ImportRun.Status.SUCCEEDED:
        return  # a failed run keeps its file, so staff can run it again
    stored = ImportRun.objects.filter(pk=run.pk).values_list("upload", flat=True).first()
    if stored:  # the file is no longer needed once imported
        run.upload.storage.delete(stored)
        ImportRun.objects.filter(pk=run.pk).update(upload="")


def import_runs_interrupt_stale(
    *, now: dt.datetime | None = None, run_ids: Sequence[int] | None = None
) -> int:
    """Mark interrupted the running imports whose worker went silent for longer than
    IMPORT_RUN_STALE_SECONDS (killed, or its machine gone). Returns how many."""
    now = now or timezone.now()
    limit = now - dt.timedelta(seconds=settings.IMPORT_RUN_STALE_SECONDS)
    stale = ImportRun.objects.filter(status=ImportRun.Status.RUNNING).filter(
        Q(heartbeat_at__lt=limit) | Q(heartbeat_at__isnull=True, started_at__lt=limit)
    )
    if run_ids is not None:
        stale = stale.filter(pk__in=list(run_ids))
    marked = 0
    for run in stale.only("pk", "phase", "heartbeat_at", "started_at"):
        last = timezone.localtime(run.heartbeat_at or run.started_at or now)
        message = (
            f"Interrupted: the worker stopped while {run.phase or 'importing'} (no sign of "
            f"life since {last:%Y-%m-%d %H:%M:%S %Z}). Nothing was imported. Its file is "
            "still stored: use “Run again” to import it."
        )
        # Only if it did not beat in between (the worker was slow, not gone).
        marked += ImportRun.objects.filter(
            pk=run.pk, status=ImportRun.Status.RUNNING, heartbeat_at=run.heartbeat_at
        ).update(status=ImportRun.Status.INTERRUPTED, phase="", finished_at=now, message=message)
    return marked


def import_runs_requeue(*, now: dt.datetime | None = None) -> int:
    """Queue again the runs still waiting IMPORT_REQUEUE_SECONDS after they were queued
    (their message was never published, or was lost). A run already taken by a worker
    is not run twice. Returns how many were published."""
    now = now or timezone.now()
    limit = now - dt.timedelta(seconds=settings.IMPORT_REQUEUE_SECONDS)
    waiting = ImportRun.objects.filter(status=ImportRun.Status.QUEUED).filter(
        Q(queued_at__lt=limit) | Q(queued_at__isnull=True)
    )
    ids = list(waiting.order_by("pk").values_list("pk", flat=True))
    if not ids:
        return 0
    ImportRun.objects.filter(pk__in=ids, status=ImportRun.Status.QUEUED).update(queued_at=now)
    return queueing.queue_now(
        EXECUTE_TASK, *[(pk,) for pk in ids], what=f"{len(ids)} waiting import run(s)"
    )


def import_runs_recover(*, now: dt.datetime | None = None) -> tuple[int, int]:
    """Beat's periodic pass: (runs marked interrupted, waiting runs queued again)."""
    now = now or timezone.now()
    return import_runs_interrupt_stale(now=now), import_runs_requeue(now=now)
