"""The staff dashboard's charts, each from one aggregate query that follows the filters
(``Scope``); Python only reshapes the few aggregate rows (pivots, fills empty quarters and
weeks). ``STAFF_CHARTS`` names each chart with the permission a staff user needs to see it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.db.models import CharField, Count, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Cast, Coalesce, TruncQuarter, TruncWeek

from artifacts.models import Artifact, FacetCount, FairnessDimension, LinkHealthDay, LinkState
from fairprog.portfolio.charts import (
    BLUE,
    GREEN,
    GREY,
    NOT_RECORDED,
    ORANGE,
    PURPLE,
    SKY,
    VERMILLION,
    Chart,
    Series,
)
from fairprog.portfolio.queries import Scope, award_year_rows, year_label
from proposals.models import Award, Proposal

KIND_COLOURS = {
    Artifact.Kind.DATASET: BLUE,
    Artifact.Kind.METRIC: ORANGE,
    Artifact.Kind.TOOL: GREEN,
    Artifact.Kind.TESTING_METHODOLOGY: PURPLE,
    Artifact.Kind.MODEL: SKY,
    Artifact.Kind.DOCUMENTATION: VERMILLION,
    Artifact.Kind.OTHER: GREY,
}
HEALTH_COLOURS = {
    LinkState.OK: "#1A7F37",
    LinkState.REDIRECTED: BLUE,
    LinkState.BLOCKED: GREY,
    LinkState.FAILING: ORANGE,
    LinkState.BROKEN: "#C4262E",
    LinkState.UNCHECKED: "#9AA5B1",
    LinkState.NONE: "#C3CBD3",
}
TOP_INSTITUTIONS = 15

Status = Proposal.Status
# The proposal funnel is cumulative: a proposal further along passed the earlier stages.
# Declined proposals were reviewed (the workflow declines only from review or after a
# recommendation); withdrawn ones count as submitted when they had been.
FUNNEL_SUBMITTED = Q(submitted_at__isnull=False) | Q(
    status__in=[
        Status.SUBMITTED,
        Status.UNDER_REVIEW,
        Status.RECOMMENDED,
        Status.DECLINED,
        Status.AWARDED,
    ]
)
FUNNEL_REVIEWED = Q(
    status__in=[Status.UNDER_REVIEW, Status.RECOMMENDED, Status.DECLINED, Status.AWARDED]
)
FUNNEL_RECOMMENDED = Q(status__in=[Status.RECOMMENDED, Status.AWARDED])
FUNNEL_AWARDED = Q(status=Status.AWARDED)


def chart_funding(scope: Scope) -> Chart:
    rows = award_year_rows(scope)
    return Chart(
        key="funding",
        title="Funding by cycle year",
        description="Intended, awarded and obligated amounts of the awards of each cycle year.",
        category="Cycle year",
        axis="US dollars",
        labels=[year_label(r["year"]) for r in rows],
        series=[
            Series("awards", "Awards", [r["awards"] for r in rows], table_only=True),
            Series("intended", "Intended", [r["intended"] for r in rows], SKY, "money"),
            Series("awarded", "Awarded", [r["awarded"] for r in rows], BLUE, "money"),
            Series("obligated", "Obligated", [r["obligated"] for r in rows], GREEN, "money"),
        ],
    )


def chart_funnel(scope: Scope) -> Chart:
    rows = list(
        Proposal.objects.filter(scope.q(program="cycle__program", year="cycle__year"))
        .values("cycle", "cycle__year", "cycle__solicitation_number")
        .annotate(
            submitted=Count("pk", filter=FUNNEL_SUBMITTED),
            reviewed=Count("pk", filter=FUNNEL_REVIEWED),
            recommended=Count("pk", filter=FUNNEL_RECOMMENDED),
            awarded=Count("pk", filter=FUNNEL_AWARDED),
        )
        .filter(submitted__gt=0)
        .order_by("cycle__year", "cycle__solicitation_number")
    )
    rates = [
        round(100 * r["awarded"] / r["submitted"], 1) if r["submitted"] else None for r in rows
    ]
    labels = [f"{r['cycle__solicitation_number']} ({r['cycle__year']})" for r in rows]
    return Chart(
        key="funnel",
        title="Proposal funnel by cycle",
        description=(
            "Proposals of each cycle that were submitted, reviewed, recommended and awarded; "
            "each stage counts every proposal that reached it or went further."
        ),
        category="Cycle",
        axis="Proposals",
        labels=labels,
        series=[
            Series("submitted", "Submitted", [r["submitted"] for r in rows], SKY),
            Series("reviewed", "In review", [r["reviewed"] for r in rows], BLUE),
            Series("recommended", "Recommended", [r["recommended"] for r in rows], ORANGE),
            Series("awarded", "Awarded", [r["awarded"] for r in rows], GREEN),
            Series("rate", "Success rate", rates, kind="percent", table_only=True),
        ],
        tick_labels=[
            [label, f"{rate:.0f} % awarded" if rate is not None else ""]
            for label, rate in zip(labels, rates, strict=True)
        ],
        notes=["Success rate: awarded ÷ submitted."],
    )


def _quarter(moment: dt.datetime) -> tuple[int, int]:
    return moment.year, (moment.month - 1) // 3 + 1


def _quarters_between(first: tuple[int, int], last: tuple[int, int]) -> list[tuple[int, int]]:
    quarters, (year, quarter) = [], first
    while (year, quarter) <= last:
        quarters.append((year, quarter))
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    return quarters


def chart_artifacts_by_quarter(scope: Scope) -> Chart:
    rows = list(
        Artifact.objects.filter(
            Q(status=Artifact.Status.PUBLISHED)
            & scope.q(program="award__program", year="award__cycle__year")
        )
        .annotate(quarter=TruncQuarter("published_at"))
        .values("quarter", "kind")
        .annotate(n=Count("pk"))
        .order_by()  # sorted below; without ORDER BY PostgreSQL hashes instead of sorting
    )
    counts = {(_quarter(r["quarter"]), r["kind"]): r["n"] for r in rows}
    seen = sorted(quarter for quarter, _ in counts)
    quarters = _quarters_between(seen[0], seen[-1]) if seen else []
    kinds = [kind for kind in Artifact.Kind if any(k == kind for _, k in counts)]
    return Chart(
        key="artifacts",
        title="Artifacts published per quarter, by kind",
        description="Published artifacts by the quarter they were published in.",
        category="Quarter",
        axis="Artifacts",
        labels=[f"{year} Q{quarter}" for year, quarter in quarters],
        series=[
            Series(
                kind.value,
                kind.label,
                [counts.get((q, kind), 0) for q in quarters],
                KIND_COLOURS[kind],
            )
            for kind in kinds
        ],
        stacked=True,
    )


def chart_dimensions(scope: Scope) -> Chart:
    """Every fairness dimension with the published artifacts that address it (zero shows
    a gap in the portfolio)."""
    counted: Any
    if scope == Scope() and connection.vendor == "postgresql":
        # The catalogue's own count of published artifacts per dimension, kept current by
        # triggers (artifacts.FacetCount): no pass over every artifact and its dimensions.
        counted = Coalesce(
            Subquery(
                FacetCount.objects.filter(
                    facet=FacetCount.Facet.DIMENSION, value=Cast(OuterRef("pk"), CharField())
                ).values("count")[:1]
            ),
            0,
        )
    else:
        published = Q(artifacts__status=Artifact.Status.PUBLISHED)
        if scope != Scope():
            # The scope's awards as a subquery, hashed once, rather than joining an award
            # and a cycle to each of the (many) artifact-dimension rows.
            published &= Q(artifacts__award__in=scope.awards())
        counted = Count("artifacts", filter=published)
    rows = list(
        FairnessDimension.objects.annotate(n=counted)
        .order_by("-n", "order", "name")
        .values_list("name", "n")
    )
    return Chart(
        key="dimensions",
        title="Fairness dimensions covered",
        description="Published artifacts addressing each fairness dimension (an artifact "
        "may address several).",
        category="Fairness dimension",
        axis="Artifacts",
        labels=[name for name, _ in rows],
        series=[Series("artifacts", "Published artifacts", [n for _, n in rows])],
        horizontal=True,
    )


def _awards_by_place(
    rows: list[Any], *, place: str, key: str, title: str, description: str, category: str
) -> Chart:
    """Awards counted by a place (``place`` names it in each row), with their awarded
    amounts in the table."""
    return Chart(
        key=key,
        title=title,
        description=description,
        category=category,
        axis="Awards",
        labels=[r[place] or NOT_RECORDED for r in rows],
        series=[
            Series("awards", "Awards", [r["awards"] for r in rows]),
            Series(
                "awarded", "Awarded", [r["awarded"] for r in rows], kind="money", table_only=True
            ),
        ],
        horizontal=True,
    )


def chart_institutions(scope: Scope) -> Chart:
    rows = list(
        Award.objects.filter(scope.q(program="program", year="cycle__year"))
        .values("institution", name=F("institution__name"))
        .annotate(awards=Count("pk"), awarded=Sum("awarded_amount"))
        .order_by("-awards", F("awarded").desc(nulls_last=True), "name")[:TOP_INSTITUTIONS]
    )
    return _awards_by_place(
        rows,
        place="name",
        key="institutions",
        title=f"Awards by institution (top {TOP_INSTITUTIONS})",
        description="The institutions with the most awards, with their awarded amounts.",
        category="Institution",
    )


def chart_states(scope: Scope) -> Chart:
    rows = list(
        Award.objects.filter(scope.q(program="program", year="cycle__year"))
        .values(state=Coalesce("institution__state", Value("")))
        .annotate(awards=Count("pk"), awarded=Sum("awarded_amount"))
        .order_by("-awards", "state")
    )
    return _awards_by_place(
        rows,
        place="state",
        key="states",
        title="Awards by state",
        description="Awards by the state or region of their institution.",
        category="State or region",
    )


def _weeks_between(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(weeks=n) for n in range((last - first).days // 7 + 1)]


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def chart_link_health(scope: Scope) -> Chart:
    """Links in each state, week by week: the average of the days recorded that week by
    the daily task (artifacts.services.links.link_health_record_day), so the chart reads a few rows
    a day however many checks were made."""
    groups = {
        "ok": [LinkState.OK],
        "redirected": [LinkState.REDIRECTED],
        "blocked": [LinkState.BLOCKED],
        "broken": [LinkState.FAILING, LinkState.BROKEN],
        "unchecked": [LinkState.UNCHECKED],
    }
    rows: list[Any] = list(
        LinkHealthDay.objects.filter(scope.q(program="program", year="cycle_year"))
        .annotate(week=TruncWeek("day"))
        .values("week")
        .annotate(
            days=Count("day", distinct=True),
            **{
                key: Sum("links", filter=Q(state__in=states), default=0)
                for key, states in groups.items()
            },
        )
        .order_by()  # the weeks are sorted below
    )
    by_week = {_as_date(r["week"]): r for r in rows}
    weeks = _weeks_between(min(by_week), max(by_week)) if by_week else []

    def column(key: str) -> list[int]:
        return [
            round(by_week[week][key] / by_week[week]["days"]) if week in by_week else 0
            for week in weeks
        ]

    return Chart(
        key="links",
        title="Link health by week",
        description="Links in each state, on average over the days of each week.",
        category="Week of",
        axis="Links",
        labels=[week.isoformat() for week in weeks],
        tick_labels=[[f"{week:%b} {week.day}"] for week in weeks],
        series=[
            Series("ok", "OK", column("ok"), HEALTH_COLOURS[LinkState.OK]),
            Series("redirected", "Redirected", column("redirected"), BLUE),
            Series("blocked", "Blocked or unknown", column("blocked"), GREY),
            Series(
                "broken", "Failing or broken", column("broken"), HEALTH_COLOURS[LinkState.BROKEN]
            ),
            Series(
                "unchecked",
                "Not checked yet",
                column("unchecked"),
                HEALTH_COLOURS[LinkState.UNCHECKED],
            ),
        ],
        stacked=True,
        notes=[
            "Failing: the latest checks failed; broken: they kept failing for days. "
            "Counted once a day."
        ],
    )


# Chart key -> (builder, the permission a staff user needs to see it).
STAFF_CHARTS: dict[str, tuple[Callable[[Scope], Chart], str]] = {
    "funding": (chart_funding, "proposals.view_award"),
    "funnel": (chart_funnel, "proposals.view_proposal"),
    "artifacts": (chart_artifacts_by_quarter, "artifacts.view_artifact"),
    "dimensions": (chart_dimensions, "artifacts.view_artifact"),
    "institutions": (chart_institutions, "proposals.view_award"),
    "states": (chart_states, "proposals.view_award"),
    "links": (chart_link_health, "artifacts.view_artifactlink"),
}
