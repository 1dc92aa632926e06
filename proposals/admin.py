"""The staff admin for program records. State changes go through ``proposals.services``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from import_export import fields, resources

from fairprog.admin_actions import AdminAction, service_action
from fairprog.admin_mixins import ExportAdminMixin, HistoryAdmin
from fairprog.errors import DomainError
from proposals.models import (
    DEFAULT_REMINDER_OFFSETS,
    Award,
    AwardInvestigator,
    Cycle,
    Deadline,
    ImportRun,
    Organization,
    Person,
    Program,
    ProgramElement,
    Proposal,
    ProposalInvestigator,
    ReminderDelivery,
    ReminderSubscription,
)
from proposals.services import reminders
from proposals.services.imports import (
    import_run_again,
    import_run_create,
    import_runs_interrupt_stale,
)
from proposals.services.programs import deadline_due_at, deadline_save
from proposals.services.proposals import (
    proposal_award,
    proposal_decline,
    proposal_recommend,
    proposal_start_review,
    proposal_submit,
    proposal_withdraw,
)
from proposals.validators import (
    normalize_orcid,
    normalize_ror,
    organization_name_key,
    person_name_key,
)

# --- Organizations, people, programs --------------------------------------


class OrganizationForm(forms.ModelForm):
    """Stores ROR ids in their bare form; ModelAdmin supplies the model and fields."""

    def clean_ror_id(self) -> str:
        value: str = self.cleaned_data["ror_id"]
        return normalize_ror(value) if value else ""


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    form = OrganizationForm
    list_display = ["name", "kind", "ror_id", "city", "state", "country"]
    list_filter = ["kind", "country"]
    search_fields = ["name", "ror_id", "city"]

    def save_model(self, request: HttpRequest, obj: Organization, form: Any, change: bool) -> None:
        obj.name_key = organization_name_key(obj.name)
        super().save_model(request, obj, form, change)


class PersonForm(forms.ModelForm):
    """Stores ORCID iDs in their canonical form."""

    def clean_orcid(self) -> str:
        value: str = self.cleaned_data["orcid"]
        return normalize_orcid(value) if value else ""


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    form = PersonForm
    list_display = ["family_name", "given_name", "orcid", "affiliation"]
    list_filter = ["reminders_opt_out"]
    list_select_related = ["affiliation"]
    search_fields = ["family_name", "given_name", "email", "orcid"]
    autocomplete_fields = ["affiliation"]

    def save_model(self, request: HttpRequest, obj: Person, form: Any, change: bool) -> None:
        obj.name_key = person_name_key(obj.given_name, obj.family_name)
        super().save_model(request, obj, form, change)


@admin.register(ProgramElement)
class ProgramElementAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


# --- Deadlines ----------------------------------------------------------------


class ReminderOffsetsField(forms.Field):
    """Reminder offsets typed as "30, 7, 1" (days before the deadline).

    Left empty, the field gives ``empty_value``: the offsets that then apply.
    """

    def __init__(self, *, empty_value: list[int] | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "Days before the deadline, e.g. 30, 7, 1.")
        kwargs.setdefault("widget", forms.TextInput(attrs={"size": 10}))
        kwargs.setdefault("required", False)
        self.empty_value = list(empty_value or [])
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return ", ".join(str(days) for days in value)
        return value

    def to_python(self, value: Any) -> list[int]:
        text = str(value or "").strip().strip("[]")
        if not text:
            return list(self.empty_value)
        try:
            return [int(part) for part in text.replace(";", ",").split(",") if part.strip()]
        except ValueError as exc:
            raise ValidationError(
                "Type whole numbers of days separated by commas, like 30, 7, 1."
            ) from exc


class ProgramForm(forms.ModelForm):
    reminder_offsets = ReminderOffsetsField(
        empty_value=DEFAULT_REMINDER_OFFSETS,
        help_text="Days before a deadline to send reminders, for new deadlines of this program, "
        f"e.g. 30, 7, 1. Empty: {', '.join(map(str, DEFAULT_REMINDER_OFFSETS))}.",
    )


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    form = ProgramForm
    list_display = ["name", "short_name", "time_zone", "reminder_offsets"]
    search_fields = ["name", "short_name"]
    prepopulated_fields = {"slug": ["short_name"]}
    autocomplete_fields = ["funders"]


class DeadlineForm(forms.ModelForm):
    # Left empty, deadline_save applies the program's default offsets.
    reminder_offsets = ReminderOffsetsField(
        help_text="Days before the deadline, e.g. 30, 7, 1. Empty: the program's default."
    )

    class Meta:
        # The admin supplies the model and fields; narrower inputs keep the inline on screen.
        widgets = {
            "label": forms.TextInput(attrs={"size": 16}),
            "time_zone": forms.TextInput(attrs={"size": 18}),
        }

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        # Django keeps the model's fixed default for a field left out of the data; the
        # program's default is meant instead, so an empty value is passed on as empty.
        if "reminder_offsets" in cleaned:
            self.instance.reminder_offsets = cleaned["reminder_offsets"]
        return cleaned


class DeadlineFormSet(BaseInlineFormSet):
    """Derive each deadline's instant through the service before it is saved."""

    def clean(self) -> None:
        super().clean()
        for form in self.forms:
            if not form.cleaned_data or form.cleaned_data.get("DELETE") or form.errors:
                continue
            deadline = form.instance
            try:
                deadline.due_at = deadline_due_at(
                    due_date=form.cleaned_data["due_date"],
                    due_time=form.cleaned_data["due_time"],
                    time_zone=form.cleaned_data["time_zone"],
                )
            except DomainError as exc:
                form.add_error("time_zone", exc.message)


class DeadlineInline(admin.TabularInline):
    model = Deadline
    form = DeadlineForm
    formset = DeadlineFormSet
    fk_name = "cycle"
    extra = 0
    fields = [
        "kind",
        "label",
        "due_date",
        "due_time",
        "time_rule",
        "time_zone",
        "visibility",
        "reminder_offsets",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Deadline]:
        return super().get_queryset(request).select_related("cycle", "award")


class AwardDeadlineInline(DeadlineInline):
    fk_name = "award"
    verbose_name = "report deadline"
    verbose_name_plural = "report deadlines"


class DeadlineOwnerAdminMixin:
    """Saves inline deadlines through ``deadline_save``."""

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not Deadline:
            super().save_formset(request, form, formset, change)  # type: ignore[misc]
            return
        for deadline in formset.save(commit=False):
            deadline_save(deadline=deadline)
        for deleted in formset.deleted_objects:
            deleted.delete()


class DeadlineAdminForm(DeadlineForm):
    """Checks the owner and derives the instant, so errors show beside the fields."""

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        if bool(cleaned.get("cycle")) == bool(cleaned.get("award")):
            raise ValidationError("Choose either a cycle or an award for this deadline.")
        try:
            self.instance.due_at = deadline_due_at(
                due_date=cleaned["due_date"],
                due_time=cleaned["due_time"],
                time_zone=cleaned["time_zone"],
            )
        except (DomainError, KeyError) as exc:
            if isinstance(exc, DomainError):
                self.add_error("time_zone", exc.message)
        return cleaned


class DeadlineResource(resources.ModelResource):
    owner = fields.Field(column_name="cycle or award")
    rule = fields.Field(column_name="time rule")

    class Meta:
        model = Deadline
        fields = [
            "id",
            "owner",
            "kind",
            "label",
            "due_date",
            "due_time",
            "rule",
            "time_zone",
            "due_at",
            "visibility",
        ]
        export_order = fields

    def dehydrate_owner(self, deadline: Deadline) -> str:
        return str(deadline.cycle or deadline.award)

    def dehydrate_rule(self, deadline: Deadline) -> str:
        return deadline.rule_text


@admin.register(Deadline)
class DeadlineAdmin(ExportAdminMixin, HistoryAdmin):
    form = DeadlineAdminForm
    resource_classes = [DeadlineResource]
    list_display = ["__str__", "kind", "due_date", "rule_text", "due_at", "visibility"]
    list_filter = ["kind", "visibility", "time_rule", "cycle"]
    list_select_related = ["cycle", "award"]
    search_fields = ["label", "cycle__solicitation_number", "award__award_number"]
    autocomplete_fields = ["cycle", "award"]
    date_hierarchy = "due_at"
    readonly_fields = ["due_at"]

    @admin.display(description="time rule")
    def rule_text(self, deadline: Deadline) -> str:
        return deadline.rule_text

    def save_model(self, request: HttpRequest, obj: Deadline, form: Any, change: bool) -> None:
        deadline_save(deadline=obj)


# --- Cycles -----------------------------------------------------------------


@admin.register(Cycle)
class CycleAdmin(DeadlineOwnerAdminMixin, admin.ModelAdmin):
    inlines = [DeadlineInline]
    list_display = ["solicitation_number", "program", "year", "status", "deadline_count", "budget"]
    list_filter = ["program", "status"]
    search_fields = ["solicitation_number", "title", "program__name"]
    list_select_related = ["program"]
    # Explicit: a query with an aggregate drops Meta.ordering, and autocomplete pages by it.
    ordering = ["-year", "pk"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Cycle]:
        return super().get_queryset(request).annotate(deadline_count=Count("deadlines"))

    @admin.display(description="deadlines", ordering="deadline_count")
    def deadline_count(self, cycle: Cycle) -> int:
        return cycle.deadline_count  # type: ignore[attr-defined]


# --- Proposals --------------------------------------------------------------


class KnownPersonAutocomplete(AutocompleteSelect):
    """Autocomplete that labels the selected person from the row already loaded.

    Django's widget queries the selected object once per inline row; an inline of
    twenty investigators would make twenty queries.
    """

    known: dict[str, Person]

    def optgroups(self, name: str, value: Sequence[str], attr: Any = None) -> list[Any]:
        known = getattr(self, "known", {})
        selected = {str(v) for v in value if str(v) not in self.choices.field.empty_values}
        if not selected or not selected <= known.keys():
            return super().optgroups(name, value, attr)
        options = []
        if not self.is_required:
            options.append(self.create_option(name, "", "", False, 0))
        for key in sorted(selected):
            label = self.choices.field.label_from_instance(known[key])
            options.append(self.create_option(name, key, label, True, len(options)))
        return [(None, options, 0)]


class KnownPersonFormSet(BaseInlineFormSet):
    """Inline rows that point at a person: each row's person is labelled from the row
    itself (loaded with ``select_related``) instead of one query per row."""

    def _construct_form(self, i: int, **kwargs: Any) -> Any:
        form = super()._construct_form(i, **kwargs)  # type: ignore[misc]
        instance = form.instance
        if instance.pk and instance.person_id:
            wrapper = form.fields["person"].widget
            inner = getattr(wrapper, "widget", wrapper)
            if isinstance(inner, AutocompleteSelect):
                known = KnownPersonAutocomplete(inner.field, inner.admin_site, inner.attrs)
                known.choices = inner.choices
                known.is_required = inner.is_required
                known.known = {str(instance.person_id): instance.person}
                wrapper.widget = known
        return form


class OnePIFormSet(KnownPersonFormSet):
    """Investigators of one proposal or award: more than one PI is refused before the
    database refuses it."""

    pi_role = "pi"

    def clean(self) -> None:
        super().clean()
        pis = [
            form
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("role") == self.pi_role
        ]
        if len(pis) > 1:
            raise ValidationError(
                "Only one principal investigator is allowed; make the others co-PIs."
            )


class InvestigatorInline(admin.TabularInline):
    formset = OnePIFormSet
    extra = 0
    autocomplete_fields = ["person"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("person")


class ProposalInvestigatorInline(InvestigatorInline):
    model = ProposalInvestigator
    fields = ["person", "role", "order"]


class ProposalResource(resources.ModelResource):
    cycle = fields.Field(attribute="cycle__solicitation_number", column_name="cycle")
    lead_institution = fields.Field(
        attribute="lead_institution__name", column_name="lead institution"
    )
    principal_investigator = fields.Field(column_name="principal investigator")

    class Meta:
        model = Proposal
        fields = [
            "id",
            "reference",
            "title",
            "cycle",
            "status",
            "lead_institution",
            "principal_investigator",
            "requested_amount",
            "duration_months",
            "submitted_at",
            "decided_at",
        ]
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
class ProposalAdmin(ExportAdminMixin, HistoryAdmin):
    resource_classes = [ProposalResource]
    inlines = [ProposalInvestigatorInline]
    list_display = [
        "title",
        "cycle",
        "status",
        "lead_institution",
        "principal_investigator",
        "requested_amount",
        "submitted_at",
    ]
    list_filter = ["cycle", "status", ("lead_institution", admin.RelatedOnlyFieldListFilter)]
    search_fields = [
        "title",
        "reference",
        "investigators__person__family_name",
        "lead_institution__name",
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

    @admin.display(description="PI")
    def principal_investigator(self, proposal: Proposal) -> str:
        return _pi_name(proposal)

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
        }
        return TemplateResponse(request, "admin/proposals/proposal/award.html", context)


# --- Awards -----------------------------------------------------------------


class AwardInvestigatorInline(InvestigatorInline):
    model = AwardInvestigator
    fields = ["person", "role", "start_date", "end_date", "order"]


class AwardResource(resources.ModelResource):
    program = fields.Field(attribute="program__short_name", column_name="program")
    cycle = fields.Field(attribute="cycle__solicitation_number", column_name="cycle")
    institution = fields.Field(attribute="institution__name", column_name="institution")

    class Meta:
        model = Award
        fields = ["award_number", "title", "program", "cycle", "institution", *Award.TERMS]
        export_order = fields


@admin.register(Award)
class AwardAdmin(DeadlineOwnerAdminMixin, ExportAdminMixin, HistoryAdmin):
    resource_classes = [AwardResource]
    inlines = [AwardInvestigatorInline, AwardDeadlineInline]
    list_display = [
        "award_number",
        "title",
        "institution",
        "cycle",
        "awarded_amount",
        "start_date",
        "end_date",
    ]
    list_filter = ["program", "cycle", "instrument"]
    list_select_related = ["institution", "cycle"]
    search_fields = ["award_number", "title", "institution__name"]
    autocomplete_fields = ["program", "cycle", "institution", "proposal", "program_elements"]
    date_hierarchy = "start_date"
    readonly_fields = ["collaborating_awards", "created_at", "updated_at"]

    @admin.display(description="collaborating awards")
    def collaborating_awards(self, award: Award) -> str:
        if not award.collaboration_key:
            return "-"
        others = (
            Award.objects.filter(collaboration_key=award.collaboration_key)
            .exclude(pk=award.pk)
            .select_related("institution")
        )
        return (
            format_html_join(
                ", ",
                '<a href="{}">{}</a> ({})',
                (
                    (
                        reverse("admin:proposals_award_change", args=[o.pk]),
                        o.award_number,
                        o.institution,
                    )
                    for o in others
                ),
            )
            or "none recorded yet"
        )


# --- Imports of NSF award data ------------------------------------------------


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        help_text="NSF award data: bulk XML, Award Search API JSON, bulk JSON, or a .zip of them."
    )
    program = forms.ModelChoiceField(queryset=Program.objects.all())
    skip_bad = forms.BooleanField(
        required=False,
        label="Skip bad files",
        help_text="Import the rest and list malformed files, instead of importing nothing.",
    )
    import_all = forms.BooleanField(
        required=False,
        label="Import all awards",
        help_text="Also awards whose program element is not the program's own.",
    )
    dry_run = forms.BooleanField(
        required=False, label="Dry run", help_text="Report what would change; write nothing."
    )


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = ["filename", "program", "status", "summary", "created_by", "created_at"]
    list_filter = ["status", "program"]
    list_select_related = ["program", "created_by"]
    readonly_fields = [
        "filename",
        "program",
        "status",
        "phase",
        "progress",
        "message",
        "count_table",
        "error_list",
        "skip_bad",
        "import_all",
        "dry_run",
        "created_by",
        "created_at",
        "queued_at",
        "started_at",
        "heartbeat_at",
        "finished_at",
        "rerun_of",
    ]
    fields = list(readonly_fields)
    actions = ["run_again"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a run is a record of what happened; it is not edited

    @admin.display(description="result")
    def summary(self, run: ImportRun) -> str:
        return run.message or run.get_status_display()

    @admin.display(description="progress")
    def progress(self, run: ImportRun) -> str:
        if not run.documents_total:
            return "waiting for a worker" if run.status == ImportRun.Status.QUEUED else "-"
        percent = 100 * run.documents_done // run.documents_total
        return f"{run.documents_done:,} of {run.documents_total:,} documents read ({percent}%)"

    @admin.display(description="counts")
    def count_table(self, run: ImportRun) -> str:
        if not run.counts:
            return "-"
        rows = format_html_join(
            "", "<tr><th scope='row'>{}</th><td>{}</td></tr>", run.counts.items()
        )
        return format_html("<table>{}</table>", rows)

    @admin.display(description="bad input")
    def error_list(self, run: ImportRun) -> str:
        if not run.errors:
            return "none"
        return format_html(
            "<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((e,) for e in run.errors))
        )

    @admin.action(description="Run again (failed or interrupted runs)", permissions=["add"])
    def run_again(self, request: HttpRequest, queryset: QuerySet[ImportRun]) -> None:
        for run in queryset:
            self._run_again(request, run)

    def _run_again(self, request: HttpRequest, run: ImportRun) -> ImportRun | None:
        try:
            again = import_run_again(run=run, created_by=request.user)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return None
        self.message_user(request, f"{again.filename} queued to be imported again.")
        return again

    def get_urls(self) -> list[Any]:
        from django.urls import path

        return [
            path(
                "<path:object_id>/run-again/",
                self.admin_site.admin_view(self.run_again_view),
                name="proposals_importrun_run_again",
            ),
            *super().get_urls(),
        ]

    def run_again_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        # Permission first: a refused user learns nothing about which runs exist.
        if not (self.has_view_permission(request) and self.has_add_permission(request)):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        run = self.get_object(request, object_id)
        if run is None:
            raise Http404("No such import run.")
        again = self._run_again(request, run)
        return redirect("admin:proposals_importrun_change", (again or run).pk)

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ImportUploadForm(
            request.POST or None,
            request.FILES or None,
            initial={"program": Program.objects.order_by("pk").first()},
        )
        if request.method == "POST" and form.is_valid():
            try:
                run = import_run_create(
                    program=form.cleaned_data["program"],
                    upload=form.cleaned_data["file"],
                    created_by=request.user,
                    skip_bad=form.cleaned_data["skip_bad"],
                    import_all=form.cleaned_data["import_all"],
                    dry_run=form.cleaned_data["dry_run"],
                )
            except DomainError as exc:
                form.add_error("file", exc.message)
            else:
                self.message_user(
                    request, f"{run.filename} uploaded; the import runs in the background."
                )
                return redirect("admin:proposals_importrun_change", run.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": "Import NSF award data",
            "submit_label": "Upload and import",
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/proposals/importrun/upload.html", context)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        run = self.get_object(request, object_id)
        # Staff need not wait for beat to learn that the worker is gone.
        running = run is not None and run.status == ImportRun.Status.RUNNING
        if run is not None and running and import_runs_interrupt_stale(run_ids=[run.pk]):
            run.refresh_from_db()
        extra = {
            "refresh_seconds": 2 if run is not None and not run.is_finished else None,
            "can_run_again": (
                run is not None
                and run.status in (ImportRun.Status.FAILED, ImportRun.Status.INTERRUPTED)
                and bool(run.upload)
                and self.has_add_permission(request)
            ),
        }
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})


# --- Reminders ----------------------------------------------------------------


@admin.register(ReminderDelivery)
class ReminderDeliveryAdmin(admin.ModelAdmin):
    """Every reminder e-mail: what, to whom, when, and how it went. Read-only: deliveries
    change only by being sent (or re-sent, with the action)."""

    list_display = ["send_at", "state", "what", "email", "attempts", "sent_at", "note", "deadline"]
    list_filter = ["state", "kind", "offset_days", "deadline__cycle"]
    list_select_related = ["deadline__cycle", "deadline__award"]
    search_fields = ["email", "recipient", "message_id", "deadline__label"]
    date_hierarchy = "send_at"
    readonly_fields = [field.name for field in ReminderDelivery._meta.fields]
    actions = [
        service_action(
            lambda delivery: reminders.delivery_resend(delivery=delivery),
            name="resend",
            description="Send the selected reminders again",
            done="queued to send again",
        )
    ]

    @admin.display(description="what", ordering="offset_days")
    def what(self, delivery: ReminderDelivery) -> str:
        if delivery.kind == ReminderDelivery.Kind.CHANGED:
            return "change notice"
        return f"{delivery.offset_days}-day reminder"

    @admin.display(description="error or note")
    def note(self, delivery: ReminderDelivery) -> str:
        text = delivery.last_error
        return text if len(text) <= 60 else f"{text[:57]}…"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ReminderSubscription)
class ReminderSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["email", "program", "cycle", "time_zone", "confirmed_at", "unsubscribed_at"]
    list_filter = [
        ("confirmed_at", admin.EmptyFieldListFilter),
        ("unsubscribed_at", admin.EmptyFieldListFilter),
        "program",
        "cycle",
    ]
    list_select_related = ["program", "cycle"]
    search_fields = ["email"]
    readonly_fields = ["created_at", "confirmation_sent_at", "confirmed_at", "unsubscribed_at"]
