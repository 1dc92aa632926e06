"""The catalogue's facets: each value with how many listed artifacts match it.

Counting is one statement for every facet; the unfiltered catalogue's counts are kept by
PostgreSQL triggers. ``facet_counts_cached`` is a read-through cache of ``facet_counts``
keyed by the catalogue version, which every change to what the catalogue lists moves.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models.expressions import RawSQL

from artifacts.models import Artifact, FacetCount, FairnessDimension, LinkState, Task
from artifacts.selectors.search import CatalogueQuery, artifact_filtered
from fairprog.catalogue_version import catalogue_version
from proposals.models import Award


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class Facet:
    name: str  # the URL parameter
    label: str
    values: list[FacetValue]


def _vocabulary(model: type[FairnessDimension] | type[Task]) -> list[Any]:
    return list(model.objects.order_by("order", "name"))


_CHOICES = {
    "kind": "kinds",
    "dimension": "dimensions",
    "task": "tasks",
    "license": "licenses",
    "year": "years",
    "institution": "institutions",
    "link": "links",
}


# The link-health facet's values, from working to broken, then the unknowns.
LINK_FACET_LABELS = {
    LinkState.OK: "Working",
    LinkState.REDIRECTED: "Redirected",
    LinkState.BLOCKED: "Unknown (site refused our checker)",
    LinkState.FAILING: "Failing (not yet confirmed)",
    LinkState.BROKEN: "Broken",
    LinkState.UNCHECKED: "Not checked yet",
    LinkState.NONE: "No links",
}


@dataclass
class _Counts:
    """Raw counts per facet value; year and institution are counted per award first."""

    kind: dict[str, int]
    license: dict[str, int]
    dimension: dict[int, int]
    task: dict[int, int]
    award_for_year: dict[int, int]
    award_for_institution: dict[int, int]
    link: dict[str, int]


def _chosen(query: CatalogueQuery, facet: str) -> bool:
    return bool(getattr(query, _CHOICES[facet]))


def _counts_of(rows: Iterable[tuple[str, str, int]], *, year: str, institution: str) -> _Counts:
    """_Counts from ``(facet, value, count)`` rows, values as text. ``year`` and
    ``institution`` name the facets whose rows count artifacts per award for the cycle
    year and the institution (the same rows when both count the same artifacts)."""
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for facet, value, n in rows:
        counts[facet][value] = n

    def by_id(facet: str) -> dict[int, int]:
        return {int(pk): n for pk, n in counts[facet].items()}

    for_year = by_id(year)
    return _Counts(
        kind=counts["kind"],
        license=counts["license"],
        dimension=by_id("dimension"),
        task=by_id("task"),
        award_for_year=for_year,
        award_for_institution=for_year if institution == year else by_id(institution),
        link=counts["link"],
    )


def _whole_catalogue_counts() -> _Counts:
    """The unfiltered catalogue's counts, kept current by PostgreSQL triggers."""
    rows = FacetCount.objects.filter(count__gt=0).values_list("facet", "value", "count")
    return _counts_of(rows, year="award", institution="award")


def _counts_from_rows(query: CatalogueQuery) -> _Counts:
    """Every facet counted in one statement. Each facet counts the artifacts that match all
    choices but its own; facets without a choice share one set of rows, so the search runs
    once plus once per facet with a choice. On PostgreSQL the dimension and task ids come
    from arrays on the artifact row (see migration 0007) instead of a join per artifact."""
    arrays = connection.vendor == "postgresql"
    sets: dict[str, bool] = {}  # facet whose choice is left open ("" for none) -> needs ids

    def rows(facet: str, *, vocabulary: bool = False) -> str:
        skip = facet if _chosen(query, facet) else ""
        sets[skip] = sets.get(skip, False) or vocabulary
        return f"rows_{skip or 'all'}"

    def count(facet: str, value: str, source: str, where: str = "") -> str:
        # Only names from this module go into the text; the query's values are parameters.
        return (
            f"SELECT '{facet}', CAST({value} AS TEXT), COUNT(*) FROM {source} {where} "  # noqa: S608
            f"GROUP BY {value}"
        )

    def vocabulary(facet: str, through: Any, column: str, array: str) -> str:
        matched = rows(facet, vocabulary=True)
        if arrays:
            ids = f"(SELECT unnest(r.{array}) AS id FROM {matched} AS r) AS v"  # noqa: S608
            return count(facet, "v.id", ids)
        table = through._meta.db_table
        return count(
            facet, f"v.{column}", f"{matched} AS r JOIN {table} AS v ON v.artifact_id = r.id"
        )

    selects = [
        count("kind", "r.kind", f"{rows('kind')} AS r"),
        count("license", "r.license", f"{rows('license')} AS r", where="WHERE r.license <> ''"),
        vocabulary(
            "dimension", Artifact.dimensions.through, "fairnessdimension_id", "dimension_ids"
        ),
        vocabulary("task", Artifact.tasks.through, "task_id", "task_ids"),
        count("year", "r.award_id", f"{rows('year')} AS r"),
        count("link", "r.link_health", f"{rows('link')} AS r"),
    ]
    separate_institutions = rows("institution") != rows("year")
    if separate_institutions:
        selects.append(count("institution", "r.award_id", f"{rows('institution')} AS r"))

    ctes: list[str] = []
    params: list[Any] = []
    for skip, with_ids in sets.items():
        columns = ["id", "kind", "license", "award_id", "link_health"]
        fields = ["pk", "kind", "license", "award_id", "link_health"]
        qs = artifact_filtered(query, skip=skip).order_by()
        if arrays and with_ids:
            columns += ["dimension_ids", "task_ids"]
            fields += ["dimension_ids", "task_ids"]
            qs = qs.annotate(
                dimension_ids=RawSQL("artifacts_artifact.dimension_ids", ()),
                task_ids=RawSQL("artifacts_artifact.task_ids", ()),
            )
        sql, sql_params = qs.values_list(*fields).query.sql_with_params()
        ctes.append(f"rows_{skip or 'all'}({', '.join(columns)}) AS ({sql})")
        params.extend(sql_params)

    with connection.cursor() as cursor:
        cursor.execute(f"WITH {', '.join(ctes)} {' UNION ALL '.join(selects)}", params)
        found = cursor.fetchall()
    return _counts_of(
        found, year="year", institution="institution" if separate_institutions else "year"
    )


def facet_counts(query: CatalogueQuery) -> list[Facet]:
    """Facet values with counts; each facet counts as if its own choice were open."""
    unfiltered = not query.q and not any(_chosen(query, facet) for facet in _CHOICES)
    if unfiltered and connection.vendor == "postgresql":
        counts = _whole_catalogue_counts()
    else:
        counts = _counts_from_rows(query)
    facets = [
        Facet(
            "kind",
            "Kind",
            [
                FacetValue(value, label, counts.kind.get(value, 0), value in query.kinds)
                for value, label in Artifact.Kind.choices
                if counts.kind.get(value) or value in query.kinds
            ],
        )
    ]
    for name, label, model, chosen, per_value in (
        ("dimension", "Fairness dimension", FairnessDimension, query.dimensions, counts.dimension),
        ("task", "Task or modality", Task, query.tasks, counts.task),
    ):
        facets.append(
            Facet(
                name,
                label,
                [
                    FacetValue(
                        value.slug, value.name, per_value.get(value.pk, 0), value.slug in chosen
                    )
                    for value in _vocabulary(model)
                    if per_value.get(value.pk) or value.slug in chosen
                ],
            )
        )
    licenses = sorted(counts.license.items(), key=lambda item: (-item[1], item[0]))
    facets.append(
        Facet(
            "license",
            "Licence",
            [FacetValue(lic, lic, n, lic in query.licenses) for lic, n in licenses],
        )
    )
    facets.append(
        Facet(
            "link",
            "Link health",
            [
                FacetValue(state, label, counts.link.get(state, 0), state in query.links)
                for state, label in LINK_FACET_LABELS.items()
                if counts.link.get(state) or state in query.links
            ],
        )
    )
    # Cycle year and institution both come from the award: fold the per-award counts
    # by the awards' years and institutions.
    awards = {
        pk: (year, institution_id, name)
        for pk, year, institution_id, name in Award.objects.filter(
            pk__in=set(counts.award_for_year) | set(counts.award_for_institution)
        ).values_list("pk", "cycle__year", "institution_id", "institution__name")
    }
    years: dict[int, int] = defaultdict(int)
    for award_id, n in counts.award_for_year.items():
        year = awards[award_id][0]
        if year is not None:
            years[year] += n
    facets.append(
        Facet(
            "year",
            "Cycle year",
            [
                FacetValue(str(y), str(y), years[y], y in query.years)
                for y in sorted(years, reverse=True)
            ],
        )
    )
    institutions: dict[tuple[int, str], int] = defaultdict(int)
    for award_id, n in counts.award_for_institution.items():
        _, institution_id, name = awards[award_id]
        if institution_id is not None:
            institutions[(institution_id, name)] += n
    ranked = sorted(institutions.items(), key=lambda item: (-item[1], item[0][1]))[:25]
    facets.append(
        Facet(
            "institution",
            "Institution",
            [FacetValue(str(pk), name, n, pk in query.institutions) for (pk, name), n in ranked],
        )
    )
    return facets


# --- The read-through cache: the only cache this package writes ----------------------

FACET_CACHE_SECONDS = 600
# Entries are pickled Facet objects: the prefix moves whenever their classes move or change,
# so that a new release never reads an entry written by the one before it.
FACET_CACHE_PREFIX = "catalogue:facets:2"


def facet_counts_cached(query: CatalogueQuery) -> list[Facet]:
    """``facet_counts``, cached per filter state until the catalogue changes: the key holds
    the catalogue version, which every change to what the catalogue lists moves, so an
    entry from before a change is never read again and expires on its own."""
    version = catalogue_version()
    state = (query.q, query.kinds, query.dimensions, query.tasks, query.licenses, query.years,
             query.institutions, query.links)  # fmt: skip
    key = f"{FACET_CACHE_PREFIX}:{version}:{hashlib.sha256(repr(state).encode()).hexdigest()}"
    facets = cache.get(key)
    if facets is None:
        facets = facet_counts(query)
        cache.set(key, facets, FACET_CACHE_SECONDS)
    return facets
