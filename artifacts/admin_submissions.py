"""Staff admin for what funded teams send in: the submitted artifacts and the edits of published
ones waiting for review (approve, request changes, reject, each through its service and e-mailed
to the submitter), and the decisions made, read-only. Only reviewers see any of it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime

from artifacts.models import ArtifactRevision, ReviewDecision
from artifacts.models.submissions import Submission
from artifacts.services.submissions import revision_changes, revision_decide, submission_decide
from fairprog.errors import DomainError

REVIEW_PERMISSION = "artifacts.review_submissions"
Decision = ReviewDecision.Decision


def _name_of(user: Any) -> str:
    """Who a login is, by name: a researcher's Person, else the login's own name (never an
    e-mail address: the login's username is shown when it has no name)."""
    if user is None:
        return "-"
    person = getattr(user, "person", None)
    if person is not None:
        return str(person)
    return str(user.get_full_name() or user.get_username())


class MessageForm(forms.Form):
    message = forms.CharField(
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6, "cols": 80}),
        help_text="Sent to the submitter and kept with the decision: what to change, or why.",
    )


class ReviewAdmin(admin.ModelAdmin):
    """Seen and decided by reviewers only (the review permission, or a superuser); nothing is
    added, changed or deleted here: every change is a decision, made by an action."""

    class Media:
        css = {"all": ["fairprog/admin.css"]}

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.has_perm(REVIEW_PERMISSION))

    def has_review_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm(REVIEW_PERMISSION))

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="decisions so far")
    def decisions(self, obj: Any) -> SafeString:
        records = list(self.decisions_of(obj).select_related("decided_by__person"))
        if not records:
            return format_html("{}", "None yet.")
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    date_format(localtime(record.decided_at), "DATETIME_FORMAT"),
                    record.get_decision_display(),
                    _name_of(record.decided_by),
                    record.message or "-",
                )
                for record in records
            ),
        )
        return format_html(
            '<table class="fp-decisions"><thead><tr><th>when</th><th>decision</th>'
            "<th>by</th><th>message</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )

    def decisions_of(self, obj: Any) -> QuerySet[ReviewDecision]:
        """The decisions shown on the change page: each queue says whose (its own method)."""
        raise NotImplementedError  # each queue's admin below defines it

    def decide(self, record: Any, *, request: HttpRequest, decision: str, message: str) -> None:
        """Carry out a decision through the queue's service (each admin below defines it)."""
        raise NotImplementedError  # each queue's admin below defines it

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> HttpResponse:
        # The buttons that run the decision actions on this one record.
        context["review_actions"] = DECISION_ACTIONS if self.has_review_permission(request) else ()
        context["show_close"] = True
        return super().render_change_form(request, context, add, change, form_url, obj)


# (action name, decision, label, past tense)
DECISION_ACTIONS = (
    ("approve", Decision.APPROVED, "Approve", "approved"),
    ("request_changes", Decision.CHANGES_REQUESTED, "Request changes", "sent back for changes"),
    ("reject", Decision.REJECTED, "Reject", "rejected"),
)


def _decision_action(name: str, decision: str, label: str, done: str) -> Callable[..., Any]:
    """An admin action making ``decision`` on each selected record; a decision other than
    approval first asks for the message the submitters are sent."""

    def action(
        modeladmin: ReviewAdmin, request: HttpRequest, queryset: QuerySet[Any]
    ) -> HttpResponse | None:
        message = ""
        if decision != Decision.APPROVED:
            form = MessageForm(request.POST if "message" in request.POST else None)
            if not (form.is_bound and form.is_valid()):
                return _message_page(modeladmin, request, queryset, form, name, label)
            message = form.cleaned_data["message"]
        decided = 0
        for record in queryset.order_by("pk"):
            try:
                modeladmin.decide(record, request=request, decision=decision, message=message)
            except DomainError as exc:
                modeladmin.message_user(request, exc.message, messages.ERROR)
            else:
                decided += 1
        if decided:
            opts: Any = modeladmin.model._meta
            noun = opts.verbose_name if decided == 1 else opts.verbose_name_plural
            modeladmin.message_user(request, f"{decided} {noun} {done}.", messages.SUCCESS)
        return None

    action.__name__ = name
    description = label if decision == Decision.APPROVED else f"{label} (asks for the message)"
    return admin.action(description=description, permissions=["review"])(action)


def _message_page(
    modeladmin: ReviewAdmin,
    request: HttpRequest,
    queryset: QuerySet[Any],
    form: MessageForm,
    action: str,
    label: str,
) -> TemplateResponse:
    opts: Any = modeladmin.model._meta
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": f"{label}: {opts.verbose_name_plural}",
        "submit_label": label,
        "records": list(queryset.order_by("pk")),
        "form": form,
        "opts": opts,
        "action": action,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/artifacts/review_message.html", context)


_SUBMISSION_FIELDS = (
    *("title", "award", "kind", "submitter", "submitted_at", "summary", "description"),
    *("landing_url", "repository_url", "doi", "license", "version", "release_date"),
    *("keywords", "creators_in_order", "dimensions", "tasks", "intended_use"),
    *("out_of_scope_use", "limitations", "evaluation_data", "ethical_considerations"),
    "decisions",
)


@admin.register(Submission)
class SubmissionAdmin(ReviewAdmin):
    list_display = ["title", "award", "kind", "submitter", "submitted_at"]
    list_filter = ["kind"]
    list_select_related = ["award", "submitted_by__person"]
    search_fields = ["title", "award__award_number"]
    ordering = ["submitted_at", "pk"]
    fields = _SUBMISSION_FIELDS
    readonly_fields = _SUBMISSION_FIELDS
    actions = [_decision_action(*spec) for spec in DECISION_ACTIONS]

    @admin.display(description="submitted by", ordering="submitted_by__last_name")
    def submitter(self, artifact: Submission) -> str:
        return _name_of(artifact.submitted_by)

    @admin.display(description="creators")
    def creators_in_order(self, artifact: Submission) -> str:
        links = artifact.creator_links.select_related("person").order_by("order")
        return "; ".join(str(link.person) for link in links) or "-"

    def decisions_of(self, obj: Any) -> QuerySet[ReviewDecision]:
        return ReviewDecision.objects.filter(artifact=obj)

    def decide(self, record: Any, *, request: HttpRequest, decision: str, message: str) -> None:
        submission_decide(artifact=record, user=request.user, decision=decision, message=message)  # type: ignore[arg-type]


_REVISION_FIELDS = ("artifact", "proposer", "proposed_at", "state", "note", "changes", "decisions")


@admin.register(ArtifactRevision)
class ArtifactRevisionAdmin(ReviewAdmin):
    list_display = ["artifact", "proposer", "proposed_at", "state"]
    list_filter = ["state"]
    list_select_related = ["artifact", "proposed_by__person"]
    search_fields = ["artifact__title", "artifact__award__award_number"]
    fields = _REVISION_FIELDS
    readonly_fields = _REVISION_FIELDS
    actions = [_decision_action(*spec) for spec in DECISION_ACTIONS]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ArtifactRevision]:
        return super().get_queryset(request).select_related("artifact", "proposed_by__person")

    @admin.display(description="proposed by", ordering="proposed_by__last_name")
    def proposer(self, revision: ArtifactRevision) -> str:
        return _name_of(revision.proposed_by)

    @admin.display(description="the edit")
    def changes(self, revision: ArtifactRevision) -> SafeString:
        # The template escapes the researcher's text; its output is safe HTML.
        return mark_safe(  # noqa: S308
            render_to_string(
                "admin/artifacts/_revision_changes.html", {"changes": revision_changes(revision)}
            )
        )

    def decisions_of(self, obj: Any) -> QuerySet[ReviewDecision]:
        return ReviewDecision.objects.filter(revision=obj)

    def decide(self, record: Any, *, request: HttpRequest, decision: str, message: str) -> None:
        revision_decide(revision=record, user=request.user, decision=decision, message=message)  # type: ignore[arg-type]


_DECISION_FIELDS = ("artifact", "what", "decision", "message", "decider", "decided_at")


@admin.register(ReviewDecision)
class ReviewDecisionAdmin(ReviewAdmin):
    list_display = ["artifact", "what", "decision", "decider", "decided_at"]
    list_filter = ["decision"]
    list_select_related = ["artifact", "decided_by__person"]
    search_fields = ["artifact__title"]
    date_hierarchy = "decided_at"
    fields = _DECISION_FIELDS
    readonly_fields = _DECISION_FIELDS
    actions = None

    @admin.display(description="of")
    def what(self, record: ReviewDecision) -> str:
        return "an edit" if record.revision_id else "the submission"

    @admin.display(description="decided by", ordering="decided_by__last_name")
    def decider(self, record: ReviewDecision) -> str:
        return _name_of(record.decided_by)
