"""Who is reminded of a deadline: program staff, the investigators of its award or of the
proposals it is for, the reviewers whose reviews it makes due, and confirmed subscribers, each
e-mail address once. Reads only.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, QuerySet

from proposals.models import (
    AwardInvestigator,
    Deadline,
    Person,
    Program,
    Proposal,
    ProposalInvestigator,
    ReminderSubscription,
    Review,
    ReviewAssignment,
)

PROGRAM_STAFF_GROUP = "Program staff"
PROPOSAL_DEADLINES = {Deadline.Kind.LETTER_OF_INTENT, Deadline.Kind.FULL_PROPOSAL}
# Proposals whose reviews are still wanted: once decided or withdrawn, nobody is chased.
IN_REVIEW = [Proposal.Status.SUBMITTED, Proposal.Status.UNDER_REVIEW]


@dataclass(frozen=True)
class Recipient:
    """One address a deadline's reminders go to, and the record it came from, so that an
    unsubscribe or opt-out later stops what is still pending for it."""

    key: str  # "staff:<user id>", "person:<id>", "subscriber:<id>"
    email: str
    time_zone: str
    person_id: int | None = None
    subscription_id: int | None = None


def program_of(deadline: Deadline) -> Program:
    """A deadline belongs to a cycle or to an award (a check constraint holds it to one),
    and through either to a program."""
    owner = deadline.cycle if deadline.cycle_id else deadline.award
    return owner.program  # type: ignore[union-attr]


def deadline_recipients(deadline: Deadline) -> list[Recipient]:
    """Everyone reminded of ``deadline``; one entry per e-mail address (staff first, then
    investigators or reviewers, then subscribers). Staff-only deadlines go to staff alone, but
    for a reviews-due deadline, which also reaches the reviewers who owe a review by it."""
    program = program_of(deadline)
    default_zone = program.time_zone
    found: dict[str, Recipient] = {}

    def add(key: str, email: str, zone: str, **record: int) -> None:
        address = email.strip().lower()
        if address and address not in found:
            found[address] = Recipient(key, email.strip(), zone or default_zone, **record)

    staff = (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True)
        .filter(Q(is_superuser=True) | Q(groups__name=PROGRAM_STAFF_GROUP))
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )
    for user in staff:
        add(f"staff:{user.pk}", user.email, "")
    if deadline.award_id:
        for person in (
            Person.objects.filter(
                award_roles__award_id=deadline.award_id,
                award_roles__role__in=[AwardInvestigator.Role.PI, AwardInvestigator.Role.CO_PI],
                reminders_opt_out=False,
            )
            .exclude(email="")
            .distinct()
            .order_by("pk")
        ):
            add(f"person:{person.pk}", person.email, person.time_zone, person_id=person.pk)
        return list(found.values())
    if deadline.kind == Deadline.Kind.REVIEW_DUE:
        for person in reviewers_owing(deadline):
            add(f"person:{person.pk}", person.email, person.time_zone, person_id=person.pk)
    if deadline.visibility != Deadline.Visibility.PUBLIC:
        return list(found.values())
    cycle = deadline.cycle
    if deadline.kind in PROPOSAL_DEADLINES:
        for person in (
            Person.objects.filter(
                proposal_roles__proposal__cycle=cycle,
                proposal_roles__proposal__status__in=[
                    Proposal.Status.DRAFT,
                    Proposal.Status.SUBMITTED,
                ],
                proposal_roles__role__in=[
                    ProposalInvestigator.Role.PI,
                    ProposalInvestigator.Role.CO_PI,
                ],
                reminders_opt_out=False,
            )
            .exclude(email="")
            .distinct()
            .order_by("pk")
        ):
            add(f"person:{person.pk}", person.email, person.time_zone, person_id=person.pk)
    for subscription in (
        ReminderSubscription.objects.filter(
            program=program, confirmed_at__isnull=False, unsubscribed_at__isnull=True
        )
        .filter(Q(cycle__isnull=True) | Q(cycle_id=deadline.cycle_id))
        .order_by("pk")
    ):
        add(
            f"subscriber:{subscription.pk}",
            subscription.email,
            subscription.time_zone,
            subscription_id=subscription.pk,
        )
    return list(found.values())


def reviewers_owing(deadline: Deadline) -> list[Person]:
    """The reviewers who owe a review by ``deadline`` (see ``_owing``) and take reminders;
    one query."""
    owing = _owing(deadline).filter(reviewer__person=OuterRef("pk"))
    return list(
        Person.objects.filter(Exists(owing), reminders_opt_out=False)
        .exclude(email="")
        .only("pk", "email", "time_zone")
        .order_by("pk")
    )


def review_owed(*, deadline: Deadline, person_id: int) -> bool:
    """Whether the person still owes a review by ``deadline``, checked again when a reminder
    is about to go out."""
    return _owing(deadline).filter(reviewer__person_id=person_id).exists()


def _owing(deadline: Deadline) -> QuerySet[ReviewAssignment]:
    """Assignments due by ``deadline`` whose review, of a proposal still in review, is not
    submitted (none begun, or a draft)."""
    submitted = Review.objects.filter(assignment=OuterRef("pk"), status=Review.Status.SUBMITTED)
    return ReviewAssignment.objects.filter(due=deadline, proposal__status__in=IN_REVIEW).exclude(
        Exists(submitted)
    )
