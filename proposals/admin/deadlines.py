"""Admin of deadlines: on their own, and inline on the cycles and awards they belong to.
Every save goes through ``deadline_save``, which derives the instant and plans reminders."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from import_export import fields

from fairprog.admin_mixins import ExportAdminMixin, HistoryAdmin
from fairprog.errors import DomainError
from proposals.admin.display import PlainColumnsExportForm, PlainResource
from proposals.models import Deadline
from proposals.services.programs import deadline_due_at, deadline_save


class ReminderOffsetsField(forms.Field):
    """Reminder offsets typed as "30, 7, 1" (days before the deadline).

    Left empty, the field gives ``empty_value``: the offsets that then apply.
    """

    def __init__(self, *, empty_value: list[int] | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "Days before the deadline, e.g. 30, 7, 1.")
        kwargs.setdefault("widget", forms.TextInput(attrs={"size": 6}))
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


class DeadlineForm(forms.ModelForm):
    # Left empty, deadline_save applies the program's default offsets.
    reminder_offsets = ReminderOffsetsField(
        help_text="Days before the deadline, e.g. 30, 7, 1. Empty: the program's default."
    )

    class Meta:
        # The admin supplies the model and fields; narrower inputs keep the inline on screen.
        widgets = {
            "label": forms.TextInput(attrs={"size": 10}),
            "time_zone": forms.TextInput(attrs={"size": 14}),
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
    fields = [*Deadline.TERMS, "visibility", "reminder_offsets"]
    # Narrower cells (fairprog/admin.css), so all nine columns fit beside the navigation.
    classes = ["fp-compact"]

    class Media:
        css = {"all": ["fairprog/admin.css"]}

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


class DeadlineResource(PlainResource):
    owner = fields.Field(column_name="cycle or award")
    rule = fields.Field(column_name="time rule")

    class Meta:
        model = Deadline
        # The export writes the rule in words ("5 p.m. submitter's local time"), not its code.
        fields = ["id", "owner", "kind", "label", "due_date", "due_time", "rule", "time_zone"]
        fields += ["due_at", "visibility"]
        export_order = fields

    def dehydrate_owner(self, deadline: Deadline) -> str:
        return str(deadline.cycle or deadline.award)

    def dehydrate_rule(self, deadline: Deadline) -> str:
        return deadline.rule_text


@admin.register(Deadline)
class DeadlineAdmin(ExportAdminMixin, HistoryAdmin):
    form = DeadlineAdminForm
    resource_classes = [DeadlineResource]
    export_form_class = PlainColumnsExportForm
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
