"""What funded teams submit: a draft artifact submitted for review is the artifact itself (its
status says where it stands); an edit of a published artifact is a revision that waits beside
it, the public record unchanged until staff approve. Every staff decision is kept with who made
it and the message the submitter was sent."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from artifacts.models.catalogue import Artifact


class ArtifactRevision(models.Model):
    """A researcher's edit of a published artifact, waiting for staff: the artifact's editable
    fields as the researcher left them (``fields``: scalar fields by name; dimensions, tasks and
    creators as ids, creators in order; sensitive attributes as rows)."""

    class State(models.TextChoices):
        PENDING = "pending", "Waiting for review"
        APPROVED = "approved", "Approved"
        CHANGES_REQUESTED = "changes", "Changes requested"
        REJECTED = "rejected", "Rejected"
        SUPERSEDED = "superseded", "Replaced by a later edit"

    artifact = models.ForeignKey(Artifact, on_delete=models.CASCADE, related_name="revisions")
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="artifact_revisions"
    )
    proposed_at = models.DateTimeField(auto_now_add=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    fields = models.JSONField(default=dict)
    dimension_ids = models.JSONField(default=list)
    task_ids = models.JSONField(default=list)
    creator_ids = models.JSONField(default=list)
    # [[dimension id, how obtained, note], …]; null for an edit made before they were
    # recorded, which leaves the artifact's sensitive attributes as they are.
    sensitive_attributes = models.JSONField(null=True, blank=True)
    note = models.TextField(blank=True, help_text="What the researcher says about the edit.")

    class Meta:
        ordering = ["-proposed_at"]
        constraints = [
            # One edit waits per artifact: a later one replaces it.
            models.UniqueConstraint(
                fields=["artifact"], condition=Q(state="pending"), name="revision_one_pending"
            )
        ]
        permissions = [("review_submissions", "Can review researchers' submissions and edits")]

    def __str__(self) -> str:
        return f"Edit of {self.artifact} ({self.get_state_display()})"


class ReviewDecision(models.Model):
    """A staff decision on a submitted artifact or on an edit, with the message sent."""

    class Decision(models.TextChoices):
        APPROVED = "approved", "Approved"
        CHANGES_REQUESTED = "changes", "Changes requested"
        REJECTED = "rejected", "Rejected"

    artifact = models.ForeignKey(Artifact, on_delete=models.CASCADE, related_name="decisions")
    revision = models.ForeignKey(
        ArtifactRevision,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="decisions",
    )
    decision = models.CharField(max_length=10, choices=Decision.choices)
    message = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="review_decisions"
    )
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-decided_at"]

    def __str__(self) -> str:
        what = "edit" if self.revision_id else "submission"
        return f"{self.get_decision_display()}: {what} of {self.artifact}"


class SubmittedArtifactManager(models.Manager["Submission"]):
    def get_queryset(self) -> models.QuerySet[Submission]:
        return super().get_queryset().filter(status=Artifact.Status.SUBMITTED)


class Submission(Artifact):
    """The staff's view of the artifacts researchers submitted for review."""

    objects = SubmittedArtifactManager()  # type: ignore[misc]

    class Meta:
        proxy = True
        verbose_name = "submitted artifact"
        verbose_name_plural = "submitted artifacts"
