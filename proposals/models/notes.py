"""Staff's internal notes and attached files on proposals and awards. Confidential: staff only."""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.db import models
from django.db.models import Q

from proposals.models.awards import Award
from proposals.models.proposals import Proposal

# A note or an attachment belongs to exactly one proposal or one award.
ONE_TARGET = Q(proposal__isnull=False, award__isnull=True) | Q(
    proposal__isnull=True, award__isnull=False
)


def attachment_storage() -> Storage:
    """Where attached files are kept (STORAGES["attachments"]): never under MEDIA_URL or
    static, read back only through the admin's download view."""
    return storages["attachments"]


class NoteFormat(models.TextChoices):
    PLAIN = "plain", "Plain text"
    MARKDOWN = "markdown", "Markdown"


class AttachmentKind(models.TextChoices):
    PROPOSAL = "proposal", "Proposal document"
    BUDGET = "budget", "Budget"
    REPORT = "report", "Report"
    OTHER = "other", "Other"


class InternalNote(models.Model):
    """One note of the staff's thread on a proposal or an award; never edited once written."""

    Format = NoteFormat

    proposal = models.ForeignKey(
        Proposal, null=True, blank=True, on_delete=models.CASCADE, related_name="notes"
    )
    award = models.ForeignKey(
        Award, null=True, blank=True, on_delete=models.CASCADE, related_name="notes"
    )
    # PROTECT: who wrote a note stays known; staff who leave are deactivated, not deleted.
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    text_format = models.CharField(
        "format", max_length=10, choices=Format.choices, default=Format.PLAIN
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "internal note"
        constraints = [models.CheckConstraint(condition=ONE_TARGET, name="note_one_target")]

    def __str__(self) -> str:
        return f"Note by {self.author} ({self.created_at:%Y-%m-%d})"


class Attachment(models.Model):
    """A file attached to a proposal or an award, kept in the attachments storage under a
    name of our own; the uploaded name is kept (sanitised) for the download only."""

    Kind = AttachmentKind

    # PROTECT: a record with files is deleted after its files, so none is left behind.
    proposal = models.ForeignKey(
        Proposal, null=True, blank=True, on_delete=models.PROTECT, related_name="attachments"
    )
    award = models.ForeignKey(
        Award, null=True, blank=True, on_delete=models.PROTECT, related_name="attachments"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.OTHER)
    original_name = models.CharField("file name", max_length=200)
    stored_name = models.CharField(max_length=255, unique=True, editable=False)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(help_text="In bytes.")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        constraints = [models.CheckConstraint(condition=ONE_TARGET, name="attachment_one_target")]

    def __str__(self) -> str:
        return self.original_name

    @property
    def target(self) -> Proposal | Award | None:
        return self.proposal or self.award
