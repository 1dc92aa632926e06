"""A page of the catalogue: the matches of a query, ranked and paged, with the facets'
counts, and titles that look alike when a search matches nothing: a trigram match on
PostgreSQL; on SQLite, the query's words spelt as the catalogue spells them (rapidfuzz)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.search import TrigramWordSimilarity
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Q, QuerySet
from rapidfuzz import fuzz, process

from artifacts.models import Artifact
from artifacts.selectors.artifacts import artifact_listed_queryset
from artifacts.selectors.facets import Facet, facet_counts_cached
from artifacts.selectors.search import CatalogueQuery, artifact_filtered, artifact_ordered
from fairprog.catalogue_version import catalogue_version

PAGE_SIZE = 20
TRIGRAM_THRESHOLD = 0.3
# SQLite's "did you mean": a misspelt word is matched against the distinct words of the
# listed titles and keywords, the most frequent VOCABULARY_SIZE of them, so the work per
# search stays bounded however large the catalogue grows. The list is built once per
# catalogue version (every change to what the catalogue lists moves it).
VOCABULARY_CACHE_PREFIX = "catalogue:vocabulary"
VOCABULARY_CACHE_SECONDS = 24 * 60 * 60
VOCABULARY_SIZE = 20_000
# rapidfuzz's normalised Indel similarity (0-100): "fariness" is 87.5 from "fairness";
# below 75, a short word would be "corrected" into an unrelated one.
TYPO_SCORE_CUTOFF = 75
SHORTEST_CORRECTED = 4  # "bia" is as likely a prefix as a typo
_WORD = re.compile(r"\w+")


@dataclass
class CatalogueResult:
    query: CatalogueQuery
    page: Page[Any]
    total: int
    facets: list[Facet]
    fallback: bool = False
    suggestion: str = ""  # the query with its misspelt words corrected (SQLite)


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
    suggestion = ""
    if not page.paginator.count and query.q:
        # Nothing matched every word: perhaps a typo. Offer titles that look alike, within
        # the same filters.
        relaxed = CatalogueQuery(**{**query.__dict__, "q": ""})
        if connection.vendor == "postgresql":
            similar = (
                artifact_filtered(relaxed)
                .annotate(similarity=TrigramWordSimilarity(query.q, "title"))
                .filter(similarity__gte=TRIGRAM_THRESHOLD)
                .order_by("-similarity", "title", "pk")
            )
            page = _page(similar, query.page)
            fallback = True
        else:
            corrected = words_corrected(query.terms)
            if corrected is not None:
                page = _page(_titles_and_keywords_matching(relaxed, corrected), query.page)
                fallback = True
                suggestion = " ".join(corrected)
    return CatalogueResult(
        query=query,
        page=page,
        total=page.paginator.count,
        facets=facets,
        fallback=fallback,
        suggestion=suggestion,
    )


def catalogue_vocabulary() -> list[str]:
    """The distinct words (lower case, four letters or more) of the listed artifacts'
    titles and keywords, most frequent first, at most VOCABULARY_SIZE; cached until the
    catalogue changes. Built from public rows only: it may be shown as a suggestion."""
    key = f"{VOCABULARY_CACHE_PREFIX}:{catalogue_version()}"
    vocabulary: list[str] | None = cache.get(key)
    if vocabulary is None:
        counts: Counter[str] = Counter()
        rows = artifact_listed_queryset().order_by().values_list("title", "keywords")
        for title, keywords in rows.iterator(chunk_size=2000):
            text = " ".join([title, *(k for k in keywords or () if isinstance(k, str))])
            counts.update({w for w in _WORD.findall(text.lower()) if len(w) >= SHORTEST_CORRECTED})
        vocabulary = [word for word, _ in counts.most_common(VOCABULARY_SIZE)]
        cache.set(key, vocabulary, VOCABULARY_CACHE_SECONDS)
    return vocabulary


def words_corrected(terms: list[str]) -> list[str] | None:
    """The search's words, each unknown one replaced by the closest word of the catalogue's
    vocabulary; None when no word could be corrected (a suggestion would change nothing)."""
    vocabulary = catalogue_vocabulary()
    known = set(vocabulary)
    corrected: list[str] = []
    changed = False
    for term in terms:
        word = term.lower()
        if len(word) >= SHORTEST_CORRECTED and word not in known:
            # Ties go to the more frequent word: the vocabulary is in frequency order.
            best = process.extractOne(
                word, vocabulary, scorer=fuzz.ratio, score_cutoff=TYPO_SCORE_CUTOFF
            )
            if best is not None:
                word, changed = best[0], True
        corrected.append(word)
    return corrected if changed else None


def _titles_and_keywords_matching(relaxed: CatalogueQuery, words: list[str]) -> QuerySet[Artifact]:
    """Artifacts within the query's filters whose title or keywords hold every word."""
    qs = artifact_filtered(relaxed)
    for word in words:
        qs = qs.filter(Q(title__icontains=word) | Q(keywords__icontains=word))
    return qs.order_by("-published_at", "pk")
