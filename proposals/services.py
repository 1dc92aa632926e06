"""Writes to program records. Every change of state goes through one of these."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from fairprog.errors import DomainError
from proposals import reminders
from proposals.models import (
    Award,
    AwardInvestigator,
    Cycle,
    Deadline,
    Organization,
    Person,
    Program,
    Proposal,
    ProposalInvestigator,
)
from proposals.validators import (
    normalize_orcid,
    normalize_ror,
    organization_name_key,
    person_name_key,
    validate_reminder_offsets,
)

Status = Proposal.Status

# The proposal workflow: each status and the statuses it may move to.
PROPOSAL_TRANSITIONS: dict[str, frozenset[str]] = {
    Status.DRAFT: frozenset({Status.SUBMITTED, Status.WITHDRAWN}),
    Status.SUBMITTED: frozenset({Status.UNDER_REVIEW, Status.WITHDRAWN}),
    Status.UNDER_REVIEW: frozenset({Status.RECOMMENDED, Status.DECLINED, Status.WITHDRAWN}),
    Status.RECOMMENDED: frozenset({Status.AWARDED, Status.DECLINED, Status.WITHDRAWN}),
    Status.DECLINED: frozenset(),
    Status.AWARDED: frozenset(),
    Status.WITHDRAWN: frozenset(),
}


def _validated_save(instance: models.Model, *, subject: str) -> None:
    try:
        instance.full_clean()
    except ValidationError as exc:
        raise DomainError.from_validation_error(exc, subject=subject) from exc
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:  # a race past full_clean; the constraint still holds
        raise DomainError(f"{subject} conflicts with an existing record: {exc}") from exc


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
    _validated_save(organization, subject=f'Organization "{name}"')
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
    _validated_save(person, subject=f"Person {given_name} {family_name}")
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
    _validated_save(cycle, subject=f"Cycle {solicitation_number}")
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
    _validated_save(deadline, subject=f"Deadline {deadline.label or deadline.get_kind_display()}")
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


# --- Proposals --------------------------------------------------------------


def proposal_create(
    *,
    cycle: Cycle,
    title: str,
    lead_institution: Organization,
    pi: Person,
    co_pis: Iterable[Person] = (),
    abstract: str = "",
    requested_amount: Decimal = Decimal("0"),
    duration_months: int | None = None,
    reference: str = "",
    is_demo: bool = False,
) -> Proposal:
    with transaction.atomic():
        proposal = Proposal(
            cycle=cycle,
            title=title.strip(),
            lead_institution=lead_institution,
            abstract=abstract,
            requested_amount=requested_amount,
            duration_months=duration_months,
            reference=reference,
            is_demo=is_demo,
        )
        _validated_save(proposal, subject=f'Proposal "{title}"')
        proposal_add_investigator(proposal=proposal, person=pi, role=ProposalInvestigator.Role.PI)
        for co_pi in co_pis:
            proposal_add_investigator(
                proposal=proposal, person=co_pi, role=ProposalInvestigator.Role.CO_PI
            )
    return proposal


def proposal_add_investigator(
    *, proposal: Proposal, person: Person, role: str
) -> ProposalInvestigator:
    investigators = proposal.investigators.all()
    if role == ProposalInvestigator.Role.PI and investigators.filter(role=role).exists():
        raise DomainError(
            f'Proposal "{proposal.title}" already has a principal investigator; '
            "a proposal has exactly one.",
            errors={"role": ["This proposal already has a PI."]},
        )
    if investigators.filter(person=person).exists():
        raise DomainError(f'{person} is already on proposal "{proposal.title}".')
    order = investigators.count()
    return ProposalInvestigator.objects.create(
        proposal=proposal, person=person, role=role, order=order
    )


def _proposal_transition(*, proposal: Proposal, target: str, verb: str, note: str = "") -> Proposal:
    """Move a locked proposal to ``target`` if the workflow allows it."""
    locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
    current = locked.status
    if target not in PROPOSAL_TRANSITIONS[current]:
        allowed_from = [
            Status(s).label.lower()
            for s, targets in PROPOSAL_TRANSITIONS.items()
            if target in targets
        ]
        raise DomainError(
            f'Cannot {verb} proposal "{locked.title}": it is {Status(current).label.lower()}; '
            f"only a proposal that is {' or '.join(allowed_from)} can be {_past(verb)}."
        )
    now = timezone.now()
    locked.status = target
    if target == Status.SUBMITTED:
        locked.submitted_at = now
    if target in (Status.DECLINED, Status.AWARDED, Status.WITHDRAWN, Status.RECOMMENDED):
        locked.decided_at = now
    if note:
        locked.decision_note = note
    locked._change_reason = f"{Status(current).label} → {Status(target).label}"  # type: ignore[attr-defined]
    locked.save()
    # Keep the caller's instance current, so it never acts on a stale status.
    for field in ("status", "submitted_at", "decided_at", "decision_note", "updated_at"):
        setattr(proposal, field, getattr(locked, field))
    return proposal


def _past(verb: str) -> str:
    irregular = {"start review of": "put under review", "submit": "submitted"}
    if verb in irregular:
        return irregular[verb]
    return verb + ("d" if verb.endswith("e") else "ed")


def _submission_deadline_passed(proposal: Proposal, *, now: dt.datetime) -> Deadline | None:
    pi_link = (
        proposal.investigators.select_related("person")
        .filter(role=ProposalInvestigator.Role.PI)
        .first()
    )
    zone_name = (pi_link.person.time_zone if pi_link else "") or proposal.cycle.program.time_zone
    zone = zoneinfo.ZoneInfo(zone_name)
    for deadline in proposal.cycle.deadlines.filter(kind=Deadline.Kind.FULL_PROPOSAL):
        if deadline.due_at_in(zone) < now:
            return deadline
    return None


@transaction.atomic
def proposal_submit(*, proposal: Proposal, now: dt.datetime | None = None) -> Proposal:
    now = now or timezone.now()
    cycle = proposal.cycle
    if cycle.status != Cycle.Status.OPEN:
        raise DomainError(
            f'Cannot submit proposal "{proposal.title}": cycle {cycle.solicitation_number} is '
            f"{cycle.get_status_display().lower()}; proposals are accepted only while it is open."
        )
    if not proposal.investigators.filter(role=ProposalInvestigator.Role.PI).exists():
        raise DomainError(
            f'Cannot submit proposal "{proposal.title}": it has no principal investigator.'
        )
    passed = _submission_deadline_passed(proposal, now=now)
    if passed is not None:
        raise DomainError(
            f'Cannot submit proposal "{proposal.title}": the full-proposal deadline '
            f"({passed.due_date:%B %d, %Y}, {passed.rule_text}) has passed."
        )
    return _proposal_transition(proposal=proposal, target=Status.SUBMITTED, verb="submit")


@transaction.atomic
def proposal_start_review(*, proposal: Proposal) -> Proposal:
    return _proposal_transition(
        proposal=proposal, target=Status.UNDER_REVIEW, verb="start review of"
    )


@transaction.atomic
def proposal_recommend(*, proposal: Proposal, note: str = "") -> Proposal:
    return _proposal_transition(
        proposal=proposal, target=Status.RECOMMENDED, verb="recommend", note=note
    )


@transaction.atomic
def proposal_decline(*, proposal: Proposal, note: str = "") -> Proposal:
    return _proposal_transition(
        proposal=proposal, target=Status.DECLINED, verb="decline", note=note
    )


@transaction.atomic
def proposal_withdraw(*, proposal: Proposal, note: str = "") -> Proposal:
    return _proposal_transition(
        proposal=proposal, target=Status.WITHDRAWN, verb="withdraw", note=note
    )


_AWARD_ROLE_FOR_PROPOSAL_ROLE = {
    ProposalInvestigator.Role.PI: AwardInvestigator.Role.PI,
    ProposalInvestigator.Role.CO_PI: AwardInvestigator.Role.CO_PI,
}


@transaction.atomic
def proposal_award(
    *,
    proposal: Proposal,
    award_number: str,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
    awarded_amount: Decimal | None = None,
) -> Award:
    """Award a recommended proposal: link the existing Award with that number, or create it."""
    award_number = award_number.strip()
    existing = Award.objects.select_for_update().filter(award_number=award_number).first()
    if existing is not None and existing.proposal_id not in (None, proposal.pk):
        raise DomainError(
            f"Award {award_number} already belongs to another proposal; check the award number.",
            errors={"award_number": ["Already linked to another proposal."]},
        )
    if existing is not None:
        award = existing
        award.proposal = proposal
        award.cycle = award.cycle or proposal.cycle
        award._change_reason = "Linked to its proposal"  # type: ignore[attr-defined]
    else:
        award = Award(
            award_number=award_number,
            program=proposal.cycle.program,
            cycle=proposal.cycle,
            proposal=proposal,
            title=proposal.title,
            institution=proposal.lead_institution,
            intended_amount=proposal.requested_amount,
            awarded_amount=(
                awarded_amount if awarded_amount is not None else proposal.requested_amount
            ),
            start_date=start_date,
            end_date=end_date,
        )
    # Validate the award before the proposal moves, so a refusal leaves both untouched.
    try:
        award.full_clean(exclude=["proposal"])
    except ValidationError as exc:
        raise DomainError.from_validation_error(exc, subject=f"Award {award_number}") from exc
    _proposal_transition(proposal=proposal, target=Status.AWARDED, verb="award")
    award.save()
    if existing is None:
        for order, link in enumerate(proposal.investigators.select_related("person")):
            role = _AWARD_ROLE_FOR_PROPOSAL_ROLE.get(ProposalInvestigator.Role(link.role))
            if role is not None:
                AwardInvestigator.objects.create(
                    award=award, person=link.person, role=role, order=order
                )
    return award


# --- Awards -----------------------------------------------------------------

AWARD_EDITABLE_FIELDS = (
    "title",
    "abstract",
    "institution",
    "cycle",
    "instrument",
    "intended_amount",
    "awarded_amount",
    "obligated_amount",
    "start_date",
    "end_date",
    "program_officer",
)


def award_create(*, award_number: str, program: Program, title: str, **fields: object) -> Award:
    """Record a funded project by hand (imports and ``proposal_award`` create most)."""
    unknown = set(fields) - set(AWARD_EDITABLE_FIELDS)
    if unknown:
        raise DomainError(f"Unknown award fields: {', '.join(sorted(unknown))}.")
    award = Award(award_number=award_number.strip(), program=program, title=title.strip())
    for name, value in fields.items():
        setattr(award, name, value)
    _validated_save(award, subject=f"Award {award_number}")
    return award


def award_update(*, award: Award, **fields: object) -> Award:
    unknown = set(fields) - set(AWARD_EDITABLE_FIELDS)
    if unknown:
        raise DomainError(f"Unknown award fields: {', '.join(sorted(unknown))}.")
    for name, value in fields.items():
        setattr(award, name, value)
    _validated_save(award, subject=f"Award {award.award_number}")
    return award
