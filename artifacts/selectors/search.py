"""A catalogue query and the listed artifacts that match it, in the order asked for.

Search is PostgreSQL full-text search over a stored, weighted tsvector (title A,
keywords and summary B, description and documentation C) with ``websearch`` syntax; on
SQLite it degrades to case-insensitive matching. The pages, the feeds and the API filter
through ``artifact_filtered`` alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.http import QueryDict

from artifacts.models import Artifact, LinkState
from artifacts.selectors.artifacts import artifact_listed_queryset

SORTS = {"relevance": "Relevance", "newest": "Newest", "title": "Title"}


@dataclass
class CatalogueQuery:
    q: str = ""
    kinds: list[str] = field(default_factory=list)
    dimensions: list[str] = field(default_factory=list)
    tasks: list[str] = field(default_factory=list)
    licenses: list[str] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    institutions: list[int] = field(default_factory=list)
    links: list[str] = field(default_factory=list)  # artifacts' link health
    sort: str = ""
    page: str = "1"
    notices: list[str] = field(default_factory=list)

    @classmethod
    def from_querydict(cls, params: QueryDict) -> CatalogueQuery:
        """Read the URL's state; values that cannot mean anything are dropped, with a notice."""
        query = cls(q=params.get("q", "").strip()[:200])
        query.kinds = [k for k in params.getlist("kind") if k in Artifact.Kind.values]
        if len(query.kinds) != len(params.getlist("kind")):
            query.notices.append("An unknown artifact kind in the address was ignored.")
        query.dimensions = [v for v in params.getlist("dimension") if v][:20]
        query.tasks = [v for v in params.getlist("task") if v][:20]
        query.licenses = [v for v in params.getlist("license") if v][:20]
        query.years = _integers(params.getlist("year"), query, "cycle year")
        query.institutions = _integers(params.getlist("institution"), query, "institution")
        query.links = [v for v in params.getlist("link") if v in LinkState.values]
        if len(query.links) != len(params.getlist("link")):
            query.notices.append("An unknown link health in the address was ignored.")
        sort = params.get("sort", "")
        if sort and sort not in SORTS:
            query.notices.append(f"Unknown sort order “{sort}” ignored.")
            sort = ""
        query.sort = sort or ("relevance" if query.q else "newest")
        if query.sort == "relevance" and not query.q:
            query.sort = "newest"
        query.page = params.get("page", "1")
        return query

    @property
    def terms(self) -> list[str]:
        """Words to look for (quoted phrases split into words; excluded words left out)."""
        words = re.findall(r'-?"[^"]*"|\S+', self.q)
        found: list[str] = []
        for word in words:
            if word.startswith("-") or word.lower() == "or":
                continue
            found.extend(re.findall(r"\w+", word))
        return found


def _integers(values: list[str], query: CatalogueQuery, what: str) -> list[int]:
    numbers = []
    for value in values:
        # ASCII only ("²" is a digit to isdigit(), not to int()); beyond 2**31 no id or
        # year exists, and the database would refuse the number rather than match nothing.
        if value.isascii() and value.isdigit() and int(value) < 2**31:
            numbers.append(int(value))
        else:
            query.notices.append(f"“{value}” is not a {what}; ignored.")
    return numbers[:20]


def _search(qs: QuerySet[Artifact], query: CatalogueQuery) -> QuerySet[Artifact]:
    if not query.q:
        return qs
    if connection.vendor == "postgresql":
        search = SearchQuery(query.q, search_type="websearch", config="english")
        return qs.filter(search_vector=search).annotate(rank=SearchRank(F("search_vector"), search))
    return _simple_match(qs, query.q)


def _simple_match(qs: QuerySet[Artifact], text: str) -> QuerySet[Artifact]:
    """SQLite: every word or phrase must appear somewhere; -word must not."""
    for token in re.findall(r'-?"[^"]+"|\S+', text):
        negate = token.startswith("-")
        phrase = token.lstrip("-").strip('"')
        if not phrase or phrase.lower() == "or":
            continue
        match = (
            Q(title__icontains=phrase)
            | Q(summary__icontains=phrase)
            | Q(keywords__icontains=phrase)
            | Q(description__icontains=phrase)
            | Q(intended_use__icontains=phrase)
            | Q(limitations__icontains=phrase)
        )
        qs = qs.exclude(match) if negate else qs.filter(match)
    return qs


def artifact_filtered(
    query: CatalogueQuery, *, skip: str = "", base: QuerySet[Artifact] | None = None
) -> QuerySet[Artifact]:
    """Listed artifacts matching the query's words and facet choices (all but ``skip``)."""
    qs = artifact_listed_queryset() if base is None else base
    if query.kinds and skip != "kind":
        qs = qs.filter(kind__in=query.kinds)
    if query.dimensions and skip != "dimension":
        qs = qs.filter(
            Exists(
                Artifact.dimensions.through.objects.filter(
                    artifact_id=OuterRef("pk"), fairnessdimension__slug__in=query.dimensions
                )
            )
        )
    if query.tasks and skip != "task":
        qs = qs.filter(
            Exists(
                Artifact.tasks.through.objects.filter(
                    artifact_id=OuterRef("pk"),
                    task__slug__in=query.tasks,
                )
            )
        )
    if query.licenses and skip != "license":
        qs = qs.filter(license__in=query.licenses)
    if query.years and skip != "year":
        qs = qs.filter(award__cycle__year__in=query.years)
    if query.institutions and skip != "institution":
        qs = qs.filter(award__institution_id__in=query.institutions)
    if query.links and skip != "link":
        qs = qs.filter(link_health__in=query.links)
    return _search(qs, query)


def artifact_ordered(qs: QuerySet[Artifact], query: CatalogueQuery) -> QuerySet[Artifact]:
    if query.sort == "relevance" and query.q and connection.vendor == "postgresql":
        return qs.order_by("-rank", "-published_at", "pk")  # type: ignore[misc]
    if query.sort == "title":
        return qs.order_by("title", "pk")
    return qs.order_by("-published_at", "pk")
