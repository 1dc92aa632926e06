"""The staff admin of merit review: reviewers, assignments (one by one, refused on a conflict
unless overridden with a reason, and in bulk for a cycle), the reviews (read-only; staff may
reopen one), declared conflicts, and the per-cycle panel with its ratings export. Every
change goes through ``proposals.services.reviews`` and ``proposals.services.panels``."""

from __future__ import annotations

from typing import Any

import tablib
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from fairprog.errors import DomainError
from fairprog.spreadsheet import CSV, XLSX
from proposals.models import (
    ConflictDeclaration,
    Cycle,
    PanelSummary,
    Proposal,
    Review,
    ReviewAssignment,
    ReviewerProfile,
)
from proposals.services.panels import (
    EXPORT_HEADERS,
    SUMMARY_MAX,
    panel_decide,
    panel_export_rows,
    panel_rows,
    panel_summary_save,
    review_reopen,
)
from proposals.services.reviews import assignment_create, assignments_bulk, review_deadline

REVIEWER_SEARCH = ["person__family_name", "person__given_name", "person__email"]


@admin.register(ReviewerProfile)
class ReviewerProfileAdmin(admin.ModelAdmin):
    list_display = ["person", "institution", "expertise_list", "active"]
    list_filter = ["active"]
    list_select_related = ["person", "institution"]
    search_fields = REVIEWER_SEARCH
    autocomplete_fields = ["person", "institution"]

    @admin.display(description="expertise")
    def expertise_list(self, profile: ReviewerProfile) -> str:
        return ", ".join(str(keyword) for keyword in profile.expertise or [])


# --- Assignments --------------------------------------------------------------------------


class AssignmentForm(forms.Form):
    proposal = forms.ModelChoiceField(queryset=Proposal.objects.all())
    reviewer = forms.ModelChoiceField(
        queryset=ReviewerProfile.objects.filter(active=True).select_related("person")
    )
    due_date = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Reviews due (a staff-only deadline of the proposal's cycle; reminders go "
        "to the reviewer).",
    )
    override_reason = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Only to assign a reviewer in conflict anyway: why. Recorded and shown on "
        "the panel.",
    )

    def __init__(self, *args: Any, admin_site: admin.AdminSite, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("proposal", "reviewer"):
            field: Any = self.fields[name]
            field.widget = AutocompleteSelect(ReviewAssignment._meta.get_field(name), admin_site)
            field.widget.choices = field.choices


class BulkAssignmentForm(forms.Form):
    cycle = forms.ModelChoiceField(queryset=Cycle.objects.all())
    per_proposal = forms.IntegerField(
        label="At least, per proposal", min_value=1, max_value=20, initial=3,
        help_text="Reviewers each proposal gets (those already assigned count).",
    )  # fmt: skip
    per_reviewer = forms.IntegerField(
        label="At most, per reviewer", min_value=1, max_value=500, initial=10,
        help_text="Proposals of the cycle any one reviewer is given.",
    )  # fmt: skip
    due_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))


class PanelForm(forms.Form):
    summary = forms.CharField(
        required=False, max_length=SUMMARY_MAX, widget=forms.Textarea(attrs={"rows": 4})
    )
    decision = forms.ChoiceField(
        choices=[("save", "Save summary"), *PanelSummary.Recommendation.choices]
    )


@admin.register(ReviewAssignment)
class ReviewAssignmentAdmin(admin.ModelAdmin):
    list_display = ["proposal", "reviewer", "cycle", "due", "review_state", "overridden"]
    list_filter = ["proposal__cycle", ("reviewer", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["proposal__cycle", "reviewer__person", "due", "review"]
    search_fields = ["proposal__title", "proposal__reference", "reviewer__person__family_name"]
    autocomplete_fields = ["proposal", "reviewer"]
    fields = readonly_fields = (
        "proposal",
        "reviewer",
        "due",
        "assigned_by",
        "assigned_at",
        "review_state",
        "overridden_reasons",
        "override_reason",
    )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # an assignment is made or removed, never edited

    @admin.display(description="cycle")
    def cycle(self, assignment: ReviewAssignment) -> str:
        return str(assignment.proposal.cycle)

    @admin.display(description="review")
    def review_state(self, assignment: ReviewAssignment) -> str:
        review = getattr(assignment, "review", None)
        return review.get_status_display() if review is not None else "not started"

    @admin.display(description="conflict overridden", boolean=True)
    def overridden(self, assignment: ReviewAssignment) -> bool:
        return bool(assignment.override_reason)

    @admin.display(description="conflicts overridden")
    def overridden_reasons(self, assignment: ReviewAssignment) -> str:
        reasons = [(c.get("reason", ""),) for c in assignment.overridden_conflicts or []]
        return (
            format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", reasons))
            if reasons
            else "none"
        )

    def get_urls(self) -> list[Any]:
        return [
            path(
                "bulk/",
                self.admin_site.admin_view(self.bulk_view),
                name="proposals_reviewassignment_bulk",
            ),
            path(
                "panel/",
                self.admin_site.admin_view(self.panel_view),
                name="proposals_reviewassignment_panel",
            ),
            *super().get_urls(),
        ]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        extra = {
            "may_bulk": self.has_add_permission(request),
            "may_panel": self._may_panel(request),
        }
        return super().changelist_view(request, {**(extra_context or {}), **extra})

    def _context(self, request: HttpRequest, title: str, **more: Any) -> dict[str, Any]:
        return {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            **more,
        }

    # One by one, from the proposal's page or here.

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        initial = {"proposal": request.GET.get("proposal", "")}
        if not initial["proposal"].isdigit():
            initial = {}
        bound = request.POST if request.method == "POST" else None
        form = AssignmentForm(bound, initial=initial, admin_site=self.admin_site)
        if form.is_bound and form.is_valid():
            assignment = self._assign(request, form)
            if assignment is not None:
                self.log_addition(request, assignment, [{"added": {}}])
                self.message_user(request, f"{assignment} assigned.", messages.SUCCESS)
                return redirect("admin:proposals_proposal_change", assignment.proposal_id)
        context = self._context(
            request,
            "Assign a reviewer",
            form=form,
            submit_label="Assign",
            media=self.media + form.media,
        )
        return TemplateResponse(request, "admin/proposals/reviewassignment/assign.html", context)

    def _assign(self, request: HttpRequest, form: AssignmentForm) -> ReviewAssignment | None:
        data = form.cleaned_data
        proposal: Proposal = data["proposal"]
        try:
            with transaction.atomic():
                due = None
                if data["due_date"]:
                    due = review_deadline(cycle=proposal.cycle, due_date=data["due_date"])
                return assignment_create(
                    proposal=proposal,
                    reviewer=data["reviewer"],
                    user=request.user,  # type: ignore[arg-type]
                    due=due,
                    override_reason=data["override_reason"],
                )
        except DomainError as exc:
            for reason in exc.errors.get("reviewer", []):
                form.add_error("reviewer", f"In conflict: {reason}.")
            if exc.errors:
                form.add_error(
                    "override_reason", "To assign this reviewer anyway, give the reason."
                )
            else:
                form.add_error(None, exc.message)
            return None

    # In bulk, for a cycle.

    def bulk_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = BulkAssignmentForm(request.POST if request.method == "POST" else None)
        result = None
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    due = review_deadline(cycle=data["cycle"], due_date=data["due_date"])
                    result = assignments_bulk(
                        cycle=data["cycle"],
                        per_proposal=data["per_proposal"],
                        per_reviewer=data["per_reviewer"],
                        user=request.user,  # type: ignore[arg-type]
                        due=due,
                    )
            except DomainError as exc:
                form.add_error(None, exc.message)
        short = []
        if result is not None:
            names = Proposal.objects.in_bulk(list(result.short))
            short = [(names[pk], has) for pk, has in sorted(result.short.items()) if pk in names]
            made = len(result.made)
            self.message_user(
                request, f"{made} assignment{'' if made == 1 else 's'} made.", messages.SUCCESS
            )
        context = self._context(
            request,
            "Assign reviewers for a cycle",
            form=form,
            result=result,
            short=short,
            submit_label="Assign reviewers",
        )
        return TemplateResponse(request, "admin/proposals/reviewassignment/bulk.html", context)

    # The panel of a cycle, and its ratings export.

    def _may_panel(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request) and request.user.has_perm("proposals.view_review")

    def _may_decide(self, request: HttpRequest) -> bool:
        user = request.user
        return user.has_perm("proposals.change_panelsummary") and user.has_perm(
            "proposals.change_proposal"
        )

    def panel_view(self, request: HttpRequest) -> HttpResponse:
        # Permission first: a refused user learns nothing about which cycles exist.
        if not self._may_panel(request):
            raise PermissionDenied
        if request.method == "POST" and not self._may_decide(request):
            raise PermissionDenied
        params = request.POST if request.method == "POST" else request.GET
        cycle = _found(Cycle.objects.select_related("program"), params.get("cycle"))
        if cycle is None:
            return self._panel_page(request, None, chooser_error=request.method == "POST")
        if request.method == "GET" and request.GET.get("format") in EXPORTS:
            return _export(cycle, request.GET["format"])
        if request.method != "POST":
            return self._panel_page(request, cycle)
        proposal = _found(Proposal.objects.filter(cycle=cycle), params.get("proposal"))
        if proposal is None:
            raise Http404("No such proposal in this cycle.")
        form = PanelForm(request.POST)
        if form.is_valid() and self._decide(request, proposal, form):
            url = reverse("admin:proposals_reviewassignment_panel")
            return redirect(f"{url}?cycle={cycle.pk}#proposal-{proposal.pk}")
        return self._panel_page(request, cycle, failed=(proposal.pk, form))

    def _decide(self, request: HttpRequest, proposal: Proposal, form: PanelForm) -> bool:
        user: Any = request.user
        decision = form.cleaned_data["decision"]
        try:
            with transaction.atomic():
                panel_summary_save(
                    proposal=proposal, summary=form.cleaned_data["summary"], user=user
                )
                if decision != "save":
                    panel_decide(proposal=proposal, recommendation=decision, user=user)
        except DomainError as exc:
            for name, errors in exc.errors.items():
                for error in errors:
                    form.add_error(name if name in form.fields else None, error)
            if not exc.errors:
                form.add_error(None, exc.message)
            return False
        done = {"save": "summary saved", "recommend": "recommended", "decline": "declined"}
        self.message_user(
            request, f'Proposal "{proposal.title}": {done[decision]}.', messages.SUCCESS
        )
        return True

    def _panel_page(
        self,
        request: HttpRequest,
        cycle: Cycle | None,
        *,
        failed: tuple[int, PanelForm] | None = None,
        chooser_error: bool = False,
    ) -> HttpResponse:
        rows = panel_rows(cycle=cycle) if cycle is not None else []
        for row in rows:
            row.form = failed[1] if failed and failed[0] == row.proposal.pk else None  # type: ignore[attr-defined]
        context = self._context(
            request,
            f"Panel: {cycle}" if cycle else "Panel of a cycle",
            cycle=cycle,
            cycles=Cycle.objects.select_related("program").order_by("-pk"),
            rows=rows,
            may_decide=self._may_decide(request),
            chooser_error=chooser_error,
        )
        status = 200 if failed is None else 400
        return TemplateResponse(
            request, "admin/proposals/reviewassignment/panel.html", context, status=status
        )


def _found(queryset: QuerySet[Any], value: str | None) -> Any:
    """The record whose id was given, or None for no id, a forged one or one not found."""
    if not value or not value.isascii() or not value.isdigit() or len(value) > 12:
        return None
    return queryset.filter(pk=int(value)).first()


EXPORTS = {"csv": CSV, "xlsx": XLSX}


def _export(cycle: Cycle, kind: str) -> HttpResponse:
    dataset = tablib.Dataset(*panel_export_rows(panel_rows(cycle=cycle)), headers=EXPORT_HEADERS)
    file_format: Any = EXPORTS[kind]()
    response = HttpResponse(
        file_format.export_data(dataset), content_type=file_format.get_content_type()
    )
    name = f"panel-{cycle.pk}-ratings.{file_format.get_extension()}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- Reviews and declarations: read-only records ----------------------------------------


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    list_display = ["proposal", "reviewer", "status", "overall", "submitted_at"]
    list_filter = ["status", "assignment__proposal__cycle"]
    list_select_related = ["assignment__proposal", "assignment__reviewer__person"]
    search_fields = ["assignment__proposal__title", "assignment__reviewer__person__family_name"]
    fields = readonly_fields = (
        "proposal",
        "reviewer",
        "status",
        "submitted_at",
        "intellectual_merit",
        "broader_impacts",
        "overall",
        "strengths",
        "weaknesses",
        "summary",
        "comments_to_staff",
        "updated_at",
    )
    actions = ["reopen"]

    @admin.display(description="proposal")
    def proposal(self, review: Review) -> str:
        return str(review.assignment.proposal)

    @admin.display(description="reviewer")
    def reviewer(self, review: Review) -> str:
        return str(review.assignment.reviewer)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Review]:
        return (
            super()
            .get_queryset(request)
            .select_related("assignment__proposal", "assignment__reviewer__person")
        )

    def has_reopen_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("proposals.change_review")

    @admin.action(description="Reopen (a draft again, for its reviewer)", permissions=["reopen"])
    def reopen(self, request: HttpRequest, queryset: QuerySet[Review]) -> None:
        reopened = 0
        for review in queryset:
            try:
                review_reopen(review=review, user=request.user)  # type: ignore[arg-type]
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)
                continue
            self.log_change(request, review, "Reopened: a draft again.")
            reopened += 1
        if reopened:
            noun = "review" if reopened == 1 else "reviews"
            self.message_user(request, f"{reopened} {noun} reopened.", messages.SUCCESS)


@admin.register(ConflictDeclaration)
class ConflictDeclarationAdmin(ReadOnlyAdmin):
    list_display = ["proposal", "reviewer", "reason", "declared_at"]
    list_filter = ["proposal__cycle"]
    list_select_related = ["proposal", "reviewer__person"]
    search_fields = ["proposal__title", "reviewer__person__family_name"]
    fields = readonly_fields = ("proposal", "reviewer", "reason", "declared_at")


@admin.register(PanelSummary)
class PanelSummaryAdmin(admin.ModelAdmin):
    """Panel summaries are written on the panel page; here they are listed, and the summary
    text may be corrected (the recommendation moves the proposal, so only the panel sets it)."""

    list_display = ["proposal", "recommendation", "updated_by", "updated_at"]
    list_filter = ["recommendation", "proposal__cycle"]
    list_select_related = ["proposal", "updated_by"]
    search_fields = ["proposal__title"]
    fields = ["proposal", "summary", "recommendation", "updated_by", "updated_at"]
    readonly_fields = ["proposal", "recommendation", "updated_by", "updated_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # made on the panel page, for a proposal of the cycle

    def save_model(self, request: HttpRequest, obj: PanelSummary, form: Any, change: bool) -> None:
        panel_summary_save(
            proposal=obj.proposal,
            summary=form.cleaned_data.get("summary", ""),
            user=request.user,  # type: ignore[arg-type]
        )
