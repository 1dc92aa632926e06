"""Staff admin for the catalogue. Publication state changes go through ``artifacts.services``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from import_export import fields, resources
from import_export.admin import ExportMixin
from simple_history.admin import SimpleHistoryAdmin

from artifacts import services
from artifacts.models import Artifact, ArtifactCreator, FairnessDimension, Task
from artifacts.validators import normalize_doi, normalize_spdx_license
from fairprog.admin_actions import service_action
from proposals.admin import KnownPersonFormSet


class ArtifactForm(forms.ModelForm):
    """Stores DOIs bare and lower-case and SPDX ids in their canonical spelling."""

    keywords = forms.CharField(
        required=False,
        help_text="Comma-separated, e.g. speech recognition, dialects, word error rate.",
        widget=forms.TextInput(attrs={"size": 80}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["keywords"] = ", ".join(self.instance.keywords)

    def clean_keywords(self) -> list[str]:
        text: str = self.cleaned_data["keywords"]
        return [part.strip() for part in text.split(",") if part.strip()]

    def clean_doi(self) -> str:
        value: str = self.cleaned_data["doi"]
        return normalize_doi(value) if value else ""

    def clean_license(self) -> str:
        value: str = self.cleaned_data["license"]
        return normalize_spdx_license(value) if value else ""


class CreatorInline(admin.TabularInline):
    model = ArtifactCreator
    formset = KnownPersonFormSet
    extra = 0
    autocomplete_fields = ["person"]
    fields = ["person", "order"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ArtifactCreator]:
        return super().get_queryset(request).select_related("person", "artifact")


class ArtifactResource(resources.ModelResource):
    award = fields.Field(attribute="award__award_number", column_name="award")

    class Meta:
        model = Artifact
        fields = [
            "slug", "title", "kind", "status", "award", "license", "doi", "landing_url",
            "repository_url", "version", "release_date", "published_at",
        ]  # fmt: skip
        export_order = fields


@admin.register(Artifact)
class ArtifactAdmin(ExportMixin, SimpleHistoryAdmin):
    form = ArtifactForm
    resource_classes = [ArtifactResource]
    inlines = [CreatorInline]
    list_display = ["title", "kind", "status", "award", "license", "published_at", "is_demo"]
    list_filter = ["status", "kind", "license", "dimensions", "tasks", "is_demo"]
    list_select_related = ["award"]
    search_fields = ["title", "slug", "summary", "doi", "award__award_number"]
    autocomplete_fields = ["award"]
    filter_horizontal = ["dimensions", "tasks"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["status", "published_at", "retired_at", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["award", "kind", "title", "slug", "summary", "description"]}),
        (
            "Where to find it",
            {"fields": ["landing_url", "repository_url", "doi", "license", "version",
                        "release_date"]},
        ),
        ("Classification", {"fields": ["keywords", "dimensions", "tasks"]}),
        (
            "Documentation (datasheet / model card)",
            {"fields": ["intended_use", "out_of_scope_use", "limitations", "evaluation_data",
                        "ethical_considerations"]},
        ),
        (
            "Publication",
            {"fields": ["status", "published_at", "retired_at", "retirement_note", "is_demo"]},
        ),
        ("Record", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]  # fmt: skip
    actions = [
        service_action(
            lambda artifact: services.artifact_publish(artifact=artifact),
            name="publish",
            description="Publish",
            done="published",
        ),
        service_action(
            lambda artifact: services.artifact_retire(
                artifact=artifact, note=artifact.retirement_note
            ),
            name="retire",
            description="Retire (uses each artifact's retirement note)",
            done="retired",
        ),
    ]


@admin.register(FairnessDimension)
class FairnessDimensionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "order"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "order"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]
