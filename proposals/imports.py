"""Import NSF award data into the program's funded projects, idempotently.

Reading happens first: every document is parsed and checked before anything is
written, so a bad file aborts the run with nothing imported (or, with
``skip_bad``, is listed and left out). Writing then happens in one transaction,
in batches whose number of queries does not depend on the rows in them: every
lookup of awards, organizations, people and program elements is one query per
batch, never one per row.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

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
    InvestigatorRecord,
    NSFFormatError,
    count_documents,
    iter_documents,
    normalize_element_code,
    parse_document,
)
from proposals.validators import organization_name_key, person_name_key

BATCH_SIZE = 500
HISTORY_REASON = "NSF award data import"

# Award fields an import sets; a re-import compares exactly these.
IMPORTED_FIELDS = [
    "title",
    "abstract",
    "institution_id",
    "instrument",
    "intended_amount",
    "awarded_amount",
    "obligated_amount",
    "start_date",
    "end_date",
    "program_officer",
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

    def report(phase: str, done: int, total: int) -> None:
        if progress:
            progress(ImportProgress(phase, done, total, summary, time.monotonic() - started))

    records = _read(
        documents, summary, codes=codes, import_all=import_all, report=report, total=documents_total
    )
    if summary.bad and not skip_bad:
        summary.seconds = time.monotonic() - started
        raise ImportAborted(summary)

    with transaction.atomic():
        writer = _BatchWriter(program=program, summary=summary)
        for start in range(0, len(records), batch_size):
            writer.write(records[start : start + batch_size])
            report("writing", min(start + batch_size, len(records)), len(records))
        if dry_run:
            transaction.set_rollback(True)
    if summary.written and not dry_run:
        from artifacts.selectors import catalogue_changed

        # Bulk writes send no model signals; the catalogue's cached facet counts
        # (institutions, cycle years) must still be recounted.
        transaction.on_commit(catalogue_changed)
    summary.seconds = time.monotonic() - started
    return summary


def _read(
    documents: Iterable[Document],
    summary: ImportSummary,
    *,
    codes: set[str],
    import_all: bool,
    report: Callable[[str, int, int], None],
    total: int,
) -> list[AwardRecord]:
    by_number: dict[str, AwardRecord] = {}
    for document in documents:
        summary.documents += 1
        try:
            if document.error:
                raise NSFFormatError(document.source, document.error)
            parsed = parse_document(document.data, source=document.source)
        except NSFFormatError as exc:
            summary.bad.append(str(exc))
            parsed = []
        for record in parsed:
            summary.awards_read += 1
            problem = _record_problem(record)
            if problem:
                summary.bad.append(f"{record.source} (award {record.award_number}): {problem}")
                continue
            if not import_all:
                if not record.elements_known:
                    summary.skipped_no_program_element += 1
                    continue
                if not codes.intersection(code for code, _ in record.program_elements):
                    summary.skipped_other_program += 1
                    continue
            previous = by_number.get(record.award_number)
            # The same award twice in one run: keep the most recently amended.
            if previous is None or (record.last_amended or dt.date.min) >= (
                previous.last_amended or dt.date.min
            ):
                by_number[record.award_number] = record
        if summary.documents % 250 == 0:
            report("reading", summary.documents, total)
    report("reading", summary.documents, total or summary.documents)
    return list(by_number.values())


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

MAX_UPLOAD_BYTES = 512 * 1024 * 1024


def import_run_create(
    *,
    program: Program,
    filename: str,
    payload: bytes,
    created_by: Any = None,
    skip_bad: bool = False,
    dry_run: bool = False,
    import_all: bool = False,
) -> ImportRun:
    """Store an uploaded file and queue its import once the upload is committed."""
    from proposals.tasks import import_run_execute_task

    suffix = Path(filename).suffix.lower()
    if suffix not in {".xml", ".json", ".zip"}:
        raise DomainError(
            f"{filename} is not NSF award data: upload an .xml, .json or .zip file.",
            errors={"file": ["Upload an .xml, .json or .zip file."]},
        )
    if len(payload) > MAX_UPLOAD_BYTES:
        raise DomainError(
            f"{filename} is larger than {MAX_UPLOAD_BYTES // 2**20} MB; import it with "
            "`python manage.py import_nsf_awards` instead.",
            errors={"file": ["File too large for upload."]},
        )
    run = ImportRun.objects.create(
        program=program,
        created_by=created_by,
        filename=Path(filename).name,
        payload=payload,
        skip_bad=skip_bad,
        dry_run=dry_run,
        import_all=import_all,
    )
    transaction.on_commit(lambda: import_run_execute_task.delay(run.pk))
    return run


def import_run_execute(*, run_id: int) -> ImportRun | None:
    """Run a queued import. Running it again, or for a run already claimed, does nothing."""
    claimed = ImportRun.objects.filter(pk=run_id, status=ImportRun.Status.QUEUED).update(
        status=ImportRun.Status.RUNNING, started_at=timezone.now(), phase="reading"
    )
    if not claimed:
        return None
    run = ImportRun.objects.select_related("program").get(pk=run_id)

    def progress(step: ImportProgress) -> None:
        if step.phase != "reading":
            return  # writing happens inside one transaction; its updates would not show
        done = step.done >= step.total
        ImportRun.objects.filter(pk=run_id).update(
            documents_done=step.done,
            documents_total=step.total,
            counts=step.summary.as_counts(),
            phase="writing awards" if done else "reading",
        )

    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / run.filename
        path.write_bytes(bytes(run.payload))
        try:
            summary = awards_import(
                documents=iter_documents([path]),
                program=run.program,
                import_all=run.import_all,
                skip_bad=run.skip_bad,
                dry_run=run.dry_run,
                documents_total=count_documents([path]),
                progress=progress,
            )
        except ImportAborted as exc:
            _import_run_finish(
                run, status=ImportRun.Status.FAILED, summary=exc.summary, message=exc.message
            )
        except DomainError as exc:
            _import_run_finish(
                run, status=ImportRun.Status.FAILED, summary=None, message=exc.message
            )
        except Exception as exc:
            _import_run_finish(
                run,
                status=ImportRun.Status.FAILED,
                summary=None,
                message=f"Unexpected error: {type(exc).__name__}: {exc}",
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
            _import_run_finish(
                run, status=ImportRun.Status.SUCCEEDED, summary=summary, message=message
            )
    return run


def _import_run_finish(
    run: ImportRun, *, status: str, summary: ImportSummary | None, message: str
) -> None:
    run.status = status
    run.phase = ""
    run.finished_at = timezone.now()
    run.message = message
    run.payload = b""  # the file is no longer needed once imported
    if summary is not None:
        run.counts = summary.as_counts()
        run.errors = summary.bad
        run.documents_done = summary.documents
        run.documents_total = max(run.documents_total, summary.documents)
    run.save()
