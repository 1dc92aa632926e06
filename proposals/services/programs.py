"""Writes to a program's records: organisations, people, cycles and their deadlines."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Sequence
from decimal import Decimal
from typing import TypedDict, Unpack

from django.core.exceptions import ValidationError

from fairprog.catalogue_version import catalogue_changed_on_commit
from fairprog.errors import DomainError
from proposals.models import (
    Award,
    Cycle,
    Deadline,
    Organization,
    Person,
    Program,
)
from proposals.selectors.recipients import program_of
from proposals.services import reminders
from proposals.services.common import validated_save
from proposals.validators import (
    normalize_orcid,
    normalize_ror,
    organization_name_key,
    person_name_key,
    validate_reminder_offsets,
)

# --- Organizations and people ---------------------------------------------


class OrganizationFields(TypedDict, total=False):
    """A new organisation's optional fields, stored as given; left out, the model's default.
    (Typed once here, rather than once as arguments and again as the model's fields.)"""

    kind: str
    funder_id: str
    city: str
    state: str
    country: str
    website: str


def organization_create(
    *, name: str, ror_id: str = "", **fields: Unpack[OrganizationFields]
) -> Organization:
    try:
        ror = normalize_ror(ror_id) if ror_id else ""
    except ValidationError as exc:
        raise DomainError(exc.messages[0], errors={"ror_id": exc.messages}) from exc
    organization = Organization(
        name=name.strip(), name_key=organization_name_key(name), ror_id=ror, **fields
    )
    validated_save(organization, subject=f'Organization "{name}"')
    catalogue_changed_on_commit()
    return organization


class PersonFields(TypedDict, total=False):
    """A new person's optional fields, stored as given."""

    affiliation: Organization | None
    time_zone: str


def person_create(
    *,
    given_name: str,
    family_name: str,
    email: str = "",
    orcid: str = "",
    **fields: Unpack[PersonFields],
) -> Person:
    try:
        orcid_id = normalize_orcid(orcid) if orcid else ""
    except ValidationError as exc:
        raise DomainError(exc.messages[0], errors={"orcid": exc.messages}) from exc
    if orcid_id and Person.objects.filter(orcid=orcid_id).exists():
        raise DomainError(
            f"ORCID iD {orcid_id} already belongs to another person.",
            errors={"orcid": ["This ORCID iD is already recorded for another person."]},
        )
    person = Person(
        given_name=given_name.strip(),
        family_name=family_name.strip(),
        name_key=person_name_key(given_name, family_name),
        email=email.strip().lower(),
        orcid=orcid_id,
        **fields,
    )
    validated_save(person, subject=f"Person {given_name} {family_name}")
    return person


# --- Cycles and deadlines -------------------------------------------------


class CycleFields(TypedDict, total=False):
    """A new cycle's optional fields, stored as given; left out, the model's default."""

    title: str
    status: str
    budget: Decimal | None
    anticipated_awards_min: int | None
    anticipated_awards_max: int | None
    award_size_min: Decimal | None
    award_size_max: Decimal | None
    url: str


def cycle_create(
    *, program: Program, year: int, solicitation_number: str, **fields: Unpack[CycleFields]
) -> Cycle:
    cycle = Cycle(
        program=program, year=year, solicitation_number=solicitation_number.strip(), **fields
    )
    validated_save(cycle, subject=f"Cycle {solicitation_number}")
    catalogue_changed_on_commit()
    return cycle


def cycle_set_status(*, cycle: Cycle, status: str) -> Cycle:
    if status not in Cycle.Status.values:
        raise DomainError(f'"{status}" is not a cycle status.', errors={"status": ["Unknown."]})
    cycle.status = status
    cycle.save(update_fields=["status"])
    catalogue_changed_on_commit()
    return cycle


def deadline_due_at(*, due_date: dt.date, due_time: dt.time, time_zone: str) -> dt.datetime:
    """The reference instant of a deadline: its date and time in its zone."""
    try:
        zone = zoneinfo.ZoneInfo(time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise DomainError(
            f'"{time_zone}" is not a known time zone.', errors={"time_zone": ["Unknown zone."]}
        ) from exc
    return dt.datetime.combine(due_date, due_time, tzinfo=zone)


def deadline_save(*, deadline: Deadline) -> Deadline:
    """Validate a new or edited deadline, derive its instant, and save it."""
    if (deadline.cycle_id is None) == (deadline.award_id is None):
        raise DomainError(
            "A deadline belongs to exactly one cycle or one award, not both and not neither.",
            errors={"__all__": ["Choose a cycle or an award."]},
        )
    if not deadline.time_zone:
        deadline.time_zone = program_of(deadline).time_zone
    if not deadline.reminder_offsets:  # none typed: the program's default applies
        deadline.reminder_offsets = list(program_of(deadline).reminder_offsets)
    deadline.due_at = deadline_due_at(
        due_date=deadline.due_date, due_time=deadline.due_time, time_zone=deadline.time_zone
    )
    try:
        validate_reminder_offsets(deadline.reminder_offsets)
    except ValidationError as exc:
        raise DomainError(exc.messages[0], errors={"reminder_offsets": exc.messages}) from exc
    deadline.reminder_offsets = sorted(deadline.reminder_offsets, reverse=True)
    before = (
        Deadline.objects.filter(pk=deadline.pk).values_list("due_at", "time_rule").first()
        if deadline.pk
        else None
    )
    validated_save(deadline, subject=f"Deadline {deadline.label or deadline.get_kind_display()}")
    if before is not None and before != (deadline.due_at, deadline.time_rule):
        reminders.deadline_moved(deadline=deadline)
    # Reminders whose time has come (a new deadline, a moved one, new offsets) go out now
    # rather than at the next periodic scan.
    reminders.reminders_scan_soon()
    return deadline


class DeadlineFields(TypedDict, total=False):
    """A new deadline's optional fields, stored as given; left out, the model's default."""

    label: str
    due_time: dt.time
    time_rule: str
    visibility: str
    notes: str


def deadline_create(
    *,
    kind: str,
    due_date: dt.date,
    cycle: Cycle | None = None,
    award: Award | None = None,
    time_zone: str = "",
    reminder_offsets: Sequence[int] | None = None,
    **fields: Unpack[DeadlineFields],
) -> Deadline:
    # No zone given means the program's (deadline_save), not the model's default.
    deadline = Deadline(
        cycle=cycle, award=award, kind=kind, due_date=due_date, time_zone=time_zone, **fields
    )
    owner = cycle or award
    if reminder_offsets is not None:
        deadline.reminder_offsets = list(reminder_offsets)
    elif owner is not None:  # without one, deadline_save says what is missing
        deadline.reminder_offsets = list(owner.program.reminder_offsets)
    return deadline_save(deadline=deadline)
