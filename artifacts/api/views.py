"""Read-only public API of the catalogue: /api/v1/artifacts/."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db import connection
from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from artifacts import metadata, selectors
from artifacts.api.renderers import BibTeXRenderer, CFFRenderer, DataCiteRenderer, JSONLDRenderer
from artifacts.api.serializers import ArtifactSerializer
from artifacts.models import Artifact, ArtifactCreator, FairnessDimension, Task
from artifacts.validators import spdx_licenses
from fairprog.api import ConditionalGetMixin
from proposals.models import Organization

ORDERINGS = [
    ("newest", "Newest first"),
    ("title", "By title"),
    ("relevance", "By relevance to q (PostgreSQL)"),
]


class ArtifactFilter(django_filters.FilterSet):
    """The catalogue's facets as query parameters; repeat a parameter to allow several values."""

    q = django_filters.CharFilter(
        method="noop",
        help_text='Full-text search: words, "quoted phrases", -excluded words.',
    )
    kind = django_filters.MultipleChoiceFilter(choices=Artifact.Kind.choices, method="noop")
    dimension = django_filters.ModelMultipleChoiceFilter(
        queryset=FairnessDimension.objects.all(),
        to_field_name="slug",
        method="noop",
        help_text="Fairness dimension slug, e.g. gender.",
    )
    task = django_filters.ModelMultipleChoiceFilter(
        queryset=Task.objects.all(),
        to_field_name="slug",
        method="noop",
        help_text="Task or modality slug, e.g. nlp.",
    )
    license = django_filters.MultipleChoiceFilter(
        choices=lambda: [(key, key) for key in spdx_licenses()],
        method="noop",
        help_text="SPDX licence id, e.g. MIT.",
    )
    year = django_filters.TypedMultipleChoiceFilter(
        choices=[(str(y), str(y)) for y in range(2000, 2101)],
        coerce=int,
        method="noop",
        help_text="Cycle year of the funding award.",
    )
    institution = django_filters.ModelMultipleChoiceFilter(
        queryset=Organization.objects.all(), method="noop", help_text="Institution id."
    )
    award = django_filters.CharFilter(
        field_name="award__award_number", help_text="NSF award number."
    )
    updated_since = django_filters.IsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", help_text="ISO 8601 date-time."
    )
    ordering = django_filters.ChoiceFilter(choices=ORDERINGS, method="noop")

    class Meta:
        model = Artifact
        fields: list[str] = []

    def noop(self, queryset: QuerySet[Artifact], name: str, value: Any) -> QuerySet[Artifact]:
        return queryset  # applied together in filter_queryset, as the catalogue pages do

    def filter_queryset(self, queryset: QuerySet[Artifact]) -> QuerySet[Artifact]:
        data = self.form.cleaned_data
        query = selectors.CatalogueQuery(
            q=(data.get("q") or "").strip(),
            kinds=list(data.get("kind") or []),
            dimensions=[d.slug for d in data.get("dimension") or []],
            tasks=[t.slug for t in data.get("task") or []],
            licenses=list(data.get("license") or []),
            years=list(data.get("year") or []),
            institutions=[o.pk for o in data.get("institution") or []],
        )
        filtered = selectors.artifact_filtered(query, base=queryset)
        return super().filter_queryset(filtered)


def _cursor_ordering(request: Request) -> tuple[str, ...]:
    ordering = request.query_params.get("ordering") or (
        "relevance" if request.query_params.get("q") else "newest"
    )
    if ordering == "relevance" and request.query_params.get("q"):
        if connection.vendor == "postgresql":
            return ("-rank", "-id")
        ordering = "newest"
    if ordering == "title":
        return ("title", "id")
    return ("-published_at", "-id")


@extend_schema(tags=["artifacts"])
class ArtifactViewSet(ConditionalGetMixin, viewsets.ReadOnlyModelViewSet[Artifact]):
    """Published artifacts of the funded projects (retired ones only by slug)."""

    serializer_class = ArtifactSerializer
    filterset_class = ArtifactFilter
    lookup_field = "slug"
    cursor_ordering = staticmethod(_cursor_ordering)

    def get_renderers(self) -> list[Any]:
        renderers = super().get_renderers()
        if self.action == "retrieve":
            renderers += [JSONLDRenderer(), DataCiteRenderer(), BibTeXRenderer(), CFFRenderer()]
        return renderers

    @extend_schema(
        description=(
            "One artifact. Besides JSON, ask for schema.org JSON-LD (`application/ld+json` "
            "or `?format=jsonld`), DataCite JSON (`application/vnd.datacite.datacite+json`, "
            "`?format=datacite`), BibTeX (`application/x-bibtex`, `?format=bibtex`) or "
            "CITATION.cff (`application/x-cff+yaml`, `?format=cff`)."
        )
    )
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        one = selectors.artifact_public_queryset().filter(slug=kwargs["slug"])
        return self._conditional(request, one, lambda: self._retrieve(request, kwargs["slug"]))

    def _retrieve(self, request: Request, slug: str) -> Response:
        try:
            artifact = selectors.artifact_get_public(slug=slug)
        except Artifact.DoesNotExist:
            raise NotFound("No such artifact in the catalogue.") from None
        page_url = request.build_absolute_uri(reverse("artifacts:detail", args=[artifact.slug]))
        project_url = request.build_absolute_uri(
            reverse("artifacts:project-detail", args=[artifact.award.award_number])
        )
        fmt = request.accepted_renderer.format
        if fmt == "jsonld":
            return Response(
                metadata.artifact_jsonld(artifact, page_url=page_url, project_url=project_url)
            )
        if fmt == "datacite":
            return Response(metadata.artifact_datacite(artifact, page_url=page_url))
        if fmt == "bibtex":
            return Response(metadata.artifact_bibtex(artifact, page_url=page_url))
        if fmt == "cff":
            return Response(metadata.artifact_cff(artifact, page_url=page_url))
        return Response(self.get_serializer(artifact).data)

    def get_queryset(self) -> QuerySet[Artifact]:
        base = (
            selectors.artifact_public_queryset()
            if self.action == "retrieve"
            else selectors.artifact_listed_queryset()
        )
        return selectors.with_vocabulary(
            base.select_related("award__institution", "award__cycle")
        ).prefetch_related(
            Prefetch(
                "creator_links",
                queryset=ArtifactCreator.objects.select_related("person").order_by("order"),
            ),
        )
