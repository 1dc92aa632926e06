"""The program staff's portfolio dashboard, the admin site's index: headline figures that
link to the admin list behind each, and charts that follow the program and cycle year
filters, each with its data as a table and a CSV download (``?chart=…&format=csv``).
A staff user sees only the figures and charts of records they may view.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode

from fairprog.portfolio import queries
from fairprog.portfolio.charts import chart_csv_response
from fairprog.portfolio.queries import Scope
from fairprog.portfolio.staff_charts import STAFF_CHARTS


class DashboardFilterForm(forms.Form):
    """The charts' filters, read from the query string (a plain GET form)."""

    program = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    year = forms.TypedChoiceField(label="Cycle year", coerce=int, required=False, empty_value=None)

    def __init__(self, data: Any, *, programs: list[tuple[int, str]], years: list[int]) -> None:
        super().__init__(data)
        self.fields["program"].choices = [("", "All programs"), *programs]  # type: ignore[attr-defined]
        self.fields["year"].choices = [("", "All years"), *((y, str(y)) for y in years)]  # type: ignore[attr-defined]

    def scope(self) -> Scope:
        if not self.is_bound or not self.is_valid():
            return Scope()
        return Scope(program_id=self.cleaned_data["program"], year=self.cleaned_data["year"])


@dataclass(frozen=True)
class Figure:
    key: str
    value: int
    label: str
    url: str
    detail: str = ""
    alert: bool = False


def _countdown(when: dt.datetime, now: dt.datetime) -> str:
    left = when - now
    if left < dt.timedelta(hours=1):
        return "in less than an hour"
    if left < dt.timedelta(days=2):
        hours = round(left.total_seconds() / 3600)
        return f"in {hours} hours"
    return f"in {left.days} days"


def _figures(request: HttpRequest, now: dt.datetime) -> list[Figure]:
    shown = [h for h in queries.headlines(now=now) if request.user.has_perm(h.permission)]
    if not shown:
        return []
    numbers = queries.dashboard_figures(now=now)
    figures = []
    for headline in shown:
        detail = ""
        # The next deadline may be a staff-only one: named only to those who may view it.
        if headline.key == "open_cycles" and request.user.has_perm("proposals.view_deadline"):
            if numbers.next_deadline_at:
                due = timezone.localtime(numbers.next_deadline_at)
                detail = (
                    f"Next deadline {_countdown(due, now)}: {numbers.next_deadline_kind_label}, "
                    f"{numbers.next_deadline_cycle}, {date_format(due, 'F j, Y')}"
                )
            else:
                detail = "No upcoming deadline"
        url = reverse(headline.changelist) + "?" + urlencode(headline.params())
        value = numbers.count(headline.key)
        alert = headline.alarming and value > 0
        figures.append(Figure(headline.key, value, headline.label, url, detail, alert))
    return figures


def filter_form(request: HttpRequest) -> DashboardFilterForm:
    return DashboardFilterForm(
        request.GET or None,
        programs=queries.filter_programs(),
        years=queries.filter_years(),
    )


def dashboard_context(request: HttpRequest, form: DashboardFilterForm) -> dict[str, Any]:
    """What the dashboard template shows this user, for the filters in ``form``."""
    scope = form.scope()
    filters = {
        name: str(value)
        for name, value in (("program", scope.program_id), ("year", scope.year))
        if value is not None
    }
    charts = [
        (chart, "?" + urlencode({**filters, "chart": chart.key, "format": "csv"}))
        for chart in (
            build(scope) for build, perm in STAFF_CHARTS.values() if request.user.has_perm(perm)
        )
    ]
    return {
        "figures": _figures(request, timezone.now()),
        "filter_form": form,
        "filtered": bool(filters),
        "charts": charts,
    }


def chart_csv(request: HttpRequest, scope: Scope) -> HttpResponse:
    """One staff chart as CSV (``?chart=<key>``), for users who may see it."""
    key = request.GET.get("chart", "")
    if key not in STAFF_CHARTS:
        raise Http404("No such chart.")
    build, perm = STAFF_CHARTS[key]
    if not request.user.has_perm(perm):
        raise PermissionDenied
    filename = f"fairprog-{key}-{scope.slug}-{timezone.localdate():%Y-%m-%d}.csv"
    return chart_csv_response(build(scope), filename=filename)
