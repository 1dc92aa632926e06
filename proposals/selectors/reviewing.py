"""What a reviewer reads: their own assignments, each with its state (a conflict to declare or
not, a review being drafted, submitted, or a declared conflict), and one of them with the
proposal's title and investigators. Nothing here reaches another reviewer's assignment or
review, and nothing reaches a researcher who is not a reviewer."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from proposals.models import (
    ConflictDeclaration,
    Person,
    ProposalInvestigator,
    Review,
    ReviewAssignment,
    ReviewerProfile,
)

MAX_PK = 2**31 - 1


class State:
    TO_DECLARE = "to declare"
    CONFLICT = "conflict declared"
    DRAFTING = "drafting"
    SUBMITTED = "submitted"


def reviewer_of(person: Person) -> ReviewerProfile | None:
    """The person's reviewer profile, active or not (an inactive reviewer still finishes what
    they were given), or None. Read through the person, so templates asking
    ``person.reviewer_profile`` afterwards make no query."""
    try:
        return person.reviewer_profile
    except ReviewerProfile.DoesNotExist:
        return None


def _assignments(reviewer: ReviewerProfile) -> QuerySet[ReviewAssignment]:
    declared = ConflictDeclaration.objects.filter(
        reviewer=reviewer, proposal=OuterRef("proposal_id")
    )
    return (
        ReviewAssignment.objects.filter(reviewer=reviewer)
        .select_related("proposal__cycle__program", "due", "review")
        .annotate(declared=Exists(declared))
    )


def state_of(assignment: ReviewAssignment) -> str:
    if getattr(assignment, "declared", False):
        return State.CONFLICT
    review = _review(assignment)
    if review is None:
        return State.TO_DECLARE
    return State.SUBMITTED if review.status == Review.Status.SUBMITTED else State.DRAFTING


def _review(assignment: ReviewAssignment) -> Review | None:
    try:
        return assignment.review
    except Review.DoesNotExist:
        return None


@dataclass(frozen=True)
class AssignmentRow:
    assignment: ReviewAssignment
    state: str
    review: Review | None


def reviewer_assignment_list(reviewer: ReviewerProfile) -> list[AssignmentRow]:
    """The reviewer's assignments, soonest due first, with their states: one query."""
    found = _assignments(reviewer).order_by("due__due_at", "proposal__title", "pk")
    return [AssignmentRow(a, state_of(a), _review(a)) for a in found]


def reviewer_assignment(reviewer: ReviewerProfile, pk: int) -> AssignmentRow | None:
    """One of the reviewer's own assignments, with the proposal's investigators (names and
    institutions), or None when the id is not theirs."""
    if not 0 < pk <= MAX_PK:
        return None
    team = ProposalInvestigator.objects.select_related("person__affiliation").order_by(
        "order", "pk"
    )
    found = (
        _assignments(reviewer)
        .filter(pk=pk)
        .prefetch_related(Prefetch("proposal__investigators", queryset=team, to_attr="team"))
        .first()
    )
    if found is None:
        return None
    return AssignmentRow(found, state_of(found), _review(found))


def declaration_of(assignment: ReviewAssignment) -> ConflictDeclaration | None:
    return ConflictDeclaration.objects.filter(
        reviewer_id=assignment.reviewer_id, proposal_id=assignment.proposal_id
    ).first()
