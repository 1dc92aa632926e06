"""Read-only public API of the catalogue: /api/v1/artifacts/."""

from __future__ import annotations

from collections import defaultdict
from typing import Any, NoReturn

import django_filters
from django.db import connection
from django.db.models import Max, Prefetch, QuerySet
from django.http import HttpResponsePermanentRedirect
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotAcceptable, NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from artifacts.api.renderers import (
    CROISSANT_SCHEMA,
    DATACITE_SCHEMA,
    ProfileNegotiation,
    artifact_renderers,
)
from artifacts.api.schemas import BIBTEX_SCHEMA, CFF_SCHEMA
from artifacts.api.serializers import (
    ArtifactSerializer,
    ArtifactWriteSerializer,
)
from artifacts.metadata import citation, croissant, datacite, jsonld
from artifacts.models import Artifact, ArtifactCreator, ArtifactLink, LinkState
from artifacts.representation import (
    REPRESENTATION_COLUMNS,
    artifact_representation,
    links_representation,
)
from artifacts.selectors.artifacts import (
    artifact_get_public,
    artifact_listed_queryset,
    artifact_public_queryset,
    artifact_slug_for_former,
    sensitive_from,
    vocabulary_from,
    with_vocabulary,
)
from artifacts.selectors.links import artifact_links_prefetch, links_public_by_artifact
from artifacts.selectors.search import CatalogueQuery, artifact_filtered
from artifacts.services.artifacts import artifact_publish
from fairprog.api import (
    ChoiceFilter,
    ConditionalGetMixin,
    IdInFilter,
    NamedFormatMixin,
    OneValueEach,
    ServiceWriteMixin,
    SlugInFilter,
    TextFilter,
    UtcDateTimeFilter,
    YearInFilter,
    write_schema,
)

ORDERINGS = [
    ("newest", "Newest first"),
    ("title", "By title"),
    ("relevance", "By relevance to q (PostgreSQL)"),
]


class ArtifactFilter(OneValueEach, django_filters.FilterSet):
    """The catalogue's facets as query parameters: values within one parameter are
    comma-separated alternatives; different parameters must all hold."""

    q = TextFilter(
        method="noop",
        help_text='Full-text search: words, "quoted phrases", -excluded words.',
    )
    kind = django_filters.MultipleChoiceFilter(
        choices=Artifact.Kind.choices, method="noop", help_text="Repeat for several kinds."
    )
    dimension = SlugInFilter(
        method="noop",
        help_text="Fairness dimension slugs, comma-separated, e.g. gender,age. "
        "Unknown slugs match nothing.",
    )
    task = SlugInFilter(method="noop", help_text="Task or modality slugs, e.g. nlp,speech.")
    license = SlugInFilter(method="noop", help_text="SPDX licence ids, e.g. MIT,Apache-2.0.")
    year = YearInFilter(method="noop", help_text="Cycle years, e.g. 2020,2021.")
    institution = IdInFilter(method="noop", help_text="Institution ids, e.g. 12,40.")
    link_health = django_filters.MultipleChoiceFilter(
        choices=LinkState.choices,
        method="noop",
        help_text="The artifact's link health (the worst state of its links; none: it has "
        "no link). Repeat for several states.",
    )
    award = TextFilter(field_name="award__award_number", help_text="NSF award number.")
    updated_since = UtcDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        help_text="Only artifacts changed at or after this ISO 8601 date-time "
        "(2024-05-01T12:00:00Z); empty is a 400.",
    )
    ordering = ChoiceFilter(
        choices=ORDERINGS,
        method="noop",
        help_text="Order of the results; by default relevance when q is given, else newest.",
    )

    class Meta:
        model = Artifact
        fields: list[str] = []

    def noop(self, queryset: QuerySet[Artifact], name: str, value: Any) -> QuerySet[Artifact]:
        return queryset  # applied together in filter_queryset, as the catalogue pages do

    def filter_queryset(self, queryset: QuerySet[Artifact]) -> QuerySet[Artifact]:
        data = self.form.cleaned_data
        query = CatalogueQuery(
            q=(data.get("q") or "").strip(),
            kinds=list(data.get("kind") or []),
            dimensions=list(data.get("dimension") or []),
            tasks=list(data.get("task") or []),
            licenses=list(data.get("license") or []),
            years=[int(year) for year in data.get("year") or []],
            institutions=[int(pk) for pk in data.get("institution") or []],
            links=list(data.get("link_health") or []),
        )
        filtered = artifact_filtered(query, base=queryset)
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


def _refuse_format(request: Request, why: str) -> NoReturn:
    """The artifact has no representation in the format asked for. ``?format=`` names one as
    a URL does, and there is none (404, as for an unknown format); an Accept header asks for
    one: none is acceptable (406)."""
    if request.query_params.get("format"):
        raise NotFound(why)
    raise NotAcceptable(why)


@extend_schema(tags=["artifacts"])
@write_schema(ArtifactWriteSerializer, ArtifactSerializer)
class ArtifactViewSet(
    NamedFormatMixin, ServiceWriteMixin, ConditionalGetMixin, viewsets.ModelViewSet[Artifact]
):
    """Published artifacts of the funded projects (retired ones only by slug).

    Program staff with a token may create artifacts (as drafts), change them, and publish
    or retire them; everything goes through the same services as the admin.
    """

    serializer_class = ArtifactSerializer
    write_serializer_class = ArtifactWriteSerializer
    content_negotiation_class = ProfileNegotiation
    filterset_class = ArtifactFilter
    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    cursor_ordering = staticmethod(_cursor_ordering)

    def get_object(self) -> Artifact:
        if self.request.method in ("GET", "HEAD", "OPTIONS"):
            return super().get_object()
        # Staff may change drafts too; the public never sees them.
        try:
            return Artifact.objects.get(slug=self.kwargs["slug"])
        except Artifact.DoesNotExist:
            raise NotFound("No such artifact.") from None

    def read_one(self, record: Artifact) -> Artifact:
        return (
            with_vocabulary(Artifact.objects.select_related("award__institution", "award__cycle"))
            .prefetch_related(artifact_links_prefetch())
            .get(pk=record.pk)
        )

    @extend_schema(request=None, responses={200: ArtifactSerializer})
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, slug: str) -> Response:
        """Publish a draft (it needs a licence and a link)."""
        artifact = self.get_object()
        artifact_publish(artifact=artifact)
        return self.respond_with(artifact)

    def get_renderers(self) -> list[Any]:
        renderers = super().get_renderers()
        if self.action == "retrieve":
            renderers += artifact_renderers()
        return renderers

    @extend_schema(
        responses={
            (200, "application/json"): ArtifactSerializer,
            (200, "application/ld+json"): OpenApiTypes.OBJECT,
            (200, croissant.MEDIA_TYPE): CROISSANT_SCHEMA,
            (200, "application/vnd.datacite.datacite+json"): DATACITE_SCHEMA,
            (200, "application/x-bibtex"): BIBTEX_SCHEMA,
            (200, "application/x-cff+yaml"): CFF_SCHEMA,
            301: OpenApiResponse(
                description="The artifact's slug was this one when it was published; "
                "Location is its address under the slug it has now."
            ),
        },
        description=(
            "One artifact. Besides JSON, ask for schema.org JSON-LD (`application/ld+json` "
            "or `?format=jsonld`), DataCite JSON (`application/vnd.datacite.datacite+json`, "
            "`?format=datacite`: flat DataCite JSON, metadata schema 4.5, for an artifact "
            "with a registered DOI only, since a DataCite record is a DOI's metadata; for one "
            "without, the answer is a 406 (by Accept) or 404 (by `?format=`) in "
            "`application/json` saying so), Croissant 1.0 with its Responsible-AI properties "
            f"(`{croissant.MEDIA_TYPE}`, `?format=croissant`: for a dataset only; for "
            "another kind of artifact the answer is a 406 or 404 in the same way), BibTeX "
            "(`application/x-bibtex`, `?format=bibtex`) or "
            "CITATION.cff (`application/x-cff+yaml`, `?format=cff`)."
        ),
    )
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        one = artifact_public_queryset().filter(slug=kwargs["slug"])
        return self._conditional(request, one, lambda: self._retrieve(request, kwargs["slug"]))

    def _retrieve(self, request: Request, slug: str) -> Response:
        try:
            artifact = artifact_get_public(slug=slug)
        except Artifact.DoesNotExist:
            current = artifact_slug_for_former(slug)
            if current is None:
                raise NotFound("No such artifact in the catalogue.") from None
            # A slug the artifact had when it was published: clients stored the address.
            location = reverse("artifact-detail", kwargs={"slug": current})
            query = request.query_params.urlencode()
            return HttpResponsePermanentRedirect(f"{location}?{query}" if query else location)
        page_url = request.build_absolute_uri(reverse("artifacts:detail", args=[artifact.slug]))
        project_url = request.build_absolute_uri(
            reverse("artifacts:project-detail", args=[artifact.award.award_number])
        )
        fmt = request.accepted_renderer.format
        if fmt == "croissant":
            if not croissant.croissant_available(artifact):
                _refuse_format(request, croissant.not_a_dataset(artifact))
            return Response(croissant.artifact_croissant(artifact, page_url=page_url))
        if fmt == "jsonld":
            return Response(
                jsonld.artifact_jsonld(artifact, page_url=page_url, project_url=project_url)
            )
        if fmt == "datacite":
            if not datacite.datacite_available(artifact):
                _refuse_format(request, datacite.NO_DOI)
            return Response(datacite.artifact_datacite(artifact, page_url=page_url))
        if fmt == "bibtex":
            return Response(citation.artifact_bibtex(artifact, page_url=page_url))
        if fmt == "cff":
            return Response(citation.artifact_cff(artifact, page_url=page_url))
        return Response(self.get_serializer(artifact).data)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        return self._conditional(request, queryset, lambda: self._list_page(request, queryset))

    def _list_page(self, request: Request, queryset: QuerySet[Artifact]) -> Response:
        """A page read as plain rows (no model instances): for 100 artifacts building
        instances costs more than the SQL itself."""
        columns = [
            *REPRESENTATION_COLUMNS.values(),
            "dimension_list",
            "task_list",
            "sensitive_list",
        ]
        if "rank" in queryset.query.annotations:
            columns.append("rank")  # the cursor's position when ordering by relevance
        rows = self.paginate_queryset(with_vocabulary(queryset).values(*columns))
        assert rows is not None  # noqa: S101 - every list is paginated
        creators: dict[int, list[dict[str, str]]] = defaultdict(list)
        for artifact_id, given, family, orcid in (
            ArtifactCreator.objects.filter(artifact_id__in=[row["id"] for row in rows])
            .order_by("artifact_id", "order", "id")
            .values_list(
                "artifact_id", "person__given_name", "person__family_name", "person__orcid"
            )
        ):
            creators[artifact_id].append(
                {
                    "name": f"{given} {family}".strip(),
                    "given_name": given,
                    "family_name": family,
                    "orcid": orcid,
                }
            )
        links = links_public_by_artifact(rows)
        pages = request.build_absolute_uri(reverse("artifacts:list"))
        data = []
        for row in rows:
            values = {key: row[path] for key, path in REPRESENTATION_COLUMNS.items()}
            values["dimensions"] = vocabulary_from(row["dimension_list"])
            values["tasks"] = vocabulary_from(row["task_list"])
            values["sensitive_attributes"] = sensitive_from(row["sensitive_list"])
            data.append(
                artifact_representation(
                    values,
                    creators=creators[row["id"]],
                    links=links_representation(links[row["id"]]),
                    url=f"{pages}{row['slug']}/",
                )
            )
        return self.get_paginated_response(data)

    def also_changed(self, queryset: QuerySet[Artifact]) -> tuple[Any, int]:
        # Every check changes a link's "checked_at" without touching its artifact's row;
        # the newest change of the answered artifacts' links keeps the ETag honest about
        # it. Their links only: a draft's links changing must not move a public ETag.
        links = ArtifactLink.objects.filter(artifact__in=queryset.order_by().values("pk"))
        return links.order_by().aggregate(last=Max("updated_at"))["last"], 0

    def get_queryset(self) -> QuerySet[Artifact]:
        if self.action == "list":
            # Plain rows: the ETag aggregate reads them as they are, and the page adds
            # its columns itself (_list_page).
            return artifact_listed_queryset()
        return with_vocabulary(
            artifact_public_queryset().select_related("award__institution", "award__cycle")
        ).prefetch_related(
            Prefetch(
                "creator_links",
                queryset=ArtifactCreator.objects.select_related("person").order_by("order"),
            ),
            artifact_links_prefetch(),
        )
