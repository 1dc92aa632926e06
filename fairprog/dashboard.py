"""Reads behind the staff dashboard and the public "program in numbers" page.

Every chart's numbers, and the dashboard's headline figures, come from one aggregate query
each; Python only reshapes the few aggregate rows (pivots, fills empty quarters and weeks).
On PostgreSQL, whole-catalogue counts of published artifacts (by kind, dimension, link
health) are read from the catalogue's facet counts, which triggers keep current, instead of
a pass over every artifact.
Functions named ``public_*`` read public data only: awards, published artifacts and their
link health, never a proposal or anything about one.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import (
    CharField,
    Count,
    DateTimeField,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, TruncQuarter, TruncWeek
from django.utils import timezone

from artifacts.models import (
    Artifact,
    ArtifactLink,
    FacetCount,
    FairnessDimension,
    LinkHealthDay,
    LinkState,
)
from fairprog.spreadsheet import SafeCsvWriter
from proposals.models import Award, Cycle, Deadline, Program, Proposal, ReminderDelivery

# Colour-blind-safe colours (Okabe and Ito), fixed per meaning so a colour never changes
# what it stands for from one chart to the next. Tables beside every chart carry the same
# numbers, so no chart depends on colour alone.
BLUE, SKY, GREEN, ORANGE = "#0072B2", "#56B4E9", "#009E73", "#E69F00"
VERMILLION, PURPLE, GREY = "#D55E00", "#CC79A7", "#7B8794"
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
NOT_RECORDED = "Not recorded"
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


# --- What a chart is ---------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    """One column of a chart's table; drawn as a dataset unless it is ``table_only``."""

    key: str
    label: str
    values: list[Any]
    colour: str = BLUE
    kind: str = "count"  # count, money or percent
    table_only: bool = False
    # One colour per bar, when each category has a colour of its own (e.g. link states).
    colours: list[str] | None = None

    def shown(self, value: Any) -> str:
        if value is None:
            return "\N{EN DASH}"
        if self.kind == "money":
            return f"${value:,.0f}"
        if self.kind == "percent":
            return f"{value:.1f} %"
        return f"{value:,}"

    def plotted(self, value: Any) -> float | int:
        if value is None:
            return 0
        return float(value) if isinstance(value, Decimal | float) else int(value)

    def exported(self, value: Any) -> Any:
        """The value in a CSV cell: empty when unknown, amounts with their cents."""
        if value is None:
            return ""
        if self.kind == "money":
            return f"{Decimal(value):.2f}"
        return value


@dataclass(frozen=True)
class Chart:
    """A chart's numbers: category labels down the side of its table, one series per
    column. The same object feeds the drawing (``spec``), the HTML table and the CSV."""

    key: str
    title: str
    description: str
    category: str  # the heading of the label column, e.g. "Cycle year"
    axis: str  # what the value axis measures, e.g. "Proposals"
    labels: list[str]
    series: list[Series]
    horizontal: bool = False
    stacked: bool = False
    # Labels under the bars when they say more than the table's first column (e.g. a rate).
    tick_labels: list[list[str]] | None = None
    notes: list[str] = field(default_factory=list)
    # Machine keys of the labels (e.g. link states), when the labels are words for people.
    keys: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not any(v for s in self.series if not s.table_only for v in s.values)

    @property
    def money(self) -> bool:
        return any(s.kind == "money" for s in self.series if not s.table_only)

    @property
    def height(self) -> int:
        """Pixels for the drawing: horizontal bars get room per label."""
        if self.horizontal:
            return max(180, 56 + 30 * len(self.labels))
        return 320

    def spec(self) -> dict[str, Any]:
        """What dashboard.js needs to draw the chart (read from a json_script element)."""
        drawn = [s for s in self.series if not s.table_only]
        return {
            "labels": self.tick_labels or self.labels,
            "datasets": [
                {
                    "label": s.label,
                    "data": [s.plotted(v) for v in s.values],
                    "colour": s.colours or s.colour,
                }
                for s in drawn
            ],
            "horizontal": self.horizontal,
            "stacked": self.stacked,
            "money": self.money,
            "axis": self.axis,
        }

    def rows(self) -> list[tuple[str, list[str]]]:
        """The table's rows: each label with its values as shown."""
        return [
            (label, [s.shown(s.values[i]) for s in self.series])
            for i, label in enumerate(self.labels)
        ]

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = SafeCsvWriter(out)
        writer.writerow([self.category, *(_csv_heading(s) for s in self.series)])
        for i, label in enumerate(self.labels):
            writer.writerow([label, *(s.exported(s.values[i]) for s in self.series)])
        return out.getvalue()

    def total(self, key: str, *, where: Iterable[str] | None = None) -> Any:
        """The sum of one series, or of its values for the given category keys."""
        values = next(s.values for s in self.series if s.key == key)
        keys = self.keys or self.labels
        wanted = set(where) if where is not None else None
        return sum(
            (
                v
                for k, v in zip(keys, values, strict=True)
                if v is not None and (wanted is None or k in wanted)
            ),
            start=0,
        )


def _csv_heading(series: Series) -> str:
    if series.kind == "money":
        return f"{series.label} (USD)"
    if series.kind == "percent":
        return f"{series.label} (%)"
    return series.label


# --- Filters -----------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """The dashboard's filters: a program, a cycle year, or neither."""

    program_id: int | None = None
    year: int | None = None

    def q(self, *, program: str, year: str) -> Q:
        """The filters as a condition, given the paths from the model read to the
        program and to the cycle's year."""
        condition = Q()
        if self.program_id is not None:
            condition &= Q(**{program: self.program_id})
        if self.year is not None:
            condition &= Q(**{year: self.year})
        return condition

    def awards(self) -> QuerySet[Award, Any]:
        """The ids of the awards in scope, for a subquery."""
        return Award.objects.filter(self.q(program="program", year="cycle__year")).values("pk")

    @property
    def slug(self) -> str:
        """The filters in a file name, e.g. ``program-1-2021``."""
        parts = []
        if self.program_id is not None:
            parts.append(f"program-{self.program_id}")
        if self.year is not None:
            parts.append(str(self.year))
        return "-".join(parts) or "all"


def filter_programs() -> list[tuple[int, str]]:
    return [
        (pk, f"{name} ({short})" if short else name)
        for pk, name, short in Program.objects.order_by("name").values_list(
            "pk", "name", "short_name"
        )
    ]


def filter_years() -> list[int]:
    return list(Cycle.objects.order_by("-year").values_list("year", flat=True).distinct())


# --- Headline figures (staff) ---------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    open_cycles: int = 0
    next_deadline_at: dt.datetime | None = None
    next_deadline_kind: str | None = None
    next_deadline_cycle: str | None = None
    proposals_in_review: int = 0
    awards_active: int = 0
    artifacts_published: int = 0
    links_broken: int = 0
    reminders_sent: int = 0
    reminders_failed: int = 0

    @property
    def next_deadline_kind_label(self) -> str:
        return Deadline.Kind(self.next_deadline_kind).label if self.next_deadline_kind else ""


def _count(queryset: QuerySet[Any]) -> Subquery:
    """COUNT(*) of ``queryset`` as a scalar subquery."""
    return Subquery(
        queryset.order_by().values(n=Func(F("pk"), function="COUNT")),
        output_field=IntegerField(),
    )


def dashboard_figures(*, now: dt.datetime | None = None) -> Figures:
    """The staff dashboard's headline figures, for the whole portfolio as it stands now,
    in one query of independent scalar subqueries."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    week_ago = now - dt.timedelta(days=7)
    next_deadline = Deadline.objects.filter(
        cycle__status=Cycle.Status.OPEN, due_at__gte=now
    ).order_by("due_at", "pk")
    reminders = ReminderDelivery.objects.all()
    figures = {
        "open_cycles": _count(Cycle.objects.filter(status=Cycle.Status.OPEN)),
        "next_deadline_at": Subquery(
            next_deadline.values("due_at")[:1], output_field=DateTimeField()
        ),
        "next_deadline_kind": Subquery(next_deadline.values("kind")[:1]),
        "next_deadline_cycle": Subquery(next_deadline.values("cycle__solicitation_number")[:1]),
        "proposals_in_review": _count(Proposal.objects.filter(status=Status.UNDER_REVIEW)),
        "awards_active": _count(Award.objects.filter(start_date__lte=today, end_date__gte=today)),
        "artifacts_published": _count(Artifact.objects.filter(status=Artifact.Status.PUBLISHED)),
        "links_broken": _count(ArtifactLink.objects.filter(state=LinkState.BROKEN)),
        "reminders_sent": _count(
            reminders.filter(state=ReminderDelivery.State.SENT, sent_at__gte=week_ago)
        ),
        "reminders_failed": _count(
            reminders.filter(state=ReminderDelivery.State.FAILED, updated_at__gte=week_ago)
        ),
    }
    # The subqueries need a FROM to hang on: the program table. Every record belongs to a
    # program (cycles and awards directly, everything else through them), so without one
    # there is nothing to count.
    row = Program.objects.order_by().values(**figures).first()
    return Figures(**row) if row else Figures()


def figure_links(*, now: dt.datetime | None = None) -> dict[str, dict[str, str]]:
    """The changelist filters behind each figure (query parameters of the admin's lists),
    counting exactly what the figure counts."""
    now = (now or timezone.now()).replace(microsecond=0)
    today = timezone.localdate(now).isoformat()
    week_ago = (now - dt.timedelta(days=7)).isoformat()
    return {
        "open_cycles": {"status__exact": Cycle.Status.OPEN},
        "proposals_in_review": {"status__exact": Status.UNDER_REVIEW},
        "awards_active": {"start_date__lte": today, "end_date__gte": today},
        "artifacts_published": {"status__exact": Artifact.Status.PUBLISHED},
        "links_broken": {"state__exact": LinkState.BROKEN},
        "reminders_sent": {"state__exact": ReminderDelivery.State.SENT, "sent_at__gte": week_ago},
        "reminders_failed": {
            "state__exact": ReminderDelivery.State.FAILED,
            "updated_at__gte": week_ago,
        },
    }


# --- Staff charts --------------------------------------------------------------------


def _award_year_rows(scope: Scope) -> list[Any]:
    """Awards and their amounts by their cycle's year (awards without a cycle last)."""
    return list(
        Award.objects.filter(scope.q(program="program", year="cycle__year"))
        .values(year=F("cycle__year"))
        .annotate(
            awards=Count("pk"),
            intended=Sum("intended_amount"),
            awarded=Sum("awarded_amount"),
            obligated=Sum("obligated_amount"),
        )
        .order_by(F("year").asc(nulls_last=True))
    )


def _year_label(year: int | None) -> str:
    return str(year) if year is not None else "No cycle"


def chart_funding(scope: Scope) -> Chart:
    rows = _award_year_rows(scope)
    return Chart(
        key="funding",
        title="Funding by cycle year",
        description="Intended, awarded and obligated amounts of the awards of each cycle year.",
        category="Cycle year",
        axis="US dollars",
        labels=[_year_label(r["year"]) for r in rows],
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


def chart_institutions(scope: Scope) -> Chart:
    rows = list(
        Award.objects.filter(scope.q(program="program", year="cycle__year"))
        .values("institution", name=F("institution__name"))
        .annotate(awards=Count("pk"), awarded=Sum("awarded_amount"))
        .order_by("-awards", F("awarded").desc(nulls_last=True), "name")[:TOP_INSTITUTIONS]
    )
    return Chart(
        key="institutions",
        title=f"Awards by institution (top {TOP_INSTITUTIONS})",
        description="The institutions with the most awards, with their awarded amounts.",
        category="Institution",
        axis="Awards",
        labels=[r["name"] or NOT_RECORDED for r in rows],
        series=[
            Series("awards", "Awards", [r["awards"] for r in rows]),
            Series(
                "awarded", "Awarded", [r["awarded"] for r in rows], kind="money", table_only=True
            ),
        ],
        horizontal=True,
    )


def chart_states(scope: Scope) -> Chart:
    rows = list(
        Award.objects.filter(scope.q(program="program", year="cycle__year"))
        .values(state=Coalesce("institution__state", Value("")))
        .annotate(awards=Count("pk"), awarded=Sum("awarded_amount"))
        .order_by("-awards", "state")
    )
    return Chart(
        key="states",
        title="Awards by state",
        description="Awards by the state or region of their institution.",
        category="State or region",
        axis="Awards",
        labels=[r["state"] or NOT_RECORDED for r in rows],
        series=[
            Series("awards", "Awards", [r["awards"] for r in rows]),
            Series(
                "awarded", "Awarded", [r["awarded"] for r in rows], kind="money", table_only=True
            ),
        ],
        horizontal=True,
    )


def _weeks_between(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(weeks=n) for n in range((last - first).days // 7 + 1)]


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


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


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


# --- Public charts ---------------------------------------------------------------------


def public_chart_funding() -> Chart:
    rows = _award_year_rows(Scope())
    labels = [_year_label(r["year"]) for r in rows]
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


def public_chart_kinds() -> Chart:
    counts = _published_counts("kind", FacetCount.Facet.KIND)
    kinds = list(Artifact.Kind)
    return Chart(
        key="kinds",
        title="Artifacts by kind",
        description="Published artifacts of each kind.",
        category="Kind",
        axis="Artifacts",
        labels=[kind.label for kind in kinds],
        keys=[kind.value for kind in kinds],
        series=[
            Series(
                "artifacts",
                "Published artifacts",
                [counts.get(k, 0) for k in kinds],
                colours=[KIND_COLOURS[k] for k in kinds],
            )
        ],
        horizontal=True,
    )


def public_chart_dimensions() -> Chart:
    return chart_dimensions(Scope())


def public_chart_link_health() -> Chart:
    counts = _published_counts("link_health", FacetCount.Facet.LINK)
    states = [state for state in HEALTH_ORDER if state != LinkState.NONE or counts.get(state)]
    return Chart(
        key="links",
        title="Link health of the catalogue",
        description="Published artifacts by the state of their links (the worst of an "
        "artifact's links), as the catalogue shows it.",
        category="Link health",
        axis="Artifacts",
        labels=[state.label for state in states],
        keys=[state.value for state in states],
        series=[
            Series(
                "artifacts",
                "Published artifacts",
                [counts.get(s, 0) for s in states],
                colours=[HEALTH_COLOURS[s] for s in states],
            )
        ],
        horizontal=True,
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
