"""Read-only public API of program records: awards, cycles, deadlines, organizations."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Count, Max, Prefetch, Q, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets

from fairprog.api import (
    ConditionalGetMixin,
    IdFilter,
    PublicCacheMixin,
    ServiceWriteMixin,
    UtcDateTimeFilter,
    YearFilter,
    write_schema,
)
from proposals import selectors
from proposals.api.serializers import (
    AwardSerializer,
    AwardWriteSerializer,
    CycleSerializer,
    DeadlineSerializer,
    OrganizationSerializer,
)
from proposals.models import Award, AwardInvestigator, Cycle, Deadline, Organization


class AwardFilter(django_filters.FilterSet):
    year = YearFilter(field_name="cycle__year", help_text="Cycle year.")
    institution = IdFilter(field_name="institution_id", help_text="Institution id.")
    updated_since = UtcDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Award
        fields: list[str] = []


@extend_schema(tags=["awards"])
@write_schema(AwardWriteSerializer, AwardSerializer)
class AwardViewSet(ServiceWriteMixin, ConditionalGetMixin, viewsets.ModelViewSet[Award]):
    """Funded projects, with their teams (names and ORCID iDs only).

    Program staff with a token may record an award or correct one.
    """

    serializer_class = AwardSerializer
    write_serializer_class = AwardWriteSerializer
    http_method_names = ["get", "head", "options", "post", "put", "patch"]
    filterset_class = AwardFilter
    lookup_field = "award_number"
    lookup_value_regex = r"[0-9]+"

    def also_changed(self, queryset: QuerySet[Award]) -> tuple[Any, int]:
        # Each award shows how many published artifacts it has: publishing, retiring or
        # deleting one changes the answer without touching the award's row. Drafts do not
        # count, so editing one moves nothing public.
        from artifacts.selectors import artifact_listed_queryset

        stamp = (
            artifact_listed_queryset()
            .filter(award__in=queryset.order_by().values("pk"))
            .order_by()
            .aggregate(last=Max("updated_at"), n=Count("*"))
        )
        return stamp["last"], stamp["n"]

    def get_queryset(self) -> QuerySet[Award]:
        from artifacts.selectors import artifact_listed_queryset

        return (
            Award.objects.select_related("institution", "cycle", "program")
            .prefetch_related(
                Prefetch(
                    "investigators",
                    queryset=AwardInvestigator.objects.select_related("person").order_by(
                        "order", "id"
                    ),
                ),
                "program_elements",
            )
            .annotate(
                artifact_count=Count(
                    "artifacts", filter=Q(artifacts__in=artifact_listed_queryset()), distinct=True
                )
            )
        )


@extend_schema(tags=["cycles"])
class CycleViewSet(PublicCacheMixin, viewsets.ReadOnlyModelViewSet[Cycle]):
    """Yearly solicitations with their public deadlines."""

    serializer_class = CycleSerializer

    def get_queryset(self) -> QuerySet[Cycle]:
        return selectors.cycle_list_public()


class DeadlineFilter(django_filters.FilterSet):
    cycle = IdFilter(field_name="cycle_id", help_text="Cycle id.")
    kind = django_filters.MultipleChoiceFilter(choices=Deadline.Kind.choices)
    after = UtcDateTimeFilter(
        field_name="due_at", lookup_expr="gte", help_text="Due at or after (ISO 8601)."
    )

    class Meta:
        model = Deadline
        fields: list[str] = []


@extend_schema(tags=["deadlines"])
class DeadlineViewSet(PublicCacheMixin, viewsets.ReadOnlyModelViewSet[Deadline]):
    """Public deadlines of cycles and awards (staff-only deadlines never appear)."""

    serializer_class = DeadlineSerializer
    filterset_class = DeadlineFilter

    def get_queryset(self) -> QuerySet[Deadline]:
        return selectors.deadline_public_queryset().select_related("cycle", "award")


@extend_schema(tags=["organizations"])
class OrganizationViewSet(PublicCacheMixin, viewsets.ReadOnlyModelViewSet[Organization]):
    """Institutions, funders and companies with a public record: an award's institution or
    a program's funder."""

    serializer_class = OrganizationSerializer

    def get_queryset(self) -> QuerySet[Organization]:
        return selectors.organization_public_queryset()
