"""Panels of a cycle: what staff see of each proposal's reviews (ratings, their mean and
spread, conflicts flagged), the panel's summary, its recommendation (acted on through the
proposal workflow), and reopening a submitted review. Confidential: staff only."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Prefetch

from fairprog.errors import DomainError
from proposals.models import Cycle, Proposal
from proposals.models.reviews import (
    RATING_POINTS,
    ConflictDeclaration,
    PanelSummary,
    Rating,
    Review,
    ReviewAssignment,
)
from proposals.services.proposals import proposal_decline, proposal_recommend, proposal_start_review

# A panel shows every proposal of the cycle that went in for review.
ON_PANEL = [
    Proposal.Status.SUBMITTED,
    Proposal.Status.UNDER_REVIEW,
    Proposal.Status.RECOMMENDED,
    Proposal.Status.DECLINED,
    Proposal.Status.AWARDED,
]
SUMMARY_MAX = 20_000


@transaction.atomic
def review_reopen(*, review: Review, user: User | None = None) -> Review:
    """Unlock a submitted review so its reviewer can change it: a draft again."""
    locked = Review.objects.select_for_update().get(pk=review.pk)
    if locked.status != Review.Status.SUBMITTED:
        raise DomainError(f"{review} is a draft already; only a submitted review is reopened.")
    locked.status = Review.Status.DRAFT
    locked.submitted_at = None
    locked.save(update_fields=["status", "submitted_at", "updated_at"])
    review.status, review.submitted_at = locked.status, locked.submitted_at
    return review


@transaction.atomic
def panel_summary_save(*, proposal: Proposal, summary: str, user: User | None) -> PanelSummary:
    """The panel's summary of a proposal, written or replaced."""
    summary = summary.strip()
    if len(summary) > SUMMARY_MAX:
        raise DomainError(
            f"A panel summary is at most {SUMMARY_MAX:,} characters.",
            errors={"summary": [f"At most {SUMMARY_MAX:,} characters."]},
        )
    if "\x00" in summary:
        raise DomainError(
            "A panel summary cannot contain null characters.",
            errors={"summary": ["Null characters are not allowed."]},
        )
    panel, _ = PanelSummary.objects.select_for_update().get_or_create(proposal=proposal)
    panel.summary = summary
    panel.updated_by = user
    panel.save()
    return panel


@transaction.atomic
def panel_decide(*, proposal: Proposal, recommendation: str, user: User | None) -> PanelSummary:
    """Record the panel's recommendation and move the proposal by it: recommended for award
    or declined, through the proposal workflow (which refuses a move it does not allow). A
    proposal still only submitted is put under review first, as the panel has reviewed it."""
    if recommendation not in PanelSummary.Recommendation.values:
        raise DomainError(
            "The panel recommends or declines a proposal.",
            errors={"recommendation": ["Choose recommend or decline."]},
        )
    if proposal.status == Proposal.Status.SUBMITTED:
        proposal_start_review(proposal=proposal)
    if recommendation == PanelSummary.Recommendation.RECOMMEND:
        proposal_recommend(proposal=proposal)
    else:
        proposal_decline(proposal=proposal)
    panel, _ = PanelSummary.objects.select_for_update().get_or_create(proposal=proposal)
    panel.recommendation = recommendation
    panel.updated_by = user
    panel.save()
    return panel


@dataclass
class PanelReview:
    """One reviewer of a proposal on the panel: their review's state and ratings, and the
    conflicts flagged (declared, or overridden by staff with the reason given)."""

    assignment: ReviewAssignment
    review: Review | None
    flags: list[str] = field(default_factory=list)

    @property
    def reviewer(self) -> str:
        return str(self.assignment.reviewer.person)

    @property
    def submitted(self) -> bool:
        return self.review is not None and self.review.status == Review.Status.SUBMITTED

    @property
    def state(self) -> str:
        if self.review is None:
            return "not started"
        return self.review.get_status_display().lower()

    def rating(self, name: str) -> str:
        """A submitted review's rating by its label; nothing while it is a draft."""
        value = getattr(self.review, name, "") if self.submitted else ""
        return Rating(value).label if value else ""

    @property
    def intellectual_merit(self) -> str:
        return self.rating("intellectual_merit")

    @property
    def broader_impacts(self) -> str:
        return self.rating("broader_impacts")

    @property
    def overall(self) -> str:
        return self.rating("overall")

    @property
    def points(self) -> int | None:
        overall = self.review.overall if self.review is not None and self.submitted else ""
        return RATING_POINTS[Rating(overall)] if overall else None


@dataclass
class PanelRow:
    proposal: Proposal
    reviews: list[PanelReview]
    declared: list[str]  # conflicts declared by reviewers, named
    panel: PanelSummary | None

    @property
    def points(self) -> list[int]:
        return [review.points for review in self.reviews if review.points is not None]

    @property
    def mean(self) -> float | None:
        return round(statistics.fmean(self.points), 2) if self.points else None

    @property
    def spread(self) -> int | None:
        """The range of the overall ratings, in points: 0 when the reviewers agree."""
        return max(self.points) - min(self.points) if self.points else None

    @property
    def summary(self) -> str:
        return self.panel.summary if self.panel is not None else ""

    @property
    def recommendation(self) -> str:
        return self.panel.get_recommendation_display() if self.panel is not None else ""


def panel_rows(*, cycle: Cycle) -> list[PanelRow]:
    """Each proposal of the cycle on the panel with its reviews, in three queries whatever
    the number of proposals."""
    assignments = ReviewAssignment.objects.select_related("reviewer__person", "review").order_by(
        "reviewer__person__family_name", "reviewer__person__given_name", "pk"
    )
    proposals = list(
        Proposal.objects.filter(cycle=cycle, status__in=ON_PANEL)
        .select_related("lead_institution", "panel")
        .prefetch_related(Prefetch("assignments", queryset=assignments))
        .order_by("reference", "title", "pk")
    )
    declared: dict[int, list[str]] = defaultdict(list)
    for proposal_id, given, family, reason in ConflictDeclaration.objects.filter(
        proposal__in=proposals
    ).values_list(
        "proposal_id", "reviewer__person__given_name", "reviewer__person__family_name", "reason"
    ):
        declared[proposal_id].append(f"{given} {family}".strip() + f" declared: {reason}")
    rows = []
    for proposal in proposals:
        reviews = []
        for assignment in proposal.assignments.all():
            review = getattr(assignment, "review", None)
            flags = []
            if assignment.override_reason:
                reasons = "; ".join(c.get("reason", "") for c in assignment.overridden_conflicts)
                flags.append(f"assigned despite: {reasons} (reason: {assignment.override_reason})")
            reviews.append(PanelReview(assignment=assignment, review=review, flags=flags))
        panel = getattr(proposal, "panel", None)
        rows.append(PanelRow(proposal, reviews, declared[proposal.pk], panel))
    return rows


# The columns of the ratings export, one row per reviewer of each proposal.
EXPORT_HEADERS = [
    "proposal id",
    "reference",
    "title",
    "status",
    "reviewer",
    "review",
    "intellectual merit",
    "broader impacts",
    "overall",
    "overall points",
    "proposal mean",
    "proposal spread",
    "conflicts flagged",
    "panel recommendation",
]


def panel_export_rows(rows: list[PanelRow]) -> list[list[object]]:
    """The ratings of the panel as rows of cells (made safe by the writers)."""
    out: list[list[object]] = []
    for row in rows:
        proposal = row.proposal
        head: list[object] = [
            proposal.pk,
            proposal.reference,
            proposal.title,
            proposal.get_status_display(),
        ]
        tail: list[object] = [
            "" if row.mean is None else row.mean,
            "" if row.spread is None else row.spread,
        ]
        if not row.reviews:
            out.append([*head, "", "", "", "", "", "", *tail, "; ".join(row.declared),
                        row.recommendation])  # fmt: skip
        for review in row.reviews:
            out.append(
                [
                    *head,
                    review.reviewer,
                    review.state,
                    review.rating("intellectual_merit"),
                    review.rating("broader_impacts"),
                    review.rating("overall"),
                    "" if review.points is None else review.points,
                    *tail,
                    "; ".join([*review.flags, *row.declared]),
                    row.recommendation,
                ]
            )
    return out
