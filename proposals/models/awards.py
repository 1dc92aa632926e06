"""Awards, the funded projects, and their investigators. Public, except for the link from
an award to its proposal."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from fairprog.models import non_negative_or_null
from proposals.models.choices import AwardRole
from proposals.models.fields import optional_amount
from proposals.models.programs import Cycle, Organization, Person, Program, ProgramElement
from proposals.models.proposals import Proposal


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
    intended_amount = optional_amount()
    awarded_amount = optional_amount()
    obligated_amount = optional_amount()
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
    outside_program = models.BooleanField(
        "outside the program",
        default=False,
        help_text="Imported although NSF does not fund it from the program (“Import anyway”): "
        "public as a project, left out of the program's totals.",
    )
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
                condition=non_negative_or_null("intended_amount")
                & non_negative_or_null("awarded_amount")
                & non_negative_or_null("obligated_amount"),
                name="award_amounts_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.award_number} {self.title}"

    @property
    def is_collaborative(self) -> bool:
        return bool(self.collaboration_key)


class AwardInvestigator(models.Model):
    Role = AwardRole

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
