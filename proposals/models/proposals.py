"""Proposals received in a cycle and their investigators. Confidential: staff only."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from fairprog.models import unique_when_given
from proposals.models.choices import ProposalRole, ProposalStatus
from proposals.models.fields import NON_NEGATIVE
from proposals.models.programs import Cycle, Organization, Person


class Proposal(models.Model):
    """A proposal received in a cycle. Confidential: staff only, never public."""

    Status = ProposalStatus

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
            unique_when_given("reference", name="proposal_reference_unique"),
        ]

    def __str__(self) -> str:
        return self.title


class ProposalInvestigator(models.Model):
    Role = ProposalRole

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
