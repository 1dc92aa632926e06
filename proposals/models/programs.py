"""A program's reference records: the organisations and people it deals with, the program
with its NSF program elements, and its yearly cycles (solicitations)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from fairprog.models import (
    identifier_field,
    non_negative_or_null,
    ordered_when_given,
    unique_when_given,
)
from proposals.models.choices import CycleStatus, OrganizationKind
from proposals.models.fields import (
    default_reminder_offsets,
    default_time_zone,
    name_key_field,
    optional_amount,
    time_zone_field,
)
from proposals.validators import (
    organization_name_key,
    person_name_key,
    validate_funder_id,
    validate_orcid,
    validate_reminder_offsets,
    validate_ror,
)


class Organization(models.Model):
    Kind = OrganizationKind

    name = models.CharField(max_length=255)
    name_key = name_key_field()
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.INSTITUTION)
    ror_id = identifier_field(
        "ROR id",
        max_length=9,
        validator=validate_ror,
        help_text="Research Organization Registry id, e.g. 03yrm5c26.",
    )
    funder_id = identifier_field(
        "Crossref Funder ID",
        max_length=12,
        validator=validate_funder_id,
        help_text="For a funder: its id in the Crossref (Open) Funder Registry, e.g. 100000001 "
        "for NSF. DataCite and Crossref index funding by it.",
    )
    city = models.CharField(max_length=120, blank=True)
    state = models.CharField("state or region", max_length=120, blank=True)
    country = models.CharField(max_length=120, blank=True)
    website = models.URLField(blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [unique_when_given("ror_id", name="organization_ror_id_unique")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # Here, where the admin's form and the services' validated save both pass, so the
        # key the importer matches by follows every rename.
        self.name_key = organization_name_key(self.name)


class Person(models.Model):
    given_name = models.CharField(max_length=120)
    family_name = models.CharField(max_length=120)
    email = models.EmailField(blank=True, help_text="Private: never shown outside the admin.")
    orcid = identifier_field(
        "ORCID iD",
        max_length=19,
        validator=validate_orcid,
        help_text="e.g. 0000-0002-1825-0097; the check digit is verified.",
    )
    affiliation = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="people"
    )
    time_zone = time_zone_field(
        blank=True, help_text="Where the person works, for deadline reminders."
    )
    nsf_id = models.CharField("NSF id", max_length=20, blank=True)
    reminders_opt_out = models.BooleanField(
        "no reminders",
        default=False,
        help_text="Set when the person used the unsubscribe link of a reminder.",
    )
    name_key = name_key_field()
    # The login a PI or co-PI signs in as (by e-mailed link), made when first asked for.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="person",
    )

    class Meta:
        ordering = ["family_name", "given_name"]
        verbose_name_plural = "people"
        constraints = [
            unique_when_given("orcid", name="person_orcid_unique"),
            unique_when_given("nsf_id", name="person_nsf_id_unique"),
        ]
        indexes = [models.Index(fields=["email"], name="person_email_idx")]

    def __str__(self) -> str:
        return self.full_name

    def clean(self) -> None:
        # As for organisations: every path that validates a person keeps the key current.
        self.name_key = person_name_key(self.given_name, self.family_name)

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
    award_funder = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The funder that makes this program's awards (their award numbers are its): "
        "NSF for Fairness in AI. The program's other funders co-fund them.",
    )
    program_elements: models.ManyToManyField[ProgramElement, Any] = models.ManyToManyField(
        "ProgramElement",
        blank=True,
        related_name="programs",
        help_text="NSF program element codes whose awards belong to this program (FAI: 114Y).",
    )
    total_budget = optional_amount(max_digits=14)
    time_zone = time_zone_field(default=default_time_zone)
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
                condition=non_negative_or_null("total_budget"),
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
    Status = CycleStatus

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="cycles")
    year = models.PositiveSmallIntegerField()
    solicitation_number = models.CharField(max_length=40, help_text='e.g. "NSF 20-566"')
    title = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PLANNED)
    budget = optional_amount(max_digits=14)
    anticipated_awards_min = models.PositiveSmallIntegerField(null=True, blank=True)
    anticipated_awards_max = models.PositiveSmallIntegerField(null=True, blank=True)
    award_size_min = optional_amount()
    award_size_max = optional_amount()
    url = models.URLField("solicitation URL", blank=True)

    class Meta:
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["program", "year"], name="cycle_one_per_program_year"),
            models.UniqueConstraint(
                fields=["program", "solicitation_number"], name="cycle_solicitation_unique"
            ),
            models.CheckConstraint(
                condition=non_negative_or_null("budget"), name="cycle_budget_non_negative"
            ),
            ordered_when_given("award_size_min", "award_size_max", name="cycle_award_size_range"),
            ordered_when_given(
                "anticipated_awards_min",
                "anticipated_awards_max",
                name="cycle_anticipated_awards_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.solicitation_number} ({self.year})"
