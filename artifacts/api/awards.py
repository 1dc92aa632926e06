"""The public API of funded projects (awards): their teams, their publications and how many
published artifacts each has. Program staff with a token record and correct awards through
the services."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Count, F, Max, Prefetch, QuerySet, Value
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_serializer
from rest_framework import serializers, viewsets

from artifacts.models import Publication
from artifacts.selectors.artifacts import artifact_listed_queryset, with_artifact_count
from fairprog.api import (
    ConditionalGetMixin,
    IdFilter,
    NamedFormatMixin,
    OneValueEach,
    ServiceWriteMixin,
    UtcDateTimeFilter,
    YearFilter,
    write_schema,
)
from proposals.api.serializers import AwardSerializer, AwardWriteSerializer
from proposals.models import Award, AwardInvestigator


class AuthorSerializer(serializers.Serializer[dict[str, str]]):
    """An author of a publication, for the schema (``name`` and ``orcid`` are described in
    fairprog.api_descriptions)."""

    name = serializers.CharField(read_only=True)
    orcid = serializers.CharField(read_only=True)


def _authors(authors: Any) -> list[dict[str, str]]:
    """Each author's name and ORCID iD, and nothing else the stored entry may hold."""
    return [
        {"name": str(author.get("name") or ""), "orcid": str(author.get("orcid") or "")}
        for author in authors or []
        if isinstance(author, dict) and author.get("name")
    ]


class PublicationSerializer(serializers.ModelSerializer[Publication]):
    authors = serializers.SerializerMethodField()

    class Meta:
        model = Publication
        fields = ["doi", "title", "authors", "venue", "year", "url"]

    @extend_schema_field(AuthorSerializer(many=True))
    def get_authors(self, publication: Publication) -> list[dict[str, str]]:
        return _authors(publication.authors)


@extend_schema_serializer(component_name="Award")
class AwardPublicSerializer(AwardSerializer):
    """An award as the public API shows it: AwardSerializer with the award's publications
    (which live in this app, so the proposals app's serializer cannot name them)."""

    publications = PublicationSerializer(many=True, read_only=True)

    class Meta(AwardSerializer.Meta):
        fields = [*AwardSerializer.Meta.fields, "publications"]


# Newest first; undated ones last on both databases (PostgreSQL sorts NULL first when
# descending).
_PUBLICATION_ORDER = (F("year").desc(nulls_last=True), "title", "pk")
_COUNT_BASE = 10**9  # more publications than any list of awards has


def _listed_outputs_stamp(awards: QuerySet[Award]) -> tuple[Any, int]:
    """When the published artifacts and the publications of ``awards`` last changed, and how
    many of each there are, in one query: what moves an award's artifact count and its
    publications without touching the award's row."""
    ids = awards.order_by().values("pk")
    artifacts = (
        artifact_listed_queryset()
        .filter(award__in=ids)
        .order_by()
        .values(source=Value("artifacts"))
        .annotate(last=Max("updated_at"), n=Count("pk"))
    )
    publications = (
        Publication.objects.filter(award__in=ids)
        .order_by()
        .values(source=Value("publications"))
        .annotate(last=Max("updated_at"), n=Count("pk"))
    )
    stamps = {row["source"]: row for row in artifacts.union(publications, all=True)}
    times = [row["last"] for row in stamps.values() if row["last"] is not None]
    counts = {source: row["n"] for source, row in stamps.items()}
    # Both counts in one number, kept apart: one artifact fewer and one publication more
    # must not look like no change.
    n = counts.get("artifacts", 0) * _COUNT_BASE + counts.get("publications", 0)
    return max(times, default=None), n


class AwardFilter(OneValueEach, django_filters.FilterSet):
    year = YearFilter(field_name="cycle__year", help_text="Cycle year.")
    institution = IdFilter(field_name="institution_id", help_text="Institution id.")
    updated_since = UtcDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        help_text="Only awards changed at or after this ISO 8601 date-time "
        "(2024-05-01T12:00:00Z); empty is a 400.",
    )

    class Meta:
        model = Award
        fields: list[str] = []


@extend_schema(tags=["awards"])
@write_schema(AwardWriteSerializer, AwardPublicSerializer)
class AwardViewSet(
    NamedFormatMixin, ServiceWriteMixin, ConditionalGetMixin, viewsets.ModelViewSet[Award]
):
    """Funded projects, with their teams (names and ORCID iDs only) and publications.

    Program staff with a token may record an award or correct one.
    """

    serializer_class = AwardPublicSerializer
    write_serializer_class = AwardWriteSerializer
    filterset_class = AwardFilter
    lookup_field = "award_number"
    lookup_value_regex = r"[0-9]+"

    def also_changed(self, queryset: QuerySet[Award]) -> tuple[Any, int]:
        # Each award shows how many published artifacts it has and its publications:
        # publishing, retiring or deleting an artifact, or adding or removing a publication,
        # changes the answer without touching the award's row. Drafts do not count, so
        # editing one moves nothing public.
        return _listed_outputs_stamp(queryset)

    def get_queryset(self) -> QuerySet[Award]:
        return with_artifact_count(
            Award.objects.select_related("institution", "cycle", "program").prefetch_related(
                Prefetch(
                    "investigators",
                    queryset=AwardInvestigator.objects.select_related("person").order_by(
                        "order", "id"
                    ),
                ),
                "program_elements",
                Prefetch(
                    "publications", queryset=Publication.objects.order_by(*_PUBLICATION_ORDER)
                ),
            )
        )
