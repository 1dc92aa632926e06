"""Reads for OAI-PMH harvesting: the records (published artifacts, and retired ones as
deleted records), their sets and datestamps; drafts, submissions and rejections never."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.db.models import Min, Prefetch, Q, QuerySet
from django.utils import timezone

from artifacts.models import Artifact, ArtifactCreator
from proposals.models import Cycle


def oai_record_queryset() -> QuerySet[Artifact]:
    """Every artifact that is an OAI record: published, or retired after publication (a
    deleted record; "persistent", so it stays one)."""
    return Artifact.objects.filter(
        Q(status=Artifact.Status.PUBLISHED)
        | Q(status=Artifact.Status.RETIRED, published_at__isnull=False)
    )


def _with_metadata(qs: QuerySet[Artifact]) -> QuerySet[Artifact]:
    """What a record's metadata reads, in a fixed number of queries per chunk of rows."""
    return qs.select_related(
        "award__institution", "award__cycle", "award__program__award_funder"
    ).prefetch_related(
        Prefetch(
            "creator_links",
            queryset=ArtifactCreator.objects.select_related("person").order_by("order", "id"),
        ),
        "dimensions",
        "tasks",
        "award__program__funders",
    )


def oai_filtered(
    *,
    set_spec: tuple[str, str] | None,
    start: dt.datetime | None,
    until: dt.datetime,
    with_doi: bool,
) -> QuerySet[Artifact]:
    """The records a list request selects, ordered by (datestamp, id): the keyset a resumption
    token continues from. ``start`` is truncated to the second (datestamps are seconds)."""
    qs = oai_record_queryset().filter(updated_at__lte=until)
    if start is not None:
        qs = qs.filter(updated_at__gte=start)
    if set_spec is not None:
        family, value = set_spec
        by_kind = family == "kind"
        qs = qs.filter(Q(kind=value) if by_kind else Q(award__cycle__year=int(value)))
    if with_doi:
        # A deleted record has no metadata, so it is listed for every format.
        qs = qs.filter(~Q(doi="") | Q(status=Artifact.Status.RETIRED))
    return qs.order_by("updated_at", "id")


def oai_page(
    qs: QuerySet[Artifact], *, after: tuple[str, int] | None, size: int, metadata: bool
) -> Iterator[Artifact]:
    """Up to ``size`` + 1 records after the keyset position (the extra one says whether there
    is a next page), streamed in one chunk so the queries do not grow with the page."""
    if after is not None:
        stamp, pk = dt.datetime.fromisoformat(after[0]), after[1]
        qs = qs.filter(Q(updated_at__gt=stamp) | Q(updated_at=stamp, id__gt=pk))
    # A header names its sets, the cycle's year among them.
    qs = _with_metadata(qs) if metadata else qs.select_related("award__cycle")
    return qs[: size + 1].iterator(chunk_size=size + 1)


def oai_record_get(*, slug: str) -> Artifact:
    """One record with its metadata; raises Artifact.DoesNotExist."""
    return _with_metadata(oai_record_queryset()).get(slug=slug)


def oai_earliest_datestamp() -> dt.datetime:
    earliest = oai_record_queryset().aggregate(first=Min("updated_at"))["first"]
    return earliest or timezone.now()


def oai_set_list() -> list[tuple[str, str]]:
    """(setSpec, setName) of every set: each artifact kind, and each cycle year."""
    kinds = [(f"kind:{value}", f"Artifacts: {label}") for value, label in Artifact.Kind.choices]
    years = Cycle.objects.order_by("year").values_list("year", flat=True).distinct()
    return kinds + [(f"cycle:{year}", f"Artifacts of the {year} funding cycle") for year in years]
