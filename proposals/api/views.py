"""Read-only public API of program records: cycles, deadlines, organizations.

The awards endpoint shows each award's published artifacts, so it lives with the
catalogue (artifacts/api/awards.py): apps depend one way, artifacts on proposals."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets

from fairprog.api import (
    IdFilter,
    NamedFormatMixin,
    OneValueEach,
    PublicCacheMixin,
    UtcDateTimeFilter,
)
from proposals.api.serializers import (
    CycleSerializer,
    DeadlineSerializer,
    OrganizationSerializer,
)
from proposals.models import Cycle, Deadline, Organization
from proposals.selectors import public as selectors


@extend_schema(tags=["cycles"])
class CycleViewSet(NamedFormatMixin, PublicCacheMixin, viewsets.ReadOnlyModelViewSet[Cycle]):
    """Yearly solicitations with their public deadlines."""

    serializer_class = CycleSerializer

    def get_queryset(self) -> QuerySet[Cycle]:
        return selectors.cycle_list_public()


class DeadlineFilter(OneValueEach, django_filters.FilterSet):
    cycle = IdFilter(field_name="cycle_id", help_text="Cycle id.")
    kind = django_filters.MultipleChoiceFilter(
        choices=Deadline.Kind.choices, help_text="Repeat for several kinds."
    )
    after = UtcDateTimeFilter(
        field_name="due_at",
        lookup_expr="gte",
        help_text="Only deadlines due at or after this ISO 8601 date-time "
        "(2024-05-01T12:00:00Z); empty is a 400.",
    )

    class Meta:
        model = Deadline
        fields: list[str] = []


@extend_schema(tags=["deadlines"])
class DeadlineViewSet(NamedFormatMixin, PublicCacheMixin, viewsets.ReadOnlyModelViewSet[Deadline]):
    """Public deadlines of cycles and awards (staff-only deadlines never appear)."""

    serializer_class = DeadlineSerializer
    filterset_class = DeadlineFilter

    def get_queryset(self) -> QuerySet[Deadline]:
        return selectors.deadline_public_queryset().select_related("cycle", "award")


@extend_schema(tags=["organizations"])
class OrganizationViewSet(
    NamedFormatMixin, PublicCacheMixin, viewsets.ReadOnlyModelViewSet[Organization]
):
    """Institutions, funders and companies with a public record: an award's institution or
    a program's funder."""

    serializer_class = OrganizationSerializer

    def get_queryset(self) -> QuerySet[Organization]:
        return selectors.organization_public_queryset()
