"""Public reads of program records. Nothing here can return a proposal, an e-mail address,
a staff-only deadline or an organization known only from those."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Prefetch, QuerySet

from proposals.models import Award, AwardInvestigator, Cycle, Deadline, Organization, Program


def deadline_public_queryset() -> QuerySet[Deadline]:
    return Deadline.objects.filter(visibility=Deadline.Visibility.PUBLIC)


def organization_public_queryset() -> QuerySet[Organization]:
    """Organizations with a public record: an award's institution or a program's funder
    (a published artifact's institution is its award's). One known only from a proposal,
    a person's affiliation or nothing at all would tell who applied, or nothing true."""
    return Organization.objects.filter(
        Exists(Award.objects.filter(institution_id=OuterRef("pk")))
        | Exists(Program.funders.through.objects.filter(organization_id=OuterRef("pk")))
    )


def cycle_list_public() -> QuerySet[Cycle]:
    """Cycles, newest first, with their public deadlines in date order."""
    return (
        Cycle.objects.select_related("program")
        .prefetch_related(
            Prefetch(
                "deadlines",
                queryset=deadline_public_queryset().order_by("due_at"),
                to_attr="public_deadlines",
            )
        )
        .annotate(award_count=Count("awards", distinct=True))
        .order_by("-year")
    )


def cycle_list_upcoming() -> QuerySet[Cycle]:
    return cycle_list_public().filter(status__in=[Cycle.Status.OPEN, Cycle.Status.PLANNED])


def award_get_public(*, award_number: str) -> Award:
    """One funded project with its team; raises Award.DoesNotExist."""
    return (
        Award.objects.select_related("institution", "cycle", "program")
        .prefetch_related(
            Prefetch(
                "investigators",
                queryset=AwardInvestigator.objects.select_related("person").order_by("order", "id"),
            ),
            "program_elements",
        )
        .get(award_number=award_number)
    )


def award_collaborators(award: Award) -> QuerySet[Award]:
    if not award.collaboration_key:
        return Award.objects.none()
    return (
        Award.objects.filter(collaboration_key=award.collaboration_key)
        .exclude(pk=award.pk)
        .select_related("institution")
    )
