"""A page of the catalogue: the matches of a query, ranked and paged, with the facets'
counts, and titles that look alike (a trigram match) when a search matches nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.search import TrigramWordSimilarity
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import QuerySet

from artifacts.models import Artifact
from artifacts.selectors.facets import Facet, facet_counts_cached
from artifacts.selectors.search import CatalogueQuery, artifact_filtered, artifact_ordered

PAGE_SIZE = 20
TRIGRAM_THRESHOLD = 0.3


@dataclass
class CatalogueResult:
    query: CatalogueQuery
    page: Page[Any]
    total: int
    facets: list[Facet]
    fallback: bool = False


def _page(ordered: QuerySet[Artifact], number: str, *, total: int | None = None) -> Page[Any]:
    """A page of artifacts: ids are ranked and sliced in a narrow query, then only the
    page's rows are loaded in full (sorting wide rows with their descriptions is slow).
    A ``total`` known already (from the facet counts) saves counting the matches again."""
    paginator: Paginator[Any] = Paginator(ordered.values_list("pk", flat=True), PAGE_SIZE)
    if total is not None:
        paginator.count = total
    page = paginator.get_page(number)
    ids = list(page.object_list)
    rows = (
        Artifact.objects.filter(pk__in=ids)
        .select_related("award__institution", "award__cycle")
        .prefetch_related("dimensions")
        .in_bulk()
    )
    page.object_list = [rows[pk] for pk in ids if pk in rows]
    return page


def _total(facets: list[Facet], query: CatalogueQuery) -> int:
    """Matches of the whole query: every artifact has exactly one kind, and the kind facet
    counts everything else the query asks for."""
    kinds = next(facet for facet in facets if facet.name == "kind")
    return sum(v.count for v in kinds.values if not query.kinds or v.value in query.kinds)


def artifact_search(query: CatalogueQuery) -> CatalogueResult:
    facets = facet_counts_cached(query)
    page = _page(
        artifact_ordered(artifact_filtered(query), query),
        query.page,
        total=_total(facets, query),
    )
    fallback = False
    if not page.paginator.count and query.q and connection.vendor == "postgresql":
        # Nothing matched every word: perhaps a typo. Offer titles that look alike.
        relaxed = CatalogueQuery(**{**query.__dict__, "q": ""})
        similar = (
            artifact_filtered(relaxed)
            .annotate(similarity=TrigramWordSimilarity(query.q, "title"))
            .filter(similarity__gte=TRIGRAM_THRESHOLD)
            .order_by("-similarity", "title", "pk")
        )
        page = _page(similar, query.page)
        fallback = True
    return CatalogueResult(
        query=query,
        page=page,
        total=page.paginator.count,
        facets=facets,
        fallback=fallback,
    )
