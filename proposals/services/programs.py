"""Writes to a program's records: organisations, people, cycles and their deadlines."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Sequence
from decimal import Decimal

from django.core.exceptions import ValidationError

from fairprog.errors import DomainError
from proposals.models import (
    Award,
    Cycle,
    Deadline,
    Organization,
    Person,
    Program,
)
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


def organization_create(
    *,
    name: str,
    kind: str = Organization.Kind.INSTITUTION,
    ror_id: str = "",
    city: str = "",
    state: str = "",
    country: str = "",
    website: str = "",
) -> Organization:
    try:
        ror = normalize_ror(ror_id) if ror_id else ""
    except ValidationError as exc:
        raise DomainError(exc.messages[0], errors={"ror_id": exc.messages}) from exc
    organization = Organization(
        name=name.strip(),
        name_key=organization_name_key(name),
        kind=kind,
        ror_id=ror,
        city=city,
        state=state,
        country=country,
        website=website,
    )
    validated_save(organization, subject=f'Organization "{name}"')
    return organization


def person_create(
    *,
    given_name: str,
    family_name: str,
    email: str = "",
    orcid: str = "",
    affiliation: Organization | None = None,
    time_zone: str = "",
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
        affiliation=affiliation,
        time_zone=time_zone,
    )
    validated_save(person, subject=f"Person {given_name} {family_name}")
    return person


# --- Cycles and deadlines -------------------------------------------------


def cycle_create(
    *,
    program: Program,
    year: int,
    solicitation_number: str,
    title: str = "",
    status: str = Cycle.Status.PLANNED,
    budget: Decimal | None = None,
    anticipated_awards_min: int | None = None,
    anticipated_awards_max: int | None = None,
    award_size_min: Decimal | None = None,
    award_size_max: Decimal | None = None,
    url: str = "",
) -> Cycle:
    cycle = Cycle(
        program=program,
        year=year,
        solicitation_number=solicitation_number.strip(),
        title=title,
        status=status,
        budget=budget,
        anticipated_awards_min=anticipated_awards_min,
        anticipated_awards_max=anticipated_awards_max,
        award_size_min=award_size_min,
        award_size_max=award_size_max,
        url=url,
    )
    validated_save(cycle, subject=f"Cycle {solicitation_number}")
    return cycle


def cycle_set_status(*, cycle: Cycle, status: str) -> Cycle:
    if status not in Cycle.Status.values:
        raise DomainError(f'"{status}" is not a cycle status.', errors={"status": ["Unknown."]})
    cycle.status = status
    cycle.save(update_fields=["status"])
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
        deadline.time_zone = reminders.program_of(deadline).time_zone
    if not deadline.reminder_offsets:  # none typed: the program's default applies
        deadline.reminder_offsets = list(reminders.program_of(deadline).reminder_offsets)
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


def deadline_create(
    *,
    kind: str,
    due_date: dt.date,
    cycle: Cycle | None = None,
    award: Award | None = None,
    due_time: dt.time = dt.time(17, 0),
    time_rule: str = Deadline.TimeRule.SUBMITTER_LOCAL,
    time_zone: str = "",
    visibility: str = Deadline.Visibility.PUBLIC,
    reminder_offsets: Sequence[int] | None = None,
    label: str = "",
    notes: str = "",
) -> Deadline:
    deadline = Deadline(
        cycle=cycle,
        award=award,
        kind=kind,
        label=label,
        due_date=due_date,
        due_time=due_time,
        time_rule=time_rule,
        time_zone=time_zone,
        visibility=visibility,
        notes=notes,
    )
    owner = cycle or award
    if reminder_offsets is not None:
        deadline.reminder_offsets = list(reminder_offsets)
    elif owner is not None:  # without one, deadline_save says what is missing
        deadline.reminder_offsets = list(owner.program.reminder_offsets)
    return deadline_save(deadline=deadline)
