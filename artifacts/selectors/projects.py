"""Funded projects as the public list finds them (words, year, institution, state, with
counts per filter value), and the public pages of an institution and of a person.

Search is case-insensitive matching (``icontains``) of every word over a few columns, the
same on PostgreSQL and SQLite: the program has tens of awards and will have a few thousand
at most, a table small enough to scan, where a full-text index would buy little. The
filter counts are read as one row per matching award and counted here, which stays cheap
at that size and gives each filter the counts of every other choice (as the catalogue's
facets do) without a query per filter.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.http import QueryDict

from artifacts.models import Artifact, ArtifactCreator
from artifacts.selectors.artifacts import (
    artifact_listed_queryset,
    artifact_public_queryset,
    with_artifact_count,
)
from artifacts.selectors.facets import Facet, FacetValue
from proposals.models import Award, AwardInvestigator, Organization, Person

PAGE_SIZE = 50
MAX_CHOICES = 20
_LONGEST_STATE = 120  # Organization.state's length: a longer value matches nothing
_TOKEN = re.compile(r'"[^"]*"|\S+')


@dataclass
class ProjectQuery:
    q: str = ""
    years: list[int] = field(default_factory=list)
    institutions: list[int] = field(default_factory=list)
    states: list[str] = field(default_factory=list)
    page: str = "1"
    notices: list[str] = field(default_factory=list)

    @classmethod
    def from_querydict(cls, params: QueryDict) -> ProjectQuery:
        """Read the URL's state; values that cannot mean anything are dropped, with a notice."""
        query = cls(q=params.get("q", "").strip()[:200], page=params.get("page", "1"))
        query.years = _integers(params.getlist("year"), query, "a year")
        query.institutions = _integers(params.getlist("institution"), query, "an institution id")
        states = [value.strip() for value in params.getlist("state") if value.strip()]
        if any(len(state) > _LONGEST_STATE for state in states):
            query.notices.append("A state in the address was too long; ignored.")
        query.states = [state for state in states if len(state) <= _LONGEST_STATE][:MAX_CHOICES]
        return query

    @property
    def words(self) -> list[str]:
        """Words and "quoted phrases" to look for, each of which must match."""
        return [t.strip('"') for t in _TOKEN.findall(self.q) if t.strip('"').strip()][:20]

    @property
    def chosen(self) -> bool:
        return bool(self.q or self.years or self.institutions or self.states)


def _integers(values: list[str], query: ProjectQuery, what: str) -> list[int]:
    numbers = []
    for value in values:
        # ASCII only ("²" is a digit to isdigit(), not to int()); no id or year reaches
        # 2**31, and the database would refuse the number rather than match nothing.
        if value.isascii() and value.isdigit() and int(value) < 2**31:
            numbers.append(int(value))
        else:
            query.notices.append(f"“{value[:40]}” is not {what}; ignored.")
    return numbers[:MAX_CHOICES]


def _word_matches(word: str) -> Q:
    investigators = AwardInvestigator.objects.filter(award_id=OuterRef("pk")).filter(
        Q(person__given_name__icontains=word) | Q(person__family_name__icontains=word)
    )
    return (
        Q(title__icontains=word)
        | Q(abstract__icontains=word)
        | Q(award_number__icontains=word)
        | Q(institution__name__icontains=word)
        | Q(Exists(investigators))
    )


def award_matching(words: list[str]) -> QuerySet[Award]:
    """Awards in which every word appears: in the title, the public abstract, the award
    number, the institution's name or an investigator's name."""
    awards = Award.objects.all()
    for word in words:
        awards = awards.filter(_word_matches(word))
    return awards


@dataclass(frozen=True)
class _Row:
    pk: int
    year: int | None
    institution: int | None
    institution_name: str
    state: str
    start: dt.date | None
    number: str


def _rows(query: ProjectQuery) -> list[_Row]:
    columns = award_matching(query.words).values_list(
        "pk",
        "cycle__year",
        "start_date",
        "institution_id",
        "institution__name",
        "institution__state",
        "award_number",
    )
    rows = []
    for pk, cycle_year, start, institution, name, state, number in columns.order_by():
        # The year of the cycle that funded it; an imported award without a cycle has the
        # year it started.
        year = cycle_year or (start.year if start else None)
        rows.append(_Row(pk, year, institution, name or "", state or "", start, number))
    return rows


_TESTS: dict[str, Callable[[_Row, ProjectQuery], bool]] = {
    "year": lambda row, query: not query.years or row.year in query.years,
    "institution": lambda row, query: (
        not query.institutions or row.institution in query.institutions
    ),
    "state": lambda row, query: not query.states or row.state in query.states,
}


def _passes(row: _Row, query: ProjectQuery, *, skip: str = "") -> bool:
    return all(test(row, query) for name, test in _TESTS.items() if name != skip)


def _facets(rows: list[_Row], query: ProjectQuery) -> list[Facet]:
    """Each filter's values with how many awards match it and every other choice."""
    years: Counter[int] = Counter()
    institutions: Counter[int] = Counter()
    names: dict[int, str] = {}
    states: Counter[str] = Counter()
    for row in rows:
        if row.year is not None and _passes(row, query, skip="year"):
            years[row.year] += 1
        if row.institution is not None and _passes(row, query, skip="institution"):
            institutions[row.institution] += 1
            names[row.institution] = row.institution_name
        if row.state and _passes(row, query, skip="state"):
            states[row.state] += 1
    # A chosen value that matches nothing stays on the page, so it can be unchosen.
    for year in query.years:
        years.setdefault(year, 0)
    for state in query.states:
        states.setdefault(state, 0)
    missing = [pk for pk in query.institutions if pk not in institutions]
    if missing:  # a query only then, for the names of institutions of awards
        for pk, name in _award_institutions().filter(pk__in=missing).values_list("pk", "name"):
            institutions[pk], names[pk] = 0, name
    return [
        Facet(
            "year",
            "Year",
            [
                FacetValue(str(y), str(y), n, y in query.years)
                for y, n in sorted(years.items(), reverse=True)
            ],
        ),
        Facet(
            "institution",
            "Institution",
            sorted(
                (
                    FacetValue(str(pk), names[pk], n, pk in query.institutions)
                    for pk, n in institutions.items()
                ),
                key=lambda v: (v.label.casefold(), v.value),
            ),
        ),
        Facet(
            "state",
            "State",
            [FacetValue(s, s, n, s in query.states) for s, n in sorted(states.items())],
        ),
    ]


def _newest_first(row: _Row) -> tuple[bool, int, str]:
    # Newest start first, awards with no start date last, then by award number: the
    # same order on both databases (they place NULLs differently).
    return (row.start is None, -(row.start.toordinal() if row.start else 0), row.number)


def with_pi(awards: QuerySet[Award]) -> QuerySet[Award]:
    """``awards`` annotated with their principal investigator's id and name (``pi_id``,
    ``pi_given``, ``pi_family``; None without one), in the same query."""
    pi = AwardInvestigator.objects.filter(award_id=OuterRef("pk"), role=AwardInvestigator.Role.PI)
    return awards.annotate(
        pi_id=Subquery(pi.values("person_id")[:1]),
        pi_given=Subquery(pi.values("person__given_name")[:1]),
        pi_family=Subquery(pi.values("person__family_name")[:1]),
    )


@dataclass
class ProjectResult:
    query: ProjectQuery
    page: Page[Any]
    facets: list[Facet]

    @property
    def total(self) -> int:
        return self.page.paginator.count


def award_search(query: ProjectQuery) -> ProjectResult:
    """A page of the funded projects matching ``query``, newest first, with each filter's
    counts: one query for the matching awards' filter columns, one for the page's rows."""
    rows = _rows(query)
    facets = _facets(rows, query)
    ordered = sorted((row for row in rows if _passes(row, query)), key=_newest_first)
    paginator: Paginator[Any] = Paginator([row.pk for row in ordered], PAGE_SIZE)
    page = paginator.get_page(query.page)
    ids = list(page.object_list)
    if ids:
        loaded = with_pi(
            with_artifact_count(Award.objects.filter(pk__in=ids)).select_related(
                "institution", "cycle"
            )
        ).in_bulk()
        page.object_list = [loaded[pk] for pk in ids if pk in loaded]
    return ProjectResult(query=query, page=page, facets=facets)


# --- Institutions and people ----------------------------------------------------------


def _award_institutions() -> QuerySet[Organization]:
    return Organization.objects.filter(Exists(Award.objects.filter(institution_id=OuterRef("pk"))))


def institution_get_public(*, pk: int) -> Organization:
    """An organization that is the institution of an award; raises Organization.DoesNotExist
    for any other (one known only from a proposal or an affiliation has no public record)."""
    return _award_institutions().get(pk=pk)


def institution_awards(institution: Organization) -> QuerySet[Award]:
    """The institution's awards, newest first, with their artifact counts and PIs."""
    return with_pi(
        with_artifact_count(Award.objects.filter(institution=institution).select_related("cycle"))
    ).order_by("-start_date", "award_number")


def institution_artifacts(institution: Organization) -> QuerySet[Artifact]:
    """The listed artifacts of the institution's awards, newest first."""
    return (
        artifact_listed_queryset()
        .filter(award__institution=institution)
        .select_related("award__institution", "award__cycle")
        .order_by("-published_at", "pk")
    )


def _created(person_id: Any) -> QuerySet[ArtifactCreator]:
    return ArtifactCreator.objects.filter(
        person_id=person_id, artifact__in=artifact_public_queryset()
    )


def person_public_queryset() -> QuerySet[Person]:
    """People with a public role: an investigator of an award, or a creator of an artifact
    with a public page. Anyone else (an applicant, a reviewer, a creator of drafts only)
    has no public record, and their id must not tell that they exist."""
    return Person.objects.filter(
        Exists(AwardInvestigator.objects.filter(person_id=OuterRef("pk")))
        | Exists(_created(OuterRef("pk")))
    )


def person_get_public(*, pk: int) -> Person:
    """Raises Person.DoesNotExist for anyone without a public role."""
    return person_public_queryset().get(pk=pk)


def person_award_roles(person: Person) -> QuerySet[AwardInvestigator]:
    """The person's roles on awards (former ones too, as NSF records them), newest first."""
    return (
        AwardInvestigator.objects.filter(person=person)
        .select_related("award__institution", "award__cycle")
        .order_by("-award__start_date", "award__award_number", "role")
    )


def person_artifacts(person: Person) -> QuerySet[Artifact]:
    """The public artifacts the person created (retired ones keep their pages), newest
    first."""
    return (
        artifact_public_queryset()
        .filter(pk__in=_created(person.pk).values("artifact_id"))
        .select_related("award__institution", "award__cycle")
        .order_by("-published_at", "pk")
    )
