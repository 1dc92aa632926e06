"""The researchers' pages at /my/: the awards a signed-in PI or co-PI works on, with their
report deadlines (time left in the researcher's zone), artifacts (state and link health) and
publications. Another award's address answers 404, as if it did not exist."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from artifacts.models import Artifact, Publication
from proposals.models import Award, AwardInvestigator, Deadline, Person

View = Callable[..., HttpResponse]
REPORTS = [Deadline.Kind.ANNUAL_REPORT, Deadline.Kind.FINAL_REPORT]


def researcher_required(view: View) -> View:
    """Signed-in researchers only (others go to the sign-in page); every request restarts the
    session's idle clock; nothing is cached anywhere."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        # With the reviewer profile in the same query: the page bar links to their reviews.
        person = (
            Person.objects.select_related("reviewer_profile").filter(user_id=user.pk).first()
            if user.is_authenticated
            else None
        )
        if not isinstance(person, Person) or user.is_staff:
            signin = reverse("account:signin-request")
            return HttpResponseRedirect(f"{signin}?next={request.path}")
        request.session.set_expiry(settings.RESEARCHER_IDLE_MINUTES * 60)
        response = view(request, person, *args, **kwargs)
        response["Referrer-Policy"] = "same-origin"
        return response

    return never_cache(wrapped)


def _awards(person: Person) -> QuerySet[Award]:
    now = timezone.now()
    return (
        Award.objects.filter(investigators__person=person)
        .distinct()
        .select_related("institution", "cycle")
        .prefetch_related(
            Prefetch(
                "deadlines",
                queryset=Deadline.objects.filter(kind__in=REPORTS, due_at__gte=now),
                to_attr="reports_due",
            ),
            Prefetch(
                "artifacts",
                queryset=Artifact.objects.order_by("title").prefetch_related("links"),
                to_attr="artifact_list",
            ),
            Prefetch(
                "publications",
                queryset=Publication.objects.order_by("-year", "title"),
                to_attr="publication_list",
            ),
            Prefetch(
                "investigators",
                queryset=AwardInvestigator.objects.select_related("person").order_by("role"),
                to_attr="team",
            ),
        )
        .order_by("-start_date", "award_number")
    )


def _zone(person: Person) -> dt.tzinfo:
    try:
        return zoneinfo.ZoneInfo(person.time_zone or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def _annotated(awards: list[Award], person: Person) -> list[Award]:
    """Each report deadline with its instant in the researcher's zone and the time left."""
    zone, now = _zone(person), timezone.now()
    for award in awards:
        for deadline in award.reports_due:  # type: ignore[attr-defined]
            due = deadline.due_at_in(zone).astimezone(zone)
            deadline.due_here = due
            deadline.left = due - now
        award.role = next(  # type: ignore[attr-defined]
            (i.get_role_display() for i in award.team if i.person_id == person.pk),  # type: ignore[attr-defined]
            "",
        )
    return awards


@require_safe
@researcher_required
def projects(request: HttpRequest, person: Person) -> HttpResponse:
    awards = _annotated(list(_awards(person)), person)
    context = {"person": person, "awards": awards, "zone": _zone(person)}
    return render(request, "my/projects.html", context)


@require_safe
@researcher_required
def project(request: HttpRequest, person: Person, award_number: str) -> HttpResponse:
    if not (award_number.isascii() and award_number.isdigit() and len(award_number) <= 20):
        raise Http404("No such project of yours.")
    found = list(_awards(person).filter(award_number=award_number))
    if not found:
        raise Http404("No such project of yours.")
    (award,) = _annotated(found, person)
    context = {"person": person, "award": award, "zone": _zone(person)}
    return render(request, "my/project.html", context)
