"""Staff admin for outputs found by award number: the queue of suggestions (accept, reject
with a reason, merge), the publications of awards and the discovery runs."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from artifacts.models import Artifact, DiscoveryRun, Publication, Suggestion
from artifacts.models.discovery import SOURCE_CHOICES, SOURCE_LABELS
from artifacts.selectors.discovery import suggestion_queue
from artifacts.services.discovery import (
    suggestion_accept,
    suggestion_merge,
    suggestion_reject,
)
from artifacts.services.publications import (
    publication_create,
    publication_delete,
    publication_update,
)
from artifacts.validators import normalize_doi
from fairprog.errors import DomainError


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


class SourceFilter(admin.SimpleListFilter):
    """The suggestions a source found (alone or with others)."""

    title = "source"
    parameter_name = "source"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return list(SOURCE_CHOICES)

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        # The source records are keyed by source, one per source that found the work.
        value = self.value()
        return queryset.filter(source_records__has_key=value) if value else queryset


class RejectForm(forms.Form):
    reason = forms.CharField(
        max_length=500,
        widget=forms.TextInput(attrs={"size": 80}),
        help_text="One line, kept with the suggestion: the work is never suggested again.",
    )


_SUGGESTION_FIELDS = (
    *("title", "work_type", "type_as_given", "award", "state", "team_answer", "team_answered_at"),
    *("reason", "doi", "url"),
    *("authors", "license", "version", "published", "year", "venue", "why_matched"),
    *("merged_into", "artifact", "publication", "created_at", "decided_at", "decided_by"),
    "records",
)


@admin.register(Suggestion)
class SuggestionAdmin(admin.ModelAdmin):
    list_display = ["title", "work_type", "award", "found_by", "state", "team_answer", "created_at"]
    list_filter = [
        SourceFilter,
        "work_type",
        ("award", admin.RelatedOnlyFieldListFilter),
        "state",
        "team_answer",
    ]
    list_select_related = ["award"]
    search_fields = ["title", "doi"]
    date_hierarchy = "created_at"
    fields = _SUGGESTION_FIELDS
    readonly_fields = _SUGGESTION_FIELDS
    actions = ["accept", "reject", "merge"]

    class Media:
        css = {"all": ["fairprog/admin.css"]}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Suggestion]:
        return suggestion_queue()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # suggestions come from the indexes; staff add publications directly

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a decided suggestion's key keeps the work from being suggested again

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        # Every field is the source's and read-only: staff decide through the actions, so
        # the page offers no save.
        context = {**(extra_context or {}), "show_save": False, "show_save_and_continue": False}
        return super().change_view(request, object_id, form_url, context)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        """Nothing to save: the fields are read-only, and a decision is made by the accept,
        reject and merge actions, through their services."""

    def has_accept_permission(self, request: HttpRequest) -> bool:
        """Accepting makes a draft artifact or a publication."""
        return (
            self.has_change_permission(request)
            and request.user.has_perm("artifacts.add_artifact")
            and request.user.has_perm("artifacts.add_publication")
        )

    @admin.display(description="found by")
    def found_by(self, suggestion: Suggestion) -> str:
        return ", ".join(SOURCE_LABELS.get(s, s) for s in suggestion.sources)  # type: ignore[call-overload]

    @admin.display(description="creators")
    def authors(self, suggestion: Suggestion) -> SafeString:
        return format_html(
            "{}",
            "; ".join(
                str(c.get("name", "")) + (f" (ORCID {c['orcid']})" if c.get("orcid") else "")
                for c in suggestion.creators
            )
            or "-",
        )

    @admin.display(description="why it matched")
    def why_matched(self, suggestion: Suggestion) -> SafeString:
        rows = "".join(
            str(
                format_html(
                    "<li>{}: award “{}”, funder “{}”</li>",
                    SOURCE_LABELS.get(m.get("source"), m.get("source")),
                    m.get("raw_award", ""),
                    m.get("funder_as_given") or "not named",
                )
            )
            for m in suggestion.matches
        )
        return (
            format_html('<ul class="fp-matches">{}</ul>', SafeString(rows))
            if rows
            else format_html("-")
        )

    @admin.display(description="source records")
    def records(self, suggestion: Suggestion) -> SafeString:
        # Escaped by format_html: the records are the indexes' text, not ours.
        return format_html(
            '<pre class="fp-source-records">{}</pre>',
            json.dumps(suggestion.source_records, indent=2, ensure_ascii=False, sort_keys=True),
        )

    @admin.action(description="Accept (draft artifact, or publication for an article)",
                  permissions=["accept"])  # fmt: skip
    def accept(self, request: HttpRequest, queryset: QuerySet[Suggestion]) -> None:
        artifacts = publications = 0
        for suggestion in queryset.order_by("created_at", "pk"):
            try:
                made = suggestion_accept(suggestion=suggestion, user=request.user)
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)
                continue
            if isinstance(made, Artifact):
                artifacts += 1
            else:
                publications += 1
        if artifacts or publications:
            made_parts = [
                part
                for count, part in (
                    (artifacts, _plural(artifacts, "draft artifact")),
                    (publications, _plural(publications, "publication")),
                )
                if count
            ]
            self.message_user(
                request,
                f"Accepted {artifacts + publications}: {', '.join(made_parts)}.",
                messages.SUCCESS,
            )

    @admin.action(description="Reject (asks for the reason)", permissions=["change"])
    def reject(self, request: HttpRequest, queryset: QuerySet[Suggestion]) -> HttpResponse | None:
        form = RejectForm(request.POST if "reason" in request.POST else None)
        if form.is_bound and form.is_valid():
            rejected = 0
            for suggestion in queryset.order_by("created_at", "pk"):
                try:
                    suggestion_reject(
                        suggestion=suggestion, user=request.user, reason=form.cleaned_data["reason"]
                    )
                except DomainError as exc:
                    self.message_user(request, exc.message, messages.ERROR)
                else:
                    rejected += 1
            if rejected:
                self.message_user(
                    request, f"Rejected {_plural(rejected, 'suggestion')}.", messages.SUCCESS
                )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Reject suggestions",
            "submit_label": "Reject",
            "suggestions": list(queryset.order_by("created_at", "pk")),
            "form": form,
            "opts": self.model._meta,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/artifacts/suggestion/reject.html", context)

    @admin.action(description="Merge (two selected: the same work)", permissions=["change"])
    def merge(self, request: HttpRequest, queryset: QuerySet[Suggestion]) -> None:
        chosen = list(queryset.order_by("created_at", "pk")[:3])
        if len(chosen) != 2:
            self.message_user(
                request, "Select exactly two suggestions of the same work to merge.", messages.ERROR
            )
            return
        # The one with a DOI stays (it is how the other sources will name the work), else
        # the one found first.
        into, duplicate = chosen
        if duplicate.doi and not into.doi:
            into, duplicate = duplicate, into
        try:
            suggestion_merge(suggestion=duplicate, into=into, user=request.user)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return
        self.message_user(
            request, f'Merged "{duplicate.title}" into "{into.title}".', messages.SUCCESS
        )


class PublicationForm(forms.ModelForm):
    class Meta:
        model = Publication
        fields = ["award", "title", "doi", "authors", "venue", "year", "url"]

    def clean_authors(self) -> list[Any]:
        # Left empty, the form's JSON field gives None; no authors is an empty list.
        authors = self.cleaned_data.get("authors")
        if authors in (None, ""):
            return []
        if not isinstance(authors, list) or not all(isinstance(a, dict) for a in authors):
            raise forms.ValidationError(
                'Give the authors as a list such as [{"name": "Ada Lovelace", "orcid": ""}].'
            )
        return authors

    def clean_doi(self) -> str:
        doi: str = self.cleaned_data.get("doi") or ""
        try:
            return normalize_doi(doi) if doi.strip() else ""
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from exc


@admin.register(Publication)
class PublicationAdmin(admin.ModelAdmin):
    form = PublicationForm
    list_display = ["title", "award", "year", "venue", "doi"]
    list_filter = ["year"]
    list_select_related = ["award"]
    search_fields = ["title", "doi", "award__award_number"]
    autocomplete_fields = ["award"]
    readonly_fields = ["created_at"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        """Saved by the services, which move the catalogue version (publications show on
        project pages)."""
        fields = {name: form.cleaned_data[name] for name in PublicationForm.Meta.fields}
        if change:
            publication_update(publication=obj, **fields)
            return
        saved = publication_create(**fields)
        obj.pk, obj.created_at = saved.pk, saved.created_at
        obj._state.adding = False

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        publication_delete(publication=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Publication]) -> None:
        for publication in queryset:
            publication_delete(publication=publication)


_RUN_FIELDS = (
    *("source", "status", "started_at", "finished_at", "awards_searched", "requests"),
    *("works_read", "suggestions_made", "error"),
)


@admin.register(DiscoveryRun)
class DiscoveryRunAdmin(admin.ModelAdmin):
    list_display = [
        *("started_at", "source", "status", "awards_searched", "requests", "works_read"),
        *("suggestions_made", "finished_at"),
    ]
    list_filter = ["source", "status"]
    date_hierarchy = "started_at"
    fields = _RUN_FIELDS
    readonly_fields = _RUN_FIELDS

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a run is recorded by the run itself

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
