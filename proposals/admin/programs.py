"""Admin of programs, their NSF program elements, and their cycles (with the cycles'
deadlines inline)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from fairprog.admin_mixins import CatalogueAdminMixin
from proposals.admin.deadlines import DeadlineInline, DeadlineOwnerAdminMixin, ReminderOffsetsField
from proposals.admin.display import money
from proposals.models import Cycle, Program, ProgramElement
from proposals.models.fields import DEFAULT_REMINDER_OFFSETS


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


@admin.register(ProgramElement)
class ProgramElementAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Cycle)
class CycleAdmin(CatalogueAdminMixin, DeadlineOwnerAdminMixin, admin.ModelAdmin):
    inlines = [DeadlineInline]
    list_display = [
        "solicitation_number",
        "program_name",
        "year",
        "status",
        "deadline_count",
        "funds",
    ]
    list_filter = ["program", "status"]
    search_fields = ["solicitation_number", "title", "program__name"]
    list_select_related = ["program"]
    # Explicit: a query with an aggregate drops Meta.ordering, and autocomplete pages by it.
    ordering = ["-year", "pk"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Cycle]:
        return super().get_queryset(request).annotate(deadline_count=Count("deadlines"))

    # The short name: the full one ("NSF Program on Fairness in …") pushes the budget off screen.
    @admin.display(description="program", ordering="program__short_name")
    def program_name(self, cycle: Cycle) -> str:
        return cycle.program.short_name or cycle.program.name

    @admin.display(description="budget", ordering="budget")
    def funds(self, cycle: Cycle) -> str:
        return money(cycle.budget)

    @admin.display(description="deadlines", ordering="deadline_count")
    def deadline_count(self, cycle: Cycle) -> int:
        return cycle.deadline_count  # type: ignore[attr-defined]
