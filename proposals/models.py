"""Program records: programs, cycles, deadlines, organizations, people, proposals, awards."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import Storage, storages
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from proposals.validators import (
    validate_orcid,
    validate_reminder_offsets,
    validate_ror,
    validate_single_line,
)

DEFAULT_REMINDER_OFFSETS = [30, 7, 1]
NON_NEGATIVE = [MinValueValidator(Decimal("0"))]


def default_reminder_offsets() -> list[int]:
    return list(DEFAULT_REMINDER_OFFSETS)


def default_time_zone() -> str:
    return str(settings.TIME_ZONE)


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            "%(value)s is not a known time zone; use an IANA name such as America/New_York.",
            code="time_zone",
            params={"value": value},
        )


class Organization(models.Model):
    class Kind(models.TextChoices):
        INSTITUTION = "institution", "Research institution"
        FUNDER = "funder", "Funder"
        COMPANY = "company", "Company"
        OTHER = "other", "Other"

    name = models.CharField(max_length=255)
    name_key = models.CharField(
        max_length=255,
        db_index=True,
        default="",
        editable=False,
        help_text="Normalised name for matching.",
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.INSTITUTION)
    ror_id = models.CharField(
        "ROR id",
        max_length=9,
        blank=True,
        validators=[validate_ror],
        help_text="Research Organization Registry id, e.g. 03yrm5c26.",
    )
    city = models.CharField(max_length=120, blank=True)
    state = models.CharField("state or region", max_length=120, blank=True)
    country = models.CharField(max_length=120, blank=True)
    website = models.URLField(blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["ror_id"], condition=~Q(ror_id=""), name="organization_ror_id_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    given_name = models.CharField(max_length=120)
    family_name = models.CharField(max_length=120)
    email = models.EmailField(blank=True, help_text="Private: never shown outside the admin.")
    orcid = models.CharField(
        "ORCID iD",
        max_length=19,
        blank=True,
        validators=[validate_orcid],
        help_text="e.g. 0000-0002-1825-0097; the check digit is verified.",
    )
    affiliation = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="people"
    )
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_time_zone],
        help_text="Where the person works, for deadline reminders.",
    )
    nsf_id = models.CharField("NSF id", max_length=20, blank=True)
    reminders_opt_out = models.BooleanField(
        "no reminders",
        default=False,
        help_text="Set when the person used the unsubscribe link of a reminder.",
    )
    name_key = models.CharField(
        max_length=255,
        db_index=True,
        default="",
        editable=False,
        help_text="Normalised name for matching.",
    )

    class Meta:
        ordering = ["family_name", "given_name"]
        verbose_name_plural = "people"
        constraints = [
            models.UniqueConstraint(
                fields=["orcid"], condition=~Q(orcid=""), name="person_orcid_unique"
            ),
            models.UniqueConstraint(
                fields=["nsf_id"], condition=~Q(nsf_id=""), name="person_nsf_id_unique"
            ),
        ]
        indexes = [models.Index(fields=["email"], name="person_email_idx")]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()


class Program(models.Model):
    name = models.CharField(max_length=255)
    short_name = models.CharField(max_length=20, unique=True, help_text="e.g. FAI")
    slug = models.SlugField(unique=True)
    description = models.TextField(blank=True)
    url = models.URLField(blank=True)
    funders = models.ManyToManyField(Organization, blank=True, related_name="funded_programs")
    program_elements: models.ManyToManyField[ProgramElement, Any] = models.ManyToManyField(
        "ProgramElement",
        blank=True,
        related_name="programs",
        help_text="NSF program element codes whose awards belong to this program (FAI: 114Y).",
    )
    total_budget = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, validators=NON_NEGATIVE
    )
    time_zone = models.CharField(
        max_length=64, default=default_time_zone, validators=[validate_time_zone]
    )
    reminder_offsets = models.JSONField(
        "default reminder offsets",
        default=default_reminder_offsets,
        validators=[validate_reminder_offsets],
        help_text="Days before a deadline to send reminders, for new deadlines of this program.",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(total_budget__gte=0) | Q(total_budget__isnull=True),
                name="program_budget_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ProgramElement(models.Model):
    """An NSF program element code (e.g. 114Y, Fairness in Artificial Intelligence)."""

    code = models.CharField(max_length=4, unique=True)
    name = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}".strip()


class Cycle(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"
        IN_REVIEW = "in_review", "In review"
        AWARDED = "awarded", "Awarded"

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="cycles")
    year = models.PositiveSmallIntegerField()
    solicitation_number = models.CharField(max_length=40, help_text='e.g. "NSF 20-566"')
    title = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PLANNED)
    budget = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, validators=NON_NEGATIVE
    )
    anticipated_awards_min = models.PositiveSmallIntegerField(null=True, blank=True)
    anticipated_awards_max = models.PositiveSmallIntegerField(null=True, blank=True)
    award_size_min = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, validators=NON_NEGATIVE
    )
    award_size_max = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, validators=NON_NEGATIVE
    )
    url = models.URLField("solicitation URL", blank=True)

    class Meta:
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["program", "year"], name="cycle_one_per_program_year"),
            models.UniqueConstraint(
                fields=["program", "solicitation_number"], name="cycle_solicitation_unique"
            ),
            models.CheckConstraint(
                condition=Q(budget__gte=0) | Q(budget__isnull=True),
                name="cycle_budget_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(award_size_min__isnull=True)
                | Q(award_size_max__isnull=True)
                | Q(award_size_min__lte=F("award_size_max")),
                name="cycle_award_size_range",
            ),
            models.CheckConstraint(
                condition=Q(anticipated_awards_min__isnull=True)
                | Q(anticipated_awards_max__isnull=True)
                | Q(anticipated_awards_min__lte=F("anticipated_awards_max")),
                name="cycle_anticipated_awards_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.solicitation_number} ({self.year})"


class Proposal(models.Model):
    """A proposal received in a cycle. Confidential: staff only, never public."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        UNDER_REVIEW = "under_review", "Under review"
        RECOMMENDED = "recommended", "Recommended"
        DECLINED = "declined", "Declined"
        AWARDED = "awarded", "Awarded"
        WITHDRAWN = "withdrawn", "Withdrawn"

    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="proposals")
    reference = models.CharField(
        max_length=40, blank=True, help_text="The funder's proposal number, when known."
    )
    title = models.CharField(max_length=400)
    abstract = models.TextField(blank=True)
    lead_institution = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="lead_proposals"
    )
    requested_amount = models.DecimalField(
        max_digits=12, decimal_places=2, default=Decimal("0"), validators=NON_NEGATIVE
    )
    duration_months = models.PositiveSmallIntegerField(null=True, blank=True)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.DRAFT, editable=False
    )
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False)
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    decision_note = models.TextField(blank=True, help_text="Staff notes on the decision.")
    is_demo = models.BooleanField(default=False, help_text="Fictional record from demo data.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(requested_amount__gte=0), name="proposal_requested_non_negative"
            ),
            models.UniqueConstraint(
                fields=["reference"], condition=~Q(reference=""), name="proposal_reference_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ProposalInvestigator(models.Model):
    class Role(models.TextChoices):
        PI = "pi", "Principal investigator"
        CO_PI = "co_pi", "Co-principal investigator"
        SENIOR = "senior", "Senior personnel"

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="investigators")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="proposal_roles")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.CO_PI)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "person"], name="proposal_investigator_once"
            ),
            models.UniqueConstraint(
                fields=["proposal"], condition=Q(role="pi"), name="proposal_one_pi"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_role_display()})"


class Award(models.Model):
    """A funded project. Public, except for the link to its proposal."""

    # The award's terms as the funder records them: one list for the admin export, the
    # API, the hand-editing service and the importer, so a new term is added once.
    TERMS = (
        "instrument",
        "intended_amount",
        "awarded_amount",
        "obligated_amount",
        "start_date",
        "end_date",
        "program_officer",
    )

    award_number = models.CharField(
        max_length=16,
        unique=True,
        validators=[RegexValidator(r"^\d{7}$", "An NSF award number is seven digits.")],
    )
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="awards")
    cycle = models.ForeignKey(
        Cycle, null=True, blank=True, on_delete=models.SET_NULL, related_name="awards"
    )
    proposal = models.OneToOneField(
        Proposal, null=True, blank=True, on_delete=models.SET_NULL, related_name="award"
    )
    title = models.CharField(max_length=400)
    abstract = models.TextField("public abstract", blank=True)
    institution = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="awards"
    )
    instrument = models.CharField(max_length=80, blank=True, help_text="e.g. Standard Grant")
    intended_amount = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, validators=NON_NEGATIVE
    )
    awarded_amount = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, validators=NON_NEGATIVE
    )
    obligated_amount = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, validators=NON_NEGATIVE
    )
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    program_elements = models.ManyToManyField(ProgramElement, blank=True, related_name="awards")
    program_officer = models.CharField(max_length=200, blank=True)
    directorate = models.CharField(max_length=200, blank=True)
    division = models.CharField(max_length=200, blank=True)
    collaboration_key = models.CharField(
        max_length=400,
        blank=True,
        db_index=True,
        help_text="Shared by the records of one collaborative project (one per institution).",
    )
    nsf_first_amended = models.DateField("first award letter", null=True, blank=True)
    nsf_last_amended = models.DateField("latest amendment", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-start_date", "award_number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(end_date__isnull=True)
                | Q(end_date__gt=F("start_date")),
                name="award_ends_after_start",
            ),
            models.CheckConstraint(
                condition=(Q(intended_amount__gte=0) | Q(intended_amount__isnull=True))
                & (Q(awarded_amount__gte=0) | Q(awarded_amount__isnull=True))
                & (Q(obligated_amount__gte=0) | Q(obligated_amount__isnull=True)),
                name="award_amounts_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.award_number} {self.title}"

    @property
    def is_collaborative(self) -> bool:
        return bool(self.collaboration_key)


class AwardInvestigator(models.Model):
    class Role(models.TextChoices):
        PI = "pi", "Principal investigator"
        CO_PI = "co_pi", "Co-principal investigator"
        FORMER_PI = "former_pi", "Former principal investigator"
        FORMER_CO_PI = "former_co_pi", "Former co-principal investigator"

    award = models.ForeignKey(Award, on_delete=models.CASCADE, related_name="investigators")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="award_roles")
    role = models.CharField(max_length=15, choices=Role.choices, default=Role.CO_PI)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["award", "person", "role"], name="award_investigator_role_once"
            ),
            models.UniqueConstraint(fields=["award"], condition=Q(role="pi"), name="award_one_pi"),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_role_display()})"


class Deadline(models.Model):
    """A dated obligation of a cycle (proposals due, reviews due) or of an award (reports)."""

    class Kind(models.TextChoices):
        LETTER_OF_INTENT = "letter_of_intent", "Letter of intent"
        FULL_PROPOSAL = "full_proposal", "Full proposal"
        REVIEW_DUE = "review_due", "Reviews due"
        DECISION = "decision", "Decision"
        ANNUAL_REPORT = "annual_report", "Annual report"
        FINAL_REPORT = "final_report", "Final report"
        OTHER = "other", "Other"

    class TimeRule(models.TextChoices):
        SUBMITTER_LOCAL = "submitter_local", "Submitter's local time"
        FIXED_ZONE = "fixed_zone", "Fixed time zone"

    class Visibility(models.TextChoices):
        PUBLIC = "public", "Public"
        STAFF = "staff", "Staff only"

    cycle = models.ForeignKey(
        Cycle, null=True, blank=True, on_delete=models.CASCADE, related_name="deadlines"
    )
    award = models.ForeignKey(
        Award, null=True, blank=True, on_delete=models.CASCADE, related_name="deadlines"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # The label is the subject line of every reminder of this deadline.
    label = models.CharField(max_length=200, blank=True, validators=[validate_single_line])
    due_date = models.DateField()
    due_time = models.TimeField(default=dt.time(17, 0))
    time_rule = models.CharField(
        max_length=20,
        choices=TimeRule.choices,
        default=TimeRule.SUBMITTER_LOCAL,
        help_text="NSF deadlines are 5 p.m. in the submitter's local time.",
    )
    time_zone = models.CharField(
        max_length=64,
        default=default_time_zone,
        validators=[validate_time_zone],
        help_text="The zone of a fixed-zone deadline; for a local-time rule, the reference zone.",
    )
    due_at = models.DateTimeField(
        db_index=True,
        editable=False,
        help_text="The instant in the reference time zone, derived from date, time and zone.",
    )
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    reminder_offsets = models.JSONField(
        default=default_reminder_offsets,
        validators=[validate_reminder_offsets],
        help_text="Days before the deadline to send reminders, e.g. [30, 7, 1].",
    )
    notes = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(cycle__isnull=False, award__isnull=True)
                | Q(cycle__isnull=True, award__isnull=False),
                name="deadline_belongs_to_cycle_or_award",
            ),
        ]

    def __str__(self) -> str:
        owner = self.cycle or self.award
        return f"{self.label or self.get_kind_display()}, {owner} ({self.due_date:%Y-%m-%d})"

    def due_at_in(self, zone: dt.tzinfo) -> dt.datetime:
        """The instant this deadline falls due for someone working in ``zone``."""
        if self.time_rule == self.TimeRule.SUBMITTER_LOCAL:
            return dt.datetime.combine(self.due_date, self.due_time, tzinfo=zone)
        return dt.datetime.combine(
            self.due_date, self.due_time, tzinfo=zoneinfo.ZoneInfo(self.time_zone)
        )

    @property
    def rule_text(self) -> str:
        """How the deadline is stated, e.g. "5 p.m. submitter's local time"."""
        clock = _clock_text(self.due_time)
        if self.time_rule == self.TimeRule.SUBMITTER_LOCAL:
            return f"{clock} submitter's local time"
        return f"{clock} {self.time_zone}"


def _clock_text(value: dt.time) -> str:
    hour = value.hour % 12 or 12
    suffix = "a.m." if value.hour < 12 else "p.m."
    if value.minute:
        return f"{hour}:{value.minute:02d} {suffix}"
    return f"{hour} {suffix}"


def import_storage() -> Storage:
    """Where uploads wait for their import (STORAGES["imports"]; shared by web and workers)."""
    return storages["imports"]


class ImportRun(models.Model):
    """One import of NSF award data, started from the admin and run by a worker."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        INTERRUPTED = "interrupted", "Interrupted"

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="import_runs")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    queued_at = models.DateTimeField(
        null=True, blank=True, help_text="When its task was last sent to the workers."
    )
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="Last sign of life of the worker running it."
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    phase = models.CharField(max_length=80, blank=True)
    filename = models.CharField(max_length=255)
    upload = models.FileField(
        upload_to="%Y/%m/",
        storage=import_storage,
        max_length=255,
        blank=True,
        editable=False,
        help_text="The uploaded file, kept until it is imported.",
    )
    rerun_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reruns",
        help_text="The run this one runs again.",
    )
    skip_bad = models.BooleanField(default=False)
    dry_run = models.BooleanField(default=False)
    import_all = models.BooleanField(
        default=False, help_text="Import every award, whatever its program element."
    )
    documents_total = models.PositiveIntegerField(default=0)
    documents_done = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Import of {self.filename} ({self.get_status_display().lower()})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED, self.Status.INTERRUPTED)


class ReminderSubscription(models.Model):
    """Someone who asked for e-mail reminders of a program's public deadlines (or of one
    cycle's). The address is private and used only once confirmed (double opt-in)."""

    email = models.EmailField(help_text="Private: never shown outside the admin.")
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="subscriptions")
    cycle = models.ForeignKey(
        Cycle,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="subscriptions",
        help_text="Empty: every cycle of the program.",
    )
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_time_zone],
        help_text="For deadlines in local time; empty means the program's time zone.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    confirmed_at = models.DateTimeField(null=True, blank=True, editable=False)
    unsubscribed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["email", "program"],
                condition=Q(cycle__isnull=True),
                name="subscription_once_per_program",
            ),
            models.UniqueConstraint(
                fields=["email", "cycle"],
                condition=Q(cycle__isnull=False),
                name="subscription_once_per_cycle",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.cycle or self.program}"

    @property
    def is_active(self) -> bool:
        return self.confirmed_at is not None and self.unsubscribed_at is None


class ReminderDelivery(models.Model):
    """One e-mail about one deadline to one recipient: the reminder at one offset, or the
    notice that the deadline moved. Its unique constraints are what make sending
    idempotent: a scan or a task that runs twice finds the row already there."""

    class Kind(models.TextChoices):
        REMINDER = "reminder", "Reminder"
        CHANGED = "changed", "Deadline changed"

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        MISSED = "missed", "Missed"
        CANCELLED = "cancelled", "Cancelled"

    deadline = models.ForeignKey(Deadline, on_delete=models.CASCADE, related_name="deliveries")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.REMINDER)
    recipient = models.CharField(
        max_length=40, help_text='Who, as "staff:<user id>", "person:<id>" or "subscriber:<id>".'
    )
    email = models.EmailField()
    # The recipient's record, read in the same query as the delivery when it is sent.
    person = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    subscription = models.ForeignKey(
        ReminderSubscription,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deliveries",
        db_index=False,
    )
    time_zone = models.CharField(max_length=64)
    offset_days = models.PositiveSmallIntegerField(null=True, blank=True)
    due_at = models.DateTimeField(help_text="The deadline for this recipient, when planned.")
    send_at = models.DateTimeField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    resends = models.PositiveSmallIntegerField(
        default=0, help_text="Times staff asked to send it again."
    )
    last_error = models.TextField(blank=True)
    message_id = models.CharField("Message-ID", max_length=255, blank=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-send_at", "-id"]
        verbose_name_plural = "reminder deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["deadline", "recipient", "offset_days"],
                condition=Q(kind="reminder"),
                name="reminder_once_per_offset",
            ),
            models.UniqueConstraint(
                fields=["deadline", "recipient", "due_at"],
                condition=Q(kind="changed"),
                name="change_notice_once_per_instant",
            ),
            models.CheckConstraint(
                condition=Q(kind="changed") | Q(offset_days__isnull=False),
                name="reminder_has_offset",
            ),
        ]
        # No index on state (nor on the recipient records): marking a delivery sent then
        # changes no indexed column, so PostgreSQL updates the row in place (a HOT update,
        # in room the table's fillfactor leaves, migration 0007) without touching an index.
        # The scan finds pending rows by a sequential scan: milliseconds for years of them.

    def __str__(self) -> str:
        what = f"{self.offset_days}-day reminder" if self.kind == self.Kind.REMINDER else "notice"
        return f"{what} to {self.recipient} for {self.deadline_id}"
