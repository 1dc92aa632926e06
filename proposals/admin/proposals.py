"""Admin of proposals (confidential): their export, and the workflow actions, each of which
calls its service."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from import_export import fields

from fairprog.admin_actions import AdminAction, service_action
from fairprog.admin_mixins import ExportAdminMixin, HistoryAdmin
from fairprog.errors import DomainError
from proposals.admin.display import PlainColumnsExportForm, PlainResource, money
from proposals.admin.investigators import INVESTIGATOR_SEARCH, InvestigatorInline
from proposals.admin.notes import NotesAdminMixin
from proposals.admin.workflow import ProposalWorkflowAdminMixin
from proposals.models import Proposal, ProposalInvestigator, ReviewAssignment
from proposals.services.proposals import (
    proposal_award,
    proposal_decline,
    proposal_recommend,
    proposal_start_review,
    proposal_submit,
    proposal_withdraw,
)


class ProposalInvestigatorInline(InvestigatorInline):
    model = ProposalInvestigator
    fields = ["person", "role", "order"]


REVIEWER_COLUMNS = ("reviewer", "due", "review_state", "override_reason", "assigned_at")


class ReviewAssignmentInline(admin.TabularInline):
    """The proposal's reviewers, read-only: assigned through "Assign a reviewer" (which
    checks conflicts), removed from the assignment's own page."""

    model = ReviewAssignment
    fields = readonly_fields = REVIEWER_COLUMNS
    extra = 0
    show_change_link = True
    verbose_name_plural = "reviewers (confidential)"

    def get_queryset(self, request: HttpRequest) -> QuerySet[ReviewAssignment]:
        return (
            super()
            .get_queryset(request)
            .select_related("proposal", "reviewer__person", "due", "review")
        )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="review")
    def review_state(self, assignment: ReviewAssignment) -> str:
        review = getattr(assignment, "review", None)
        return review.get_status_display() if review is not None else "not started"


# A proposal at a glance: the columns of the list and the heart of the export.
AT_A_GLANCE = [
    "title",
    "cycle",
    "status",
    "lead_institution",
    "principal_investigator",
    "requested_amount",
]


class ProposalResource(PlainResource):
    cycle = fields.Field(attribute="cycle__solicitation_number", column_name="cycle")
    lead_institution = fields.Field(
        attribute="lead_institution__name", column_name="lead institution"
    )
    principal_investigator = fields.Field(column_name="principal investigator")

    class Meta:
        model = Proposal
        fields = ["id", "reference", *AT_A_GLANCE, "duration_months", "submitted_at", "decided_at"]
        export_order = fields

    def dehydrate_principal_investigator(self, proposal: Proposal) -> str:
        return _pi_name(proposal)


def _pi_name(proposal: Proposal) -> str:
    # Uses the prefetched investigators, so list pages stay at a fixed query count.
    for link in proposal.investigators.all():
        if link.role == ProposalInvestigator.Role.PI:
            return link.person.full_name
    return ""


class AwardProposalForm(forms.Form):
    award_number = forms.RegexField(
        regex=r"^\d{7}$",
        error_messages={"invalid": "An NSF award number is seven digits."},
        help_text="The NSF award id; an award already imported with this number is linked.",
    )
    start_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    awarded_amount = forms.DecimalField(
        required=False, min_value=0, decimal_places=2, help_text="Defaults to the amount requested."
    )


def _workflow_action(
    service: Callable[..., Proposal], *, name: str, description: str, done: str
) -> AdminAction:
    return service_action(
        lambda proposal: service(proposal=proposal),
        name=name,
        description=description,
        done=done,
        prepare=lambda queryset: queryset.select_related("cycle__program"),
    )


@admin.register(Proposal)
class ProposalAdmin(NotesAdminMixin, ProposalWorkflowAdminMixin, ExportAdminMixin, HistoryAdmin):
    resource_classes = [ProposalResource]
    inlines = [ProposalInvestigatorInline, ReviewAssignmentInline]
    export_form_class = PlainColumnsExportForm
    # What fits a 1440-pixel screen beside the filters: the cycle is a filter, the date the day.
    list_display = [
        "title",
        "status",
        "principal_investigator",
        "institution",
        "requested",
        "submitted_on",
    ]
    list_filter = ["cycle", "status", ("lead_institution", admin.RelatedOnlyFieldListFilter)]
    search_fields = [
        "title",
        "reference",
        *INVESTIGATOR_SEARCH,
        "lead_institution__name",
        "award__award_number",
    ]
    autocomplete_fields = ["cycle", "lead_institution"]
    readonly_fields = ["status", "submitted_at", "decided_at", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["cycle", "reference", "title", "abstract", "lead_institution"]}),
        ("Request", {"fields": ["requested_amount", "duration_months"]}),
        (
            "Workflow",
            {"fields": ["status", "submitted_at", "decided_at", "decision_note", "is_demo"]},
        ),
        ("Record", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]
    actions = [
        _workflow_action(proposal_submit, name="submit", description="Submit", done="submitted"),
        _workflow_action(
            proposal_start_review,
            name="start_review",
            description="Start review",
            done="put under review",
        ),
        _workflow_action(
            proposal_recommend,
            name="recommend",
            description="Recommend for award",
            done="recommended",
        ),
        _workflow_action(proposal_decline, name="decline", description="Decline", done="declined"),
        _workflow_action(
            proposal_withdraw, name="withdraw", description="Withdraw", done="withdrawn"
        ),
        "award",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Proposal]:
        return (
            super()
            .get_queryset(request)
            .select_related("cycle", "lead_institution")
            .prefetch_related(
                Prefetch(
                    "investigators",
                    queryset=ProposalInvestigator.objects.select_related("person"),
                )
            )
        )

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        extra = {}
        if request.user.has_perm("proposals.add_reviewassignment") and object_id.isdigit():
            url = reverse("admin:proposals_reviewassignment_add")
            extra["assign_reviewer_url"] = f"{url}?proposal={object_id}"
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})

    @admin.display(description="PI")
    def principal_investigator(self, proposal: Proposal) -> str:
        return _pi_name(proposal)

    # A method, not the field: Django keeps a related record's column on one line.
    @admin.display(description="lead institution", ordering="lead_institution__name")
    def institution(self, proposal: Proposal) -> str:
        return str(proposal.lead_institution)

    @admin.display(description="requested", ordering="requested_amount")
    def requested(self, proposal: Proposal) -> str:
        return money(proposal.requested_amount)

    @admin.display(description="submitted", ordering="submitted_at")
    def submitted_on(self, proposal: Proposal) -> str:
        if proposal.submitted_at is None:
            return "-"
        return date_format(timezone.localdate(proposal.submitted_at), "SHORT_DATE_FORMAT")

    def has_award_permission(self, request: HttpRequest) -> bool:
        """Awarding changes the proposal and creates an award."""
        return self.has_change_permission(request) and request.user.has_perm("proposals.add_award")

    @admin.action(description="Award (record the funded project)", permissions=["award"])
    def award(self, request: HttpRequest, queryset: QuerySet[Proposal]) -> HttpResponse | None:
        if queryset.count() != 1:
            self.message_user(
                request, "Select exactly one proposal to award at a time.", messages.ERROR
            )
            return None
        proposal = queryset.get()
        form = AwardProposalForm(request.POST if "award_number" in request.POST else None)
        if form.is_bound and form.is_valid():
            try:
                award = proposal_award(proposal=proposal, **form.cleaned_data)
            except DomainError as exc:
                for field, errors in exc.errors.items():
                    form.add_error(field if field in form.fields else None, errors)
                if not exc.errors:
                    form.add_error(None, exc.message)
            else:
                self.message_user(
                    request,
                    f'Proposal "{proposal.title}" awarded as award {award.award_number}.',
                    messages.SUCCESS,
                )
                return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Award a proposal",
            "submit_label": "Award proposal",
            "proposal": proposal,
            "form": form,
            "opts": self.model._meta,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "from_change_page": "_workflow" in request.POST,
        }
        return TemplateResponse(request, "admin/proposals/proposal/award.html", context)
