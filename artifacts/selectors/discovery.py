"""Reads for outputs found by award number: the staff queue of suggestions, the runs, and
the publications of an award (public)."""

from __future__ import annotations

from django.db.models import Count, F, QuerySet

from artifacts.models import DiscoveryRun, Publication, Suggestion
from proposals.models import Award


def suggestion_queue(*, state: str | None = None) -> QuerySet[Suggestion]:
    """Suggestions newest first, with what the queue shows of each (the award), without the
    sources' records (whole API records, read on a suggestion's own page); only those in
    ``state`` when given."""
    queryset = (
        Suggestion.objects.select_related("award")
        .defer("source_records")
        .order_by("-created_at", "-id")
    )
    return queryset.filter(state=state) if state else queryset


def suggestion_pending_count() -> int:
    return Suggestion.objects.filter(state=Suggestion.State.PENDING).count()


def suggestion_pending_counts_by_award() -> dict[int, int]:
    """How many suggestions wait for staff, by award id (awards with none left out)."""
    rows = (
        Suggestion.objects.filter(state=Suggestion.State.PENDING)
        .values("award_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["award_id"]: row["n"] for row in rows}


def award_publications(award: Award) -> QuerySet[Publication]:
    """The publications of ``award``, newest first, undated last (on every database); every
    publication is public."""
    return Publication.objects.filter(award=award).order_by(
        F("year").desc(nulls_last=True), "title", "pk"
    )


def discovery_runs_latest() -> QuerySet[DiscoveryRun]:
    """The runs, newest first."""
    return DiscoveryRun.objects.order_by("-started_at", "-pk")
