"""Staff admin for the catalogue: every change of an artifact goes through its services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.timezone import localtime
from import_export import fields

from artifacts.models import (
    Artifact,
    ArtifactCreator,
    ArtifactLink,
    FairnessDimension,
    FairnessNotion,
    LinkCheck,
    LinkState,
    MetricInput,
    SensitiveAttribute,
    Task,
)
from artifacts.services import links
from artifacts.services.artifacts import (
    artifact_create,
    artifact_fields_normalised,
    artifact_publish,
    artifact_retire,
    artifact_update,
)
from fairprog.admin_actions import service_action
from fairprog.admin_mixins import CatalogueAdminMixin, ExportAdminMixin, HistoryAdmin
from fairprog.errors import DomainError
from proposals.admin.display import PlainColumnsExportForm, PlainResource
from proposals.admin.investigators import KnownPersonFormSet


class ArtifactForm(forms.ModelForm):
    """Makes the services' checks before the save, so a bad identifier is shown beside its
    field with what was typed, where a refusal in ``ArtifactAdmin.save_model`` would be an
    error page."""

    keywords = forms.CharField(
        required=False,
        help_text="Comma-separated, e.g. speech recognition, dialects, word error rate.",
        widget=forms.TextInput(attrs={"size": 80}),
    )
    fairness_notions = forms.MultipleChoiceField(
        choices=FairnessNotion.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Metrics: the notions it measures.",
    )
    metric_inputs = forms.MultipleChoiceField(
        choices=MetricInput.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Metrics: what it needs as input.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["keywords"] = ", ".join(self.instance.keywords)

    def clean_keywords(self) -> list[str]:
        text: str = self.cleaned_data["keywords"]
        return text.split(",")

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        given: dict[str, Any] = {
            name: cleaned[name]
            for name in ("doi", "license", "keywords", "slug", "superseded_by")
            if name in cleaned
        }
        try:
            editing = self.instance if self.instance.pk else None
            cleaned.update(artifact_fields_normalised(given, artifact=editing))
        except DomainError as exc:
            for name, messages in exc.errors.items():
                self.add_error(name, messages)
        return cleaned


class CreatorInline(admin.TabularInline):
    model = ArtifactCreator
    formset = KnownPersonFormSet
    extra = 0
    autocomplete_fields = ["person"]
    fields = ["person", "order"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ArtifactCreator]:
        return super().get_queryset(request).select_related("person", "artifact")


class SensitiveAttributeInline(admin.TabularInline):
    """Datasets: the sensitive attributes the data record, and how they were obtained."""

    model = SensitiveAttribute
    extra = 0
    fields = ["dimension", "obtained", "note"]
    verbose_name_plural = "sensitive attributes (datasets)"

    def get_queryset(self, request: HttpRequest) -> QuerySet[SensitiveAttribute]:
        return super().get_queryset(request).select_related("dimension")

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "dimension" and field is not None:
            # Read once for the formset: each row's select would read the vocabulary again.
            field.choices = [
                ("", "---------"),
                *FairnessDimension.objects.values_list("pk", "name"),
            ]
        return field


class ArtifactResource(PlainResource):
    award = fields.Field(attribute="award__award_number", column_name="award")

    class Meta:
        model = Artifact
        fields = [
            "slug", "title", "kind", "status", "award", "license", "doi", "landing_url",
            "repository_url", "version", "release_date", "published_at",
        ]  # fmt: skip
        export_order = fields


@admin.register(Artifact)
class ArtifactAdmin(CatalogueAdminMixin, ExportAdminMixin, HistoryAdmin):
    form = ArtifactForm
    resource_classes = [ArtifactResource]
    export_form_class = PlainColumnsExportForm
    inlines = [CreatorInline, SensitiveAttributeInline]
    # Columns that wrap: a linked record (the award) would not, and pushed the table past
    # a desktop screen; demo records are a filter.
    list_display = [
        *("title", "kind", "status", "award_number", "license", "published", "link_health"),
    ]
    list_filter = ["status", "kind", "link_health", "license", "dimensions", "tasks", "is_demo"]
    list_select_related = ["award"]
    search_fields = ["title", "slug", "summary", "doi", "award__award_number"]
    autocomplete_fields = ["award", "superseded_by"]
    filter_horizontal = ["dimensions", "tasks"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = [
        *("status", "published_at", "retired_at", "created_at", "updated_at", "link_health"),
        "links_table",
    ]
    fieldsets = [
        (None, {"fields": ["award", "kind", "title", "slug", "summary", "description"]}),
        (
            "Where to find it",
            {"fields": ["landing_url", "repository_url", "doi", "license", "version",
                        "release_date", "link_health", "links_table"]},
        ),
        ("Classification", {"fields": ["keywords", "dimensions", "tasks"]}),
        (
            "Documentation (datasheet / model card)",
            {"fields": ["intended_use", "out_of_scope_use", "limitations", "evaluation_data",
                        "ethical_considerations"]},
        ),
        (
            "Fairness",
            {"fields": ["domain", "collection_process", "consent_anonymisation", "known_biases",
                        "annotator_demographics", "fairness_notions", "metric_form",
                        "metric_inputs", "group_results"],
             "description": "Every field may stay empty: the public page then says what the "
                            "artifact's kind calls for and is not stated. Sensitive attributes "
                            "are listed below the form."},
        ),
        (
            "Publication",
            {"fields": ["status", "published_at", "retired_at", "retirement_note",
                        "superseded_by", "is_demo"]},
        ),
        ("Record", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]  # fmt: skip
    actions = [
        service_action(
            lambda artifact: artifact_publish(artifact=artifact),
            name="publish",
            description="Publish",
            done="published",
        ),
        service_action(
            lambda artifact: artifact_retire(
                artifact=artifact,
                note=artifact.retirement_note,
                superseded_by=artifact.superseded_by,
            ),
            name="retire",
            description="Retire (uses each artifact's retirement note and successor)",
            done="retired",
        ),
        "check_links_now",
    ]

    @admin.display(description="award", ordering="award__award_number")
    def award_number(self, artifact: Artifact) -> str:
        return artifact.award.award_number

    @admin.display(description="published", ordering="published_at")
    def published(self, artifact: Artifact) -> Any:
        return artifact.published_at.date() if artifact.published_at else None

    def has_check_links_permission(self, request: HttpRequest) -> bool:
        """Checking now acts on the links, as "Check now" in the link list does."""
        return request.user.has_perm("artifacts.change_artifactlink")

    @admin.action(description="Check their links now", permissions=["check_links"])
    def check_links_now(self, request: HttpRequest, queryset: QuerySet[Artifact]) -> None:
        ids = list(ArtifactLink.objects.filter(artifact__in=queryset).values_list("pk", flat=True))
        links.links_check_soon(link_ids=ids)
        self.message_user(
            request,
            f"{len(ids)} link{'s' if len(ids) != 1 else ''} queued for checking.",
            messages.SUCCESS,
        )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        """Saved by the service, which also sets the dimensions and tasks, syncs the links
        (new or edited URLs are checked at once) and moves the catalogue version."""
        if change:
            artifact_update(artifact=obj, **form.cleaned_data)
        else:
            _become(obj, artifact_create(**form.cleaned_data))

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # The service has set the dimensions and tasks; what is left are the creators and
        # sensitive attributes inlines, saved in the same transaction, whose commit moves
        # the catalogue version.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    @admin.display(description="links")
    def links_table(self, artifact: Artifact) -> SafeString:
        rows = format_html_join(
            "",
            '<tr><td>{}</td><td><a href="{}">{}</a></td><td>{}</td><td>{}</td></tr>',
            (
                (
                    link.get_role_display(),
                    reverse("admin:artifacts_artifactlink_change", args=[link.pk]),
                    link.url,
                    link.get_state_display(),
                    (
                        date_format(localtime(link.last_checked_at), "DATETIME_FORMAT")
                        if link.last_checked_at
                        else "never"
                    ),
                )
                for link in artifact.links.all()
            ),
        )
        if not rows:
            return format_html("{}", "No links yet (saved URLs appear here).")
        return format_html(
            "<table><thead><tr><th>Link</th><th>URL</th><th>State</th><th>Last checked</th>"
            '</tr></thead><tbody>{}</tbody></table><p><a href="{}?artifact__id__exact={}">'
            "These links in the link-health list</a></p>",
            rows,
            reverse("admin:artifacts_artifactlink_changelist"),
            artifact.pk,
        )


def _become(unsaved: Artifact, saved: Artifact) -> None:
    """Make the admin's unsaved instance the one the service saved: the add view goes on
    with its own instance (the creators inline points at it, the log and redirect name it)."""
    for field in Artifact._meta.concrete_fields:
        setattr(unsaved, field.attname, getattr(saved, field.attname))
    unsaved._state.adding = False
    unsaved._state.db = saved._state.db


@admin.register(FairnessDimension)
class FairnessDimensionAdmin(CatalogueAdminMixin, admin.ModelAdmin):
    list_display = ["name", "slug", "order"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(Task)
class TaskAdmin(CatalogueAdminMixin, admin.ModelAdmin):
    list_display = ["name", "slug", "order"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


class HostFilter(admin.SimpleListFilter):
    """The hosts with most links that are not working, then the largest hosts."""

    title = "host"
    parameter_name = "host"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        hosts = (
            ArtifactLink.objects.values("host")
            .annotate(
                n=Count("pk"),
                bad=Count("pk", filter=~Q(state__in=[LinkState.OK, LinkState.REDIRECTED])),
            )
            .order_by("-bad", "-n", "host")[:25]
        )
        return [(row["host"], f"{row['host']} ({row['bad']} of {row['n']})") for row in hosts]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(host=self.value()) if self.value() else queryset


_LINK_FIELDS = (
    *("artifact", "role", "url", "host", "state", "state_since", "consecutive_failures"),
    *("failing_since", "last_checked_at", "last_ok_at", "last_outcome", "last_status_code"),
    *("last_error", "final_url", "proposed_url", "next_check_at", "history"),
)


class MovedFilter(admin.SimpleListFilter):
    title = "moved permanently"
    parameter_name = "moved"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "A new address is proposed")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.exclude(proposed_url="") if self.value() == "yes" else queryset


@admin.register(ArtifactLink)
class ArtifactLinkAdmin(admin.ModelAdmin):
    # Columns that wrap, so the list fits a desktop screen with the sidebar open; the role
    # is a filter, the last status code on the link's own page.
    list_display = [
        *("url", "state", "since", "failures", "last_checked", "artifact_title"),
    ]
    list_filter = ["state", "role", "last_outcome", MovedFilter, HostFilter]
    list_select_related = ["artifact"]
    search_fields = ["url", "host", "artifact__title", "artifact__slug"]
    date_hierarchy = "last_checked_at"
    ordering = ["-state_since"]
    fields = _LINK_FIELDS
    readonly_fields = _LINK_FIELDS

    @admin.display(description="since", ordering="state_since")
    def since(self, link: ArtifactLink) -> Any:
        return link.state_since.date() if link.state_since else None

    @admin.display(description="failures", ordering="consecutive_failures")
    def failures(self, link: ArtifactLink) -> int:
        return link.consecutive_failures

    @admin.display(description="last checked", ordering="last_checked_at")
    def last_checked(self, link: ArtifactLink) -> Any:
        return link.last_checked_at.date() if link.last_checked_at else None

    @admin.display(description="artifact", ordering="artifact__title")
    def artifact_title(self, link: ArtifactLink) -> str:
        return link.artifact.title

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # links follow the artifact's URLs

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="check history (latest 50)")
    def history(self, link: ArtifactLink) -> SafeString:
        checks = link.checks.order_by("-checked_at")[:50]
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{} ms</td><td>{}</td></tr>",
            (
                (
                    date_format(localtime(check.checked_at), "DATETIME_FORMAT"),
                    check.get_outcome_display(),
                    check.status_code or "-",
                    " → ".join(f"{status} {url}" for status, url in check.redirects) or "-",
                    check.latency_ms,
                    check.error or "",
                )
                for check in checks
            ),
        )
        if not rows:
            return format_html("{}", "Not checked yet.")
        return format_html(
            "<table><thead><tr><th>When</th><th>Outcome</th><th>Status</th><th>Redirects</th>"
            "<th>Latency</th><th>Error</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )

    def has_accept_proposed_permission(self, request: HttpRequest) -> bool:
        """Accepting a proposed address changes the link's artifact too."""
        return self.has_change_permission(request) and request.user.has_perm(
            "artifacts.change_artifact"
        )

    @admin.action(description="Check now", permissions=["change"])
    def check_now(self, request: HttpRequest, queryset: QuerySet[ArtifactLink]) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        links.links_check_soon(link_ids=ids)
        self.message_user(
            request,
            f"{len(ids)} link{'s' if len(ids) != 1 else ''} queued for checking; "
            "refresh in a moment to see the results.",
            messages.SUCCESS,
        )

    actions = [
        "check_now",
        service_action(
            lambda link: links.link_accept_proposed(link=link),
            name="accept_proposed",
            description="Use the proposed new address (permanent redirects)",
            done="updated to their new address",
            permissions=["accept_proposed"],
        ),
    ]


@admin.register(LinkCheck)
class LinkCheckAdmin(admin.ModelAdmin):
    list_display = ["checked_at", "url", "outcome", "status_code", "latency_ms", "attempts"]
    list_filter = ["outcome"]
    list_select_related = ["link"]
    search_fields = ["url", "final_url"]
    date_hierarchy = "checked_at"
    readonly_fields = [
        *("link", "checked_at", "url", "outcome", "status_code", "final_url", "redirects"),
        *("latency_ms", "attempts", "error"),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


from artifacts import admin_discovery, admin_submissions  # noqa: E402,F401
