"""The charts of the public page "The program in numbers": public data only (awards,
published artifacts and their link health), never a proposal or anything about one.

On PostgreSQL, whole-catalogue counts of published artifacts (by kind, dimension, link
health) are read from the catalogue's facet counts, which triggers keep current, instead of
a pass over every artifact.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.db import connection
from django.db.models import Count, TextChoices

from artifacts.models import Artifact, FacetCount, LinkState
from fairprog.portfolio.charts import BLUE, Chart, Series
from fairprog.portfolio.queries import Scope, award_year_rows, year_label
from fairprog.portfolio.staff_charts import HEALTH_COLOURS, KIND_COLOURS, chart_dimensions

# Link states from best to worst, the order the public chart lists them in.
HEALTH_ORDER = [
    LinkState.OK,
    LinkState.REDIRECTED,
    LinkState.BLOCKED,
    LinkState.FAILING,
    LinkState.BROKEN,
    LinkState.UNCHECKED,
    LinkState.NONE,
]


def public_chart_funding() -> Chart:
    rows = award_year_rows(Scope())
    labels = [year_label(r["year"]) for r in rows]
    return Chart(
        key="funding",
        title="Awards and funding by year",
        description="Amounts awarded to the funded projects of each cycle year.",
        category="Cycle year",
        axis="US dollars",
        labels=labels,
        series=[
            Series("awarded", "Awarded", [r["awarded"] for r in rows], BLUE, "money"),
            Series("awards", "Funded projects", [r["awards"] for r in rows], table_only=True),
        ],
        tick_labels=[
            [label, f"{r['awards']} project{'s' if r['awards'] != 1 else ''}"]
            for label, r in zip(labels, rows, strict=True)
        ],
    )


def _published_counts(field: str, facet: str) -> dict[str, int]:
    """Published artifacts per value of ``field``. On PostgreSQL, the catalogue's facet
    counts, kept current by triggers (artifacts.FacetCount); elsewhere counted."""
    if connection.vendor == "postgresql":
        return dict(FacetCount.objects.filter(facet=facet).values_list("value", "count"))
    return dict(
        Artifact.objects.filter(status=Artifact.Status.PUBLISHED)
        .order_by()
        .values_list(field)
        .annotate(n=Count("pk"))
    )


def _published_by(
    members: Sequence[TextChoices],
    counts: Mapping[str, int],
    colours: Mapping[Any, str],
    *,
    key: str,
    title: str,
    description: str,
    category: str,
    notes: list[str] | None = None,
) -> Chart:
    """One bar per choice of a catalogue field (``members``, in order), each in its own
    colour: how many published artifacts have it."""
    return Chart(
        key=key,
        title=title,
        description=description,
        category=category,
        axis="Artifacts",
        labels=[member.label for member in members],
        keys=[member.value for member in members],
        series=[
            Series(
                "artifacts",
                "Published artifacts",
                [counts.get(member, 0) for member in members],
                colours=[colours[member] for member in members],
            )
        ],
        horizontal=True,
        notes=notes or [],
    )


def public_chart_kinds() -> Chart:
    counts = _published_counts("kind", FacetCount.Facet.KIND)
    return _published_by(
        list(Artifact.Kind),
        counts,
        KIND_COLOURS,
        key="kinds",
        title="Artifacts by kind",
        description="Published artifacts of each kind.",
        category="Kind",
    )


def public_chart_dimensions() -> Chart:
    return chart_dimensions(Scope())


def public_chart_link_health() -> Chart:
    counts = _published_counts("link_health", FacetCount.Facet.LINK)
    states = [state for state in HEALTH_ORDER if state != LinkState.NONE or counts.get(state)]
    return _published_by(
        states,
        counts,
        HEALTH_COLOURS,
        key="links",
        title="Link health of the catalogue",
        description="Published artifacts by the state of their links (the worst of an "
        "artifact's links), as the catalogue shows it.",
        category="Link health",
        notes=[
            "A link is broken only after several failed checks in a row; until then it is failing."
        ],
    )


PUBLIC_CHARTS: dict[str, Callable[[], Chart]] = {
    "funding": public_chart_funding,
    "kinds": public_chart_kinds,
    "dimensions": public_chart_dimensions,
    "links": public_chart_link_health,
}
