"""Public reads of the catalogue's artifacts: only published (or retired-after-publication)
artifacts have a page, and only published ones are listed and counted."""

from __future__ import annotations

from typing import Any

from django.db.models import (
    Count,
    Func,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    TextField,
)

from artifacts.models import Artifact, ArtifactCreator, ArtifactFormerSlug, SensitiveAttribute
from artifacts.selectors.links import artifact_links_prefetch
from fairprog.db import JoinedText
from proposals.models import Award


def artifact_public_queryset() -> QuerySet[Artifact]:
    """Artifacts with a public page: published, or retired after publication."""
    return Artifact.objects.filter(
        Q(status=Artifact.Status.PUBLISHED)
        | Q(status=Artifact.Status.RETIRED, published_at__isnull=False)
    )


def artifact_listed_queryset() -> QuerySet[Artifact]:
    """Artifacts shown in listings, search and counts: published ones."""
    return Artifact.objects.filter(status=Artifact.Status.PUBLISHED)


def with_artifact_count(awards: QuerySet[Award]) -> QuerySet[Award]:
    """``awards`` annotated with ``artifact_count``: how many listed artifacts each has."""
    return awards.annotate(
        artifact_count=Count(
            "artifacts", filter=Q(artifacts__in=artifact_listed_queryset()), distinct=True
        )
    )


def award_list_public() -> QuerySet[Award]:
    """Funded projects for the catalogue's list, newest first, with their artifact counts."""
    return with_artifact_count(Award.objects.select_related("institution", "cycle")).order_by(
        "-start_date", "award_number"
    )


def listed_artifacts_stamp(*, awards: QuerySet[Award]) -> tuple[Any, int]:
    """When the listed artifacts of ``awards`` last changed, and how many there are: what
    moves an award list's artifact counts without touching the awards' rows. Drafts do not
    count, so editing one moves nothing public."""
    stamp = (
        artifact_listed_queryset()
        .filter(award__in=awards.order_by().values("pk"))
        .order_by()
        .aggregate(last=Max("updated_at"), n=Count("*"))
    )
    return stamp["last"], stamp["n"]


def artifact_get_public(*, slug: str) -> Artifact:
    """One public artifact with everything its page shows; raises Artifact.DoesNotExist."""
    return (
        artifact_public_queryset()
        .select_related("award__institution", "award__cycle", "award__program")
        .prefetch_related(
            Prefetch(
                "creator_links",
                queryset=ArtifactCreator.objects.select_related("person").order_by("order"),
            ),
            "dimensions",
            "tasks",
            "award__program__funders",
            artifact_links_prefetch(),
        )
        .get(slug=slug)
    )


VOCABULARY_SEPARATOR = "\u241e"  # between entries; a slug and its name are split by "|"


class _SlugAndName(Func):
    """``slug|name`` of a vocabulary entry (both columns are NOT NULL, so plain ``||``
    does; Concat's null-safe SQL costs more to build than the rest of the query)."""

    arg_joiner = " || '|' || "
    template = "%(expressions)s"
    output_field = TextField()


class _SensitiveParts(Func):
    """``slug|name|obtained|note`` of a sensitive attribute, its note last: a note may hold
    "|" (it is split off last), never the separator between entries (the service refuses
    it)."""

    arg_joiner = " || '|' || "
    template = "%(expressions)s"
    output_field = TextField()


def with_vocabulary(qs: QuerySet[Artifact]) -> QuerySet[Artifact]:
    """Each artifact's dimensions, tasks and sensitive attributes as "|"-split lists joined
    into one text each, read in the same query as the artifacts (no query per relation)."""

    def joined(through: Any, column: str) -> Subquery:
        return Subquery(
            through.objects.filter(artifact_id=OuterRef("pk"))
            .order_by()
            .values("artifact_id")
            .annotate(
                joined=JoinedText(
                    _SlugAndName(f"{column}__slug", f"{column}__name"),
                    separator=VOCABULARY_SEPARATOR,
                )
            )
            .values("joined")
        )

    sensitive = Subquery(
        SensitiveAttribute.objects.filter(artifact_id=OuterRef("pk"))
        .order_by()
        .values("artifact_id")
        .annotate(
            joined=JoinedText(
                _SensitiveParts("dimension__slug", "dimension__name", "obtained", "note"),
                separator=VOCABULARY_SEPARATOR,
            )
        )
        .values("joined")
    )
    return qs.annotate(
        dimension_list=joined(Artifact.dimensions.through, "fairnessdimension"),
        task_list=joined(Artifact.tasks.through, "task"),
        sensitive_list=sensitive,
    )


def vocabulary_from(joined: str | None) -> list[dict[str, str]]:
    entries = [item.split("|", 1) for item in (joined or "").split(VOCABULARY_SEPARATOR) if item]
    return sorted(({"slug": slug, "name": name} for slug, name in entries), key=lambda v: v["slug"])


def sensitive_from(joined: str | None) -> list[dict[str, str]]:
    """A dataset's sensitive attributes from ``with_vocabulary``'s joined text."""
    entries = [item.split("|", 3) for item in (joined or "").split(VOCABULARY_SEPARATOR) if item]
    return sorted(
        (
            {"dimension": slug, "name": name, "obtained": obtained, "note": note}
            for slug, name, obtained, note in entries
        ),
        key=lambda v: v["dimension"],
    )


def artifact_recent(limit: int = 6) -> QuerySet[Artifact]:
    return (
        artifact_listed_queryset()
        .select_related("award__institution", "award__cycle")
        .order_by("-published_at")[:limit]
    )


def artifact_slug_for_former(slug: str) -> str | None:
    """The current slug of the public artifact whose address ``slug`` once was, if any."""
    return (
        ArtifactFormerSlug.objects.filter(slug=slug, artifact__in=artifact_public_queryset())
        .values_list("artifact__slug", flat=True)
        .first()
    )
