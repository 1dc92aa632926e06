"""The vocabularies of program records: every status, kind and role a record may take, in
one place. The models name them as before (``Proposal.Status``, ``Deadline.Kind``, …)."""

from __future__ import annotations

from django.db import models


class OrganizationKind(models.TextChoices):
    INSTITUTION = "institution", "Research institution"
    FUNDER = "funder", "Funder"
    COMPANY = "company", "Company"
    OTHER = "other", "Other"


class CycleStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"
    IN_REVIEW = "in_review", "In review"
    AWARDED = "awarded", "Awarded"


class ProposalStatus(models.TextChoices):
    """Where a proposal is in review; only the workflow services move it."""

    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    UNDER_REVIEW = "under_review", "Under review"
    RECOMMENDED = "recommended", "Recommended"
    DECLINED = "declined", "Declined"
    AWARDED = "awarded", "Awarded"
    WITHDRAWN = "withdrawn", "Withdrawn"


class ProposalRole(models.TextChoices):
    PI = "pi", "Principal investigator"
    CO_PI = "co_pi", "Co-principal investigator"
    SENIOR = "senior", "Senior personnel"


class AwardRole(models.TextChoices):
    """An award keeps its former investigators, as NSF records them."""

    PI = "pi", "Principal investigator"
    CO_PI = "co_pi", "Co-principal investigator"
    FORMER_PI = "former_pi", "Former principal investigator"
    FORMER_CO_PI = "former_co_pi", "Former co-principal investigator"


class DeadlineKind(models.TextChoices):
    LETTER_OF_INTENT = "letter_of_intent", "Letter of intent"
    FULL_PROPOSAL = "full_proposal", "Full proposal"
    REVIEW_DUE = "review_due", "Reviews due"
    DECISION = "decision", "Decision"
    ANNUAL_REPORT = "annual_report", "Annual report"
    FINAL_REPORT = "final_report", "Final report"
    OTHER = "other", "Other"


class DeadlineTimeRule(models.TextChoices):
    """By which clock a deadline falls due (NSF's: the submitter's own)."""

    SUBMITTER_LOCAL = "submitter_local", "Submitter's local time"
    FIXED_ZONE = "fixed_zone", "Fixed time zone"


class DeadlineVisibility(models.TextChoices):
    PUBLIC = "public", "Public"
    STAFF = "staff", "Staff only"


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    INTERRUPTED = "interrupted", "Interrupted"


class DeliveryKind(models.TextChoices):
    REMINDER = "reminder", "Reminder"
    CHANGED = "changed", "Deadline changed"


class DeliveryState(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    MISSED = "missed", "Missed"
    CANCELLED = "cancelled", "Cancelled"
