"""FairProg's admin site: its index is the program staff's portfolio dashboard.

Headline figures link to the admin list behind each; charts follow the program and cycle
year filters and each has its data as a table and a CSV download (``?chart=…&format=csv``).
A staff user sees only the figures and charts of records they may view, and "View on site"
redirects only for records they may view.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth import get_permission_codename
from django.contrib.contenttypes import views as contenttype_views
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, URLResolver, path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode

from fairprog import dashboard
from fairprog.admin_mixins import DeclaredActionPermissionsMixin
from fairprog.dashboard import STAFF_CHARTS, Scope
from fairprog.numbers import chart_csv_response


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


# Figure key -> (label, the admin list it links to, the permission needed to see it).
FIGURES = {
    "open_cycles": ("Open cycles", "proposals_cycle", "proposals.view_cycle"),
    "proposals_in_review": ("Proposals under review", "proposals_proposal",
                            "proposals.view_proposal"),
    "awards_active": ("Active awards", "proposals_award", "proposals.view_award"),
    "artifacts_published": ("Published artifacts", "artifacts_artifact",
                            "artifacts.view_artifact"),
    "links_broken": ("Broken links", "artifacts_artifactlink", "artifacts.view_artifactlink"),
    "reminders_sent": ("Reminders sent, last 7 days", "proposals_reminderdelivery",
                       "proposals.view_reminderdelivery"),
    "reminders_failed": ("Reminders failed, last 7 days", "proposals_reminderdelivery",
                         "proposals.view_reminderdelivery"),
}  # fmt: skip


def _countdown(when: dt.datetime, now: dt.datetime) -> str:
    left = when - now
    if left < dt.timedelta(hours=1):
        return "in less than an hour"
    if left < dt.timedelta(days=2):
        hours = round(left.total_seconds() / 3600)
        return f"in {hours} hours"
    return f"in {left.days} days"


def _figures(request: HttpRequest, now: dt.datetime) -> list[Figure]:
    shown = {key for key, (_, _, perm) in FIGURES.items() if request.user.has_perm(perm)}
    if not shown:
        return []
    numbers = dashboard.dashboard_figures(now=now)
    filters = dashboard.figure_links(now=now)
    figures = []
    for key, (label, changelist, _) in FIGURES.items():
        if key not in shown:
            continue
        detail = ""
        # The next deadline may be a staff-only one: named only to those who may view it.
        if key == "open_cycles" and request.user.has_perm("proposals.view_deadline"):
            if numbers.next_deadline_at:
                due = timezone.localtime(numbers.next_deadline_at)
                detail = (
                    f"Next deadline {_countdown(due, now)}: {numbers.next_deadline_kind_label}, "
                    f"{numbers.next_deadline_cycle}, {date_format(due, 'F j, Y')}"
                )
            else:
                detail = "No upcoming deadline"
        url = reverse(f"admin:{changelist}_changelist") + "?" + urlencode(filters[key])
        value = getattr(numbers, key)
        alert = key in ("links_broken", "reminders_failed") and value > 0
        figures.append(Figure(key, value, label, url, detail, alert))
    return figures


class FairProgAdminSite(admin.AdminSite):
    site_header = "FairProg administration"
    site_title = "FairProg"
    index_title = "Portfolio dashboard"
    index_template = "admin/dashboard.html"

    def register(
        self,
        model_or_iterable: Any,
        admin_class: type[admin.ModelAdmin[Any]] | None = None,
        **options: Any,
    ) -> None:
        # Every model admin, the apps' own and third-party ones alike, offers actions that
        # declare no permission only to users who may change the records.
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, DeclaredActionPermissionsMixin):
            admin_class = type(
                admin_class.__name__,
                (DeclaredActionPermissionsMixin, admin_class),
                {"__module__": admin_class.__module__, "__qualname__": admin_class.__qualname__},
            )
        super().register(model_or_iterable, admin_class, **options)

    def index(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        form = DashboardFilterForm(
            request.GET or None,
            programs=dashboard.filter_programs(),
            years=dashboard.filter_years(),
        )
        scope = form.scope()
        if request.GET.get("format") == "csv":
            return self._chart_csv(request, scope)
        now = timezone.now()
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
        context = {
            "figures": _figures(request, now),
            "filter_form": form,
            "filtered": bool(filters),
            "charts": charts,
            **(extra_context or {}),
        }
        response: TemplateResponse = super().index(request, context)
        return response

    def get_urls(self) -> list[URLPattern | URLResolver]:
        return [
            path(
                "r/<int:content_type_id>/<path:object_id>/",
                self.admin_view(self.view_on_site),
                name="view_on_site",
            )
            if getattr(url, "name", None) == "view_on_site"
            else url
            for url in super().get_urls()
        ]

    def view_on_site(
        self, request: HttpRequest, content_type_id: int, object_id: str
    ) -> HttpResponse:
        """Django's "View on site" redirect, for users who may view the record: Django's own
        answers any staff user, telling apart records that exist from those that do not."""
        content_type = ContentType.objects.filter(pk=content_type_id).first()
        model = content_type.model_class() if content_type else None
        if model is None:
            raise PermissionDenied
        opts = model._meta
        if not any(
            request.user.has_perm(f"{opts.app_label}.{get_permission_codename(action, opts)}")
            for action in ("view", "change")
        ):
            raise PermissionDenied
        response: HttpResponse = contenttype_views.shortcut(request, content_type_id, object_id)
        return response

    def _chart_csv(self, request: HttpRequest, scope: Scope) -> HttpResponse:
        key = request.GET.get("chart", "")
        if key not in STAFF_CHARTS:
            raise Http404("No such chart.")
        build, perm = STAFF_CHARTS[key]
        if not request.user.has_perm(perm):
            raise PermissionDenied
        filename = f"fairprog-{key}-{scope.slug}-{timezone.localdate():%Y-%m-%d}.csv"
        return chart_csv_response(build(scope), filename=filename)
