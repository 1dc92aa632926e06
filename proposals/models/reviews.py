"""Merit review of proposals: reviewers (a Person with a reviewer profile), their assignments to
proposals, conflicts they declare, and their reviews on NSF's form. Confidential: staff and the
reviewer concerned only, never public, never shown to the proposal's investigators."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from proposals.models.deadlines import Deadline
from proposals.models.programs import Organization, Person
from proposals.models.proposals import Proposal


class ReviewerProfile(models.Model):
    """A person who reviews: what they know, where they work now, whether they are asked."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="reviewer_profile")
    expertise = models.JSONField(
        default=list, blank=True, help_text="Expertise keywords, matched against proposals."
    )
    institution = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reviewers",
        help_text="Current institution; the person's affiliation when empty.",
    )
    active = models.BooleanField(default=True, help_text="Asked to review.")

    class Meta:
        ordering = ["person__family_name", "person__given_name"]

    def __str__(self) -> str:
        return str(self.person)


class Rating(models.TextChoices):
    EXCELLENT = "E", "Excellent"
    VERY_GOOD = "V", "Very good"
    GOOD = "G", "Good"
    FAIR = "F", "Fair"
    POOR = "P", "Poor"


# Points of each rating, for the panel's mean and spread.
RATING_POINTS = {Rating.EXCELLENT: 5, Rating.VERY_GOOD: 4, Rating.GOOD: 3, Rating.FAIR: 2,
                 Rating.POOR: 1}  # fmt: skip


class ReviewAssignment(models.Model):
    """A reviewer asked to review a proposal, by a due date (a staff-only deadline of the
    cycle). ``override_reason`` is set when staff assigned despite the conflicts listed in
    ``overridden_conflicts``."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="assignments")
    reviewer = models.ForeignKey(
        ReviewerProfile, on_delete=models.PROTECT, related_name="assignments"
    )
    due = models.ForeignKey(
        Deadline, null=True, blank=True, on_delete=models.SET_NULL, related_name="assignments"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_at = models.DateTimeField(auto_now_add=True)
    overridden_conflicts = models.JSONField(default=list, blank=True)
    override_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["proposal", "reviewer"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "reviewer"], name="assignment_once"),
            models.CheckConstraint(
                condition=models.Q(overridden_conflicts=[]) | ~models.Q(override_reason=""),
                name="assignment_override_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer} on {self.proposal}"


class ConflictDeclaration(models.Model):
    """A reviewer's own word that they are in conflict with a proposal, and why."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="declarations")
    reviewer = models.ForeignKey(
        ReviewerProfile, on_delete=models.CASCADE, related_name="declarations"
    )
    reason = models.TextField()
    declared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-declared_at"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "reviewer"], name="declaration_once")
        ]

    def __str__(self) -> str:
        return f"{self.reviewer} declared a conflict with {self.proposal}"


class Review(models.Model):
    """A reviewer's review on NSF's form: kept as a draft, locked once submitted (staff can
    reopen it)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"

    assignment = models.OneToOneField(
        ReviewAssignment, on_delete=models.CASCADE, related_name="review"
    )
    intellectual_merit = models.CharField(max_length=1, choices=Rating.choices, blank=True)
    broader_impacts = models.CharField(max_length=1, choices=Rating.choices, blank=True)
    overall = models.CharField(max_length=1, choices=Rating.choices, blank=True)
    strengths = models.TextField(blank=True)
    weaknesses = models.TextField(blank=True)
    summary = models.TextField(blank=True)
    comments_to_staff = models.TextField(blank=True, help_text="Never shown to the applicants.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    submitted_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Review of {self.assignment.proposal} by {self.assignment.reviewer}"


class PanelSummary(models.Model):
    """The panel's word on a proposal: its summary and what it recommends to the program
    officer (acted on through the proposal services)."""

    class Recommendation(models.TextChoices):
        RECOMMEND = "recommend", "Recommend"
        DECLINE = "decline", "Decline"

    proposal = models.OneToOneField(Proposal, on_delete=models.CASCADE, related_name="panel")
    summary = models.TextField(blank=True)
    recommendation = models.CharField(max_length=10, choices=Recommendation.choices, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "panel summaries"

    def __str__(self) -> str:
        return f"Panel summary of {self.proposal}"
