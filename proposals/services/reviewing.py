"""What a reviewer does with an assignment: declare a conflict (with a reason; the review then
cannot be written, and staff see the declaration), or say they have none (the draft review is
made then, so its creation time records when they said it), save the draft, and submit it
(the three ratings and the summary needed; locked afterwards, only staff reopen it). Each call
checks that the assignment is the reviewer's own."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from fairprog.errors import DomainError
from proposals.models import ConflictDeclaration, Rating, Review, ReviewAssignment, ReviewerProfile

REASON_LIMIT = 5_000
TEXT_LIMIT = 50_000
RATINGS = ("intellectual_merit", "broader_impacts", "overall")
TEXTS = ("strengths", "weaknesses", "summary", "comments_to_staff")
LABELS = {
    "intellectual_merit": "Intellectual merit",
    "broader_impacts": "Broader impacts",
    "overall": "Overall rating",
    "summary": "Summary",
}
NOT_YOURS = "No such assignment of yours."


def _own(assignment: ReviewAssignment, reviewer: ReviewerProfile) -> ReviewAssignment:
    """The assignment, locked, when it is the reviewer's; refused otherwise."""
    locked = (
        ReviewAssignment.objects.select_for_update()
        .filter(pk=assignment.pk, reviewer=reviewer)
        .first()
    )
    if locked is None:
        raise DomainError(NOT_YOURS)
    return locked


def _declared(assignment: ReviewAssignment) -> bool:
    return ConflictDeclaration.objects.filter(
        reviewer_id=assignment.reviewer_id, proposal_id=assignment.proposal_id
    ).exists()


def _review_of(assignment: ReviewAssignment) -> Review | None:
    return Review.objects.select_for_update().filter(assignment=assignment).first()


@transaction.atomic
def conflict_declare(
    *, assignment: ReviewAssignment, reviewer: ReviewerProfile, reason: str
) -> ConflictDeclaration:
    """The reviewer's word that they are in conflict with the proposal, and why. The
    assignment stays (staff decide what to do); no review can be written for it."""
    own = _own(assignment, reviewer)
    text = reason.replace("\x00", "").strip()
    if not text:
        raise DomainError("Say why you are in conflict.", errors={"reason": ["Say why."]})
    if len(text) > REASON_LIMIT:
        message = f"Keep the reason under {REASON_LIMIT:,} characters."
        raise DomainError(message, errors={"reason": [message]})
    if _declared(own):
        raise DomainError("You already declared a conflict with this proposal.")
    review = _review_of(own)
    if review is not None and review.status == Review.Status.SUBMITTED:
        raise DomainError("Your review is submitted; write to the program staff instead.")
    return ConflictDeclaration.objects.create(
        proposal_id=own.proposal_id, reviewer=reviewer, reason=text
    )


@transaction.atomic
def conflict_none(*, assignment: ReviewAssignment, reviewer: ReviewerProfile) -> Review:
    """The reviewer says they have no conflict: their draft review is made now (its creation
    is the record of when they said so) and the abstract is shown to them."""
    own = _own(assignment, reviewer)
    if _declared(own):
        raise DomainError("You declared a conflict with this proposal: it cannot be reviewed.")
    review = _review_of(own)
    if review is not None:
        return review
    return Review.objects.create(assignment=own)


def _checked(values: dict[str, str]) -> dict[str, str]:
    """Known fields only; ratings one of E/V/G/F/P or empty; texts within their limit."""
    unknown = set(values) - set(RATINGS) - set(TEXTS)
    if unknown:
        raise DomainError(f"Unknown fields: {', '.join(sorted(unknown))}.")
    errors: dict[str, list[str]] = {}
    clean: dict[str, str] = {}
    for name, value in values.items():
        text = str(value).replace("\x00", "").strip()
        if name in RATINGS and text and text not in Rating.values:
            errors[name] = ["Choose one of Excellent, Very good, Good, Fair or Poor."]
        elif len(text) > TEXT_LIMIT:
            errors[name] = [f"Keep it under {TEXT_LIMIT:,} characters."]
        clean[name] = text
    if errors:
        raise DomainError("The review has problems; see each field.", errors=errors)
    return clean


def _editable(assignment: ReviewAssignment, reviewer: ReviewerProfile) -> Review:
    own = _own(assignment, reviewer)
    if _declared(own):
        raise DomainError("You declared a conflict with this proposal: it cannot be reviewed.")
    review = _review_of(own)
    if review is None:
        raise DomainError("Say first whether you have a conflict with this proposal.")
    if review.status == Review.Status.SUBMITTED:
        raise DomainError("Your review is submitted and locked; the program staff can reopen it.")
    return review


@transaction.atomic
def review_save(
    *, assignment: ReviewAssignment, reviewer: ReviewerProfile, **values: str
) -> Review:
    """Keep the draft as it stands; nothing is required yet."""
    review = _editable(assignment, reviewer)
    for name, value in _checked(values).items():
        setattr(review, name, value)
    review.save()
    return review


@transaction.atomic
def review_submit(
    *, assignment: ReviewAssignment, reviewer: ReviewerProfile, **values: str
) -> Review:
    """Save and submit: the three ratings and the summary are needed, each missing one named.
    Submitted, the review is locked."""
    review = _editable(assignment, reviewer)
    for name, value in _checked(values).items():
        setattr(review, name, value)
    missing = {
        name: [f"{LABELS[name]} is needed to submit."]
        for name in (*RATINGS, "summary")
        if not getattr(review, name)
    }
    if missing:
        names = ", ".join(LABELS[name].lower() for name in missing)
        raise DomainError(f"To submit, give the {names}.", errors=missing)
    review.status = Review.Status.SUBMITTED
    review.submitted_at = timezone.now()
    review.save()
    return review
