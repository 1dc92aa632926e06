"""Public reads of the catalogue: only published (or retired-after-publication) artifacts.

Search is PostgreSQL full-text search over a stored, weighted tsvector (title A,
keywords and summary B, description and documentation C) with ``websearch`` syntax and a
trigram fallback for typos; on SQLite it degrades to case-insensitive matching.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramWordSimilarity
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import (
    Count,
    Exists,
    F,
    Func,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    TextField,
)
from django.db.models.expressions import RawSQL
from django.http import QueryDict
from django.utils.safestring import SafeString, mark_safe

from artifacts.models import (
    Artifact,
    ArtifactCreator,
    ArtifactLink,
    FacetCount,
    FairnessDimension,
    LinkState,
    Task,
)
from fairprog.catalogue_version import catalogue_version
from fairprog.db import JoinedText
from proposals.models import Award

PAGE_SIZE = 20
SORTS = {"relevance": "Relevance", "newest": "Newest", "title": "Title"}
TRIGRAM_THRESHOLD = 0.3


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


# --- Link health as the public sees it ------------------------------------------------

LINK_ROLES = [
    role.value
    for role in (ArtifactLink.Role.LANDING, ArtifactLink.Role.REPOSITORY, ArtifactLink.Role.DOI)
]
# What of a link is public: never its errors, failure counts, proposed address or checks.
LINK_COLUMNS = ("role", "url", "state", "state_since", "last_checked_at", "final_url")


@dataclass(frozen=True)
class PublicLink:
    role: str
    url: str
    state: str
    state_since: dt.datetime | None
    checked_at: dt.datetime | None
    resolves_to: str | None  # the page a working DOI leads to; None for other links


def artifact_links_prefetch() -> Prefetch[Any]:
    """An artifact's link rows, only their public columns."""
    return Prefetch("links", queryset=ArtifactLink.objects.only("artifact", *LINK_COLUMNS))


def artifact_link_urls(landing_url: str, repository_url: str, doi: str) -> dict[str, str]:
    """The artifact's checked URLs by role (as artifacts.services.links.artifact_urls has them)."""
    return {
        ArtifactLink.Role.LANDING: landing_url,
        ArtifactLink.Role.REPOSITORY: repository_url,
        ArtifactLink.Role.DOI: f"https://doi.org/{doi}" if doi else "",
    }


def links_public(urls: dict[str, str], rows: Iterable[Sequence[Any]]) -> list[PublicLink]:
    """The artifact's URLs in role order, each with the health its link row records.
    ``rows`` are the artifact's link rows as LINK_COLUMNS tuples. A URL without a row for
    it (just added or edited, not yet synced) is not checked yet."""
    checked = {row[0]: row for row in rows}
    found = []
    for role in LINK_ROLES:
        url = urls.get(role)
        if not url:
            continue
        row = checked.get(role)
        if row is None or row[1] != url:
            found.append(PublicLink(role, url, LinkState.UNCHECKED.value, None, None, None))
            continue
        _, _, state, since, checked_at, final_url = row
        resolves_to = None
        if (
            role == ArtifactLink.Role.DOI
            and state in (LinkState.OK, LinkState.REDIRECTED)
            and final_url.startswith(("https://", "http://"))
        ):
            resolves_to = final_url
        found.append(PublicLink(role, url, state, since, checked_at, resolves_to))
    return found


def artifact_links_public(artifact: Artifact) -> list[PublicLink]:
    """links_public of a loaded artifact (its ``links`` prefetched, as artifact_get_public
    does)."""
    urls = artifact_link_urls(artifact.landing_url, artifact.repository_url, artifact.doi)
    rows = [
        tuple(getattr(link, column) for column in LINK_COLUMNS) for link in artifact.links.all()
    ]
    return links_public(urls, rows)


def links_public_by_artifact(
    rows: Iterable[dict[str, Any]],
) -> dict[int, list[PublicLink]]:
    """links_public of many artifacts given as value rows with ``id``, ``landing_url``,
    ``repository_url`` and ``doi``: one query for the links of them all."""
    rows = list(rows)
    checked: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for artifact_id, *link in ArtifactLink.objects.filter(
        artifact_id__in=[row["id"] for row in rows]
    ).values_list("artifact_id", *LINK_COLUMNS):
        checked[artifact_id].append(tuple(link))
    return {
        row["id"]: links_public(
            artifact_link_urls(row["landing_url"], row["repository_url"], row["doi"]),
            checked[row["id"]],
        )
        for row in rows
    }


VOCABULARY_SEPARATOR = "\u241e"  # between entries; a slug and its name are split by "|"


class _SlugAndName(Func):
    """``slug|name`` of a vocabulary entry (both columns are NOT NULL, so plain ``||``
    does; Concat's null-safe SQL costs more to build than the rest of the query)."""

    arg_joiner = " || '|' || "
    template = "%(expressions)s"
    output_field = TextField()


def with_vocabulary(qs: QuerySet[Artifact]) -> QuerySet[Artifact]:
    """Each artifact's dimensions and tasks as "slug|name" lists joined into one text each,
    read in the same query as the artifacts (no query per relation)."""

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

    return qs.annotate(
        dimension_list=joined(Artifact.dimensions.through, "fairnessdimension"),
        task_list=joined(Artifact.tasks.through, "task"),
    )


def vocabulary_from(joined: str | None) -> list[dict[str, str]]:
    entries = [item.split("|", 1) for item in (joined or "").split(VOCABULARY_SEPARATOR) if item]
    return sorted(({"slug": slug, "name": name} for slug, name in entries), key=lambda v: v["slug"])


def artifact_recent(limit: int = 6) -> QuerySet[Artifact]:
    return (
        artifact_listed_queryset()
        .select_related("award__institution", "award__cycle")
        .order_by("-published_at")[:limit]
    )


# --- Catalogue search ---------------------------------------------------------------


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


@dataclass
class CatalogueResult:
    query: CatalogueQuery
    page: Page[Any]
    total: int
    facets: list[Facet]
    fallback: bool = False


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


def _vocabulary(model: type[FairnessDimension] | type[Task]) -> list[Any]:
    return list(model.objects.order_by("order", "name"))


FACET_CACHE_SECONDS = 600


def _facet_counts(query: CatalogueQuery) -> list[Facet]:
    """Facet counts, cached per filter state until the catalogue changes."""
    version = catalogue_version()
    state = (query.q, query.kinds, query.dimensions, query.tasks, query.licenses, query.years,
             query.institutions, query.links)  # fmt: skip
    key = f"catalogue:facets:{version}:{hashlib.sha256(repr(state).encode()).hexdigest()}"
    facets = cache.get(key)
    if facets is None:
        facets = _facet_counts_uncached(query)
        cache.set(key, facets, FACET_CACHE_SECONDS)
    return facets


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


def _whole_catalogue_counts() -> _Counts:
    """The unfiltered catalogue's counts, kept current by PostgreSQL triggers."""
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for facet, value, n in FacetCount.objects.filter(count__gt=0).values_list(
        "facet", "value", "count"
    ):
        counts[facet][value] = n
    per_award = {int(pk): n for pk, n in counts["award"].items()}
    return _Counts(
        kind=counts["kind"],
        license=counts["license"],
        dimension={int(pk): n for pk, n in counts["dimension"].items()},
        task={int(pk): n for pk, n in counts["task"].items()},
        award_for_year=per_award,
        award_for_institution=per_award,
        link=counts["link"],
    )


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

    counts: dict[str, dict[str, int]] = defaultdict(dict)
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {', '.join(ctes)} {' UNION ALL '.join(selects)}", params)
        for facet, value, n in cursor.fetchall():
            counts[facet][value] = n
    for_year = {int(pk): n for pk, n in counts["year"].items()}
    return _Counts(
        kind=counts["kind"],
        license=counts["license"],
        dimension={int(pk): n for pk, n in counts["dimension"].items()},
        task={int(pk): n for pk, n in counts["task"].items()},
        award_for_year=for_year,
        award_for_institution=(
            {int(pk): n for pk, n in counts["institution"].items()}
            if separate_institutions
            else for_year
        ),
        link=counts["link"],
    )


def _facet_counts_uncached(query: CatalogueQuery) -> list[Facet]:
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


def artifact_ordered(qs: QuerySet[Artifact], query: CatalogueQuery) -> QuerySet[Artifact]:
    if query.sort == "relevance" and query.q and connection.vendor == "postgresql":
        return qs.order_by("-rank", "-published_at", "pk")  # type: ignore[misc]
    if query.sort == "title":
        return qs.order_by("title", "pk")
    return qs.order_by("-published_at", "pk")


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
    facets = _facet_counts(query)
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


def highlight(text: str, terms: list[str]) -> SafeString:
    """``text`` escaped, with words that start like a search term wrapped in <mark>."""
    escaped = html.escape(text)
    stems = sorted(
        {t[: max(3, len(t) - 2)].lower() for t in terms if len(t) >= 2}, key=len, reverse=True
    )
    if not stems:
        return mark_safe(escaped)  # noqa: S308 - escaped above
    pattern = re.compile(r"\b(" + "|".join(re.escape(s) for s in stems) + r")(\w*)", re.IGNORECASE)
    return mark_safe(pattern.sub(r"<mark>\1\2</mark>", escaped))  # noqa: S308 - escaped above
