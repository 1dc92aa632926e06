"""The public API of funded projects (awards): their teams and how many published artifacts
each has. Program staff with a token record and correct awards through the services."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets

from artifacts.selectors.artifacts import listed_artifacts_stamp, with_artifact_count
from fairprog.api import (
    ConditionalGetMixin,
    IdFilter,
    NamedFormatMixin,
    ServiceWriteMixin,
    UtcDateTimeFilter,
    YearFilter,
    write_schema,
)
from proposals.api.serializers import AwardSerializer, AwardWriteSerializer
from proposals.models import Award, AwardInvestigator


class AwardFilter(django_filters.FilterSet):
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
@write_schema(AwardWriteSerializer, AwardSerializer)
class AwardViewSet(
    NamedFormatMixin, ServiceWriteMixin, ConditionalGetMixin, viewsets.ModelViewSet[Award]
):
    """Funded projects, with their teams (names and ORCID iDs only).

    Program staff with a token may record an award or correct one.
    """

    serializer_class = AwardSerializer
    write_serializer_class = AwardWriteSerializer
    filterset_class = AwardFilter
    lookup_field = "award_number"
    lookup_value_regex = r"[0-9]+"

    def also_changed(self, queryset: QuerySet[Award]) -> tuple[Any, int]:
        # Each award shows how many published artifacts it has: publishing, retiring or
        # deleting one changes the answer without touching the award's row. Drafts do not
        # count, so editing one moves nothing public.
        return listed_artifacts_stamp(awards=queryset)

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
            )
        )
