"""The proposal workflow: create, add investigators, and move through review to an award.
Every transition goes through here and refuses an illegal move."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from decimal import Decimal
from typing import TypedDict, Unpack

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from fairprog.catalogue_version import catalogue_changed_on_commit
from fairprog.errors import DomainError
from proposals.models import (
    Award,
    AwardInvestigator,
    Cycle,
    Deadline,
    Organization,
    Person,
    Proposal,
    ProposalInvestigator,
)
from proposals.services.common import validated_save

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


class ProposalFields(TypedDict, total=False):
    """A new proposal's optional fields, stored as given; left out, the model's default."""

    abstract: str
    requested_amount: Decimal
    duration_months: int | None
    reference: str
    is_demo: bool


def proposal_create(
    *,
    cycle: Cycle,
    title: str,
    lead_institution: Organization,
    pi: Person,
    co_pis: Iterable[Person] = (),
    **fields: Unpack[ProposalFields],
) -> Proposal:
    with transaction.atomic():
        proposal = Proposal(
            cycle=cycle, title=title.strip(), lead_institution=lead_institution, **fields
        )
        validated_save(proposal, subject=f'Proposal "{title}"')
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
    irregular = {
        "start review of": "put under review",
        "submit": "submitted",
        "withdraw": "withdrawn",
    }
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
    catalogue_changed_on_commit()
    return award
