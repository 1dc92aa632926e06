"""Writing imported awards: one batch of NSF award records upserted with a fixed number
of queries, whatever the rows in it. Every lookup of awards, organizations, people and
program elements is one query per batch, never one per row; a re-import compares the
stored award with the record and writes only what changed, with its history.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from proposals.models import (
    Award,
    AwardInvestigator,
    Deadline,
    Organization,
    Person,
    Program,
    ProgramElement,
)
from proposals.nsf.records import ROLE_PI, AwardRecord, InvestigatorRecord
from proposals.nsf.report import SKIP_OLDER, SKIPPED_LISTED, skipped_entry
from proposals.validators import organization_name_key, person_name_key

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
    "outside_program",
]


@dataclass
class WriteCounts:
    """What writing did to the awards read: an import's summary adds what reading found."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped_older: int = 0
    changes: list[str] = field(default_factory=list)
    # Each award left out and why (``skipped_entry``), the first SKIPPED_LISTED of them;
    # ``skipped_unlisted`` counts the rest.
    skipped: list[dict[str, Any]] = field(default_factory=list)
    skipped_unlisted: int = 0

    @property
    def written(self) -> int:
        return self.created + self.updated

    def room_to_list(self) -> int:
        """How many more skipped awards the report lists (it counts the rest)."""
        return max(SKIPPED_LISTED - len(self.skipped), 0)

    def skip(self, entry: dict[str, Any]) -> None:
        if self.room_to_list():
            self.skipped.append(entry)
        else:
            self.skipped_unlisted += 1


def collaboration_key(title: str) -> str:
    """Collaborative awards repeat one title, one record per institution."""
    if "collaborative research" not in title.lower():
        return ""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", title.lower()).split())[:400]


class BatchWriter:
    """Upserts batches of award records with a fixed number of queries per batch."""

    def __init__(
        self, *, program: Program, counts: WriteCounts, placement: dict[str, bool] | None = None
    ) -> None:
        self.program = program
        self.counts = counts
        # Whether an award is outside the program (imported anyway), by award number;
        # an award not named keeps what is stored (new ones: inside).
        self.placement = placement or {}
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
            values["outside_program"] = self.placement.get(
                number, award.outside_program if award is not None else False
            )
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
                self.counts.created += 1
                self.counts.changes.append(f"{number}: new ({record.title[:60]})")
                continue
            if (
                record.last_amended
                and award.nsf_last_amended
                and record.last_amended < award.nsf_last_amended
            ):
                self.counts.skipped_older += 1
                self.counts.skip(
                    skipped_entry(
                        reason=SKIP_OLDER,
                        why=f"its record (last amended {record.last_amended}) is older than "
                        f"the one stored (last amended {award.nsf_last_amended})",
                        award_number=number,
                        title=record.title,
                        source=record.source,
                    )
                )
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
                self.counts.unchanged += 1
                continue
            for name, value in values.items():
                setattr(award, name, value)
            if award.cycle_id is None:
                award.cycle_id = self._cycle_for(record)
            to_update.append(award)
            self.counts.updated += 1
            self.counts.changes.append(f"{number}: updated ({', '.join(changed)})")

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
