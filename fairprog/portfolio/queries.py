"""The staff dashboard's reads besides its charts: the filters (their choices, and the
scope they select), the headline figures with the admin lists behind them, and the awards
by cycle year that the staff and public funding charts both show.

The headline figures come from one query of independent scalar subqueries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Count,
    DateTimeField,
    F,
    Func,
    IntegerField,
    Model,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.utils import timezone

from artifacts.models import Artifact, ArtifactLink, LinkState
from proposals.models import Award, Cycle, Deadline, Program, Proposal, ReminderDelivery

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


# --- Awards by cycle year (staff and public funding charts) ---------------------------


def award_year_rows(scope: Scope) -> list[Any]:
    """The program's awards and their amounts by their cycle's year (awards without a
    cycle last); an award imported from outside the program is not one of them."""
    return list(
        Award.objects.filter(scope.q(program="program", year="cycle__year"), outside_program=False)
        .values(year=F("cycle__year"))
        .annotate(
            awards=Count("pk"),
            intended=Sum("intended_amount"),
            awarded=Sum("awarded_amount"),
            obligated=Sum("obligated_amount"),
        )
        .order_by(F("year").asc(nulls_last=True))
    )


def year_label(year: int | None) -> str:
    return str(year) if year is not None else "No cycle"


# --- Headline figures (staff) ---------------------------------------------------------


@dataclass(frozen=True)
class Headline:
    """One headline figure. It counts the records its admin list shows with ``lookups`` as
    query parameters, so the number and the list it links to cannot disagree."""

    key: str
    label: str
    model: type[Model]
    lookups: dict[str, Any]
    # Whether any record counted is a problem for staff to look into.
    alarming: bool = False

    @property
    def permission(self) -> str:
        """The permission a staff user needs to see the figure: viewing what it counts."""
        return f"{self.model._meta.app_label}.view_{self.model._meta.model_name}"

    @property
    def changelist(self) -> str:
        """The URL name of the admin list behind the figure."""
        return f"admin:{self.model._meta.app_label}_{self.model._meta.model_name}_changelist"

    def params(self) -> dict[str, str]:
        """The lookups as the admin list's query parameters (instants to the second)."""
        return {lookup: _param(value) for lookup, value in self.lookups.items()}

    def counted(self) -> QuerySet[Any]:
        return self.model._default_manager.filter(**self.lookups)


def _param(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def headlines(*, now: dt.datetime) -> list[Headline]:
    """The staff dashboard's headline figures, in the order shown, for the portfolio as it
    stands at ``now``."""
    today = timezone.localdate(now)
    week_ago = now - dt.timedelta(days=7)
    sent, failed = ReminderDelivery.State.SENT, ReminderDelivery.State.FAILED
    return [
        Headline("open_cycles", "Open cycles", Cycle, {"status__exact": Cycle.Status.OPEN}),
        Headline("proposals_in_review", "Proposals under review", Proposal,
                 {"status__exact": Proposal.Status.UNDER_REVIEW}),
        Headline("awards_active", "Active awards", Award,
                 {"start_date__lte": today, "end_date__gte": today,
                  "outside_program__exact": False}),
        Headline("artifacts_published", "Published artifacts", Artifact,
                 {"status__exact": Artifact.Status.PUBLISHED}),
        Headline("links_broken", "Broken links", ArtifactLink,
                 {"state__exact": LinkState.BROKEN}, alarming=True),
        Headline("reminders_sent", "Reminders sent, last 7 days", ReminderDelivery,
                 {"state__exact": sent, "sent_at__gte": week_ago}),
        Headline("reminders_failed", "Reminders failed, last 7 days", ReminderDelivery,
                 {"state__exact": failed, "updated_at__gte": week_ago}, alarming=True),
    ]  # fmt: skip


@dataclass(frozen=True)
class Figures:
    """The headline counts by figure key (none without any program: nothing to count),
    and the next deadline of an open cycle."""

    counts: dict[str, int] = field(default_factory=dict)
    next_deadline_at: dt.datetime | None = None
    next_deadline_kind: str | None = None
    next_deadline_cycle: str | None = None

    def count(self, key: str) -> int:
        return self.counts.get(key, 0)

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
    counts = {headline.key: _count(headline.counted()) for headline in headlines(now=now)}
    next_deadline = Deadline.objects.filter(
        cycle__status=Cycle.Status.OPEN, due_at__gte=now
    ).order_by("due_at", "pk")
    # The subqueries need a FROM to hang on: the program table. Every record belongs to a
    # program (cycles and awards directly, everything else through them), so without one
    # there is nothing to count.
    row = (
        Program.objects.order_by()
        .values(
            **counts,
            next_deadline_at=Subquery(
                next_deadline.values("due_at")[:1], output_field=DateTimeField()
            ),
            next_deadline_kind=Subquery(next_deadline.values("kind")[:1]),
            next_deadline_cycle=Subquery(next_deadline.values("cycle__solicitation_number")[:1]),
        )
        .first()
    )
    if row is None:
        return Figures()
    found: dict[str, Any] = {**row}
    return Figures(
        counts={key: found[key] for key in counts},
        next_deadline_at=found["next_deadline_at"],
        next_deadline_kind=found["next_deadline_kind"],
        next_deadline_cycle=found["next_deadline_cycle"],
    )
