"""The reviewers' pages at /my/reviews/: their assignments with their states; one assignment
showing first only the proposal's title and investigators, with the choice to declare a
conflict (with a reason) or none; then the abstract and the review form (drafts saved,
submission locks it). Another reviewer's assignment, or any for someone who is not a
reviewer, answers 404, as if it did not exist."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from fairprog.errors import DomainError
from proposals.models import Person, ReviewerProfile
from proposals.reviewer_forms import ConflictForm, ReviewForm, errors_onto
from proposals.selectors.reviewing import (
    AssignmentRow,
    State,
    declaration_of,
    reviewer_assignment,
    reviewer_assignment_list,
    reviewer_of,
)
from proposals.services.reviewing import (
    conflict_declare,
    conflict_none,
    review_save,
    review_submit,
)

View = Callable[..., HttpResponse]
NOT_YOURS = "No such assignment of yours."


def reviewer_required(view: View) -> View:
    """Signed-in reviewers only: others who are not signed in (or are staff) go to the sign-in
    page, as on every /my/ page; a signed-in person with no reviewer profile gets 404. Every
    request restarts the idle clock; nothing is cached anywhere."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        person = getattr(user, "person", None) if user.is_authenticated else None
        if not isinstance(person, Person) or user.is_staff:
            signin = reverse("account:signin-request")
            return HttpResponseRedirect(f"{signin}?next={request.path}")
        request.session.set_expiry(settings.RESEARCHER_IDLE_MINUTES * 60)
        reviewer = reviewer_of(person)
        if reviewer is None:
            raise Http404("You have no reviews.")
        response = view(request, person, reviewer, *args, **kwargs)
        response["Referrer-Policy"] = "same-origin"
        return response

    return never_cache(wrapped)


def _zone(person: Person) -> dt.tzinfo:
    try:
        return zoneinfo.ZoneInfo(person.time_zone or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def _due_here(row: AssignmentRow, zone: dt.tzinfo) -> dt.datetime | None:
    due = row.assignment.due
    return due.due_at_in(zone).astimezone(zone) if due is not None else None


def _row(reviewer: ReviewerProfile, assignment_id: int) -> AssignmentRow:
    row = reviewer_assignment(reviewer, assignment_id)
    if row is None:
        raise Http404(NOT_YOURS)
    return row


def _see_other(url: str) -> HttpResponse:
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def _form_of(row: AssignmentRow) -> ReviewForm:
    review = row.review
    fields = ReviewForm.base_fields
    return ReviewForm(initial={name: getattr(review, name) for name in fields} if review else {})


def _page(
    request: HttpRequest,
    person: Person,
    row: AssignmentRow,
    *,
    conflict_form: ConflictForm | None = None,
    form: ReviewForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The assignment as its state shows it: the choice (title and investigators only), the
    declared conflict, the form with the abstract, or the submitted review read-only."""
    proposal = row.assignment.proposal
    context: dict[str, Any] = {
        "person": person,
        "row": row,
        "assignment": row.assignment,
        "proposal": proposal,
        "team": proposal.team,  # type: ignore[attr-defined]
        "due": _due_here(row, _zone(person)),
        "zone": _zone(person),
        "State": State,
    }
    if row.state == State.CONFLICT:
        context["declaration"] = declaration_of(row.assignment)
    elif row.state == State.TO_DECLARE:
        context["conflict_form"] = conflict_form or ConflictForm()
    elif row.state == State.DRAFTING:
        context["form"] = form or _form_of(row)
        context["conflict_form"] = conflict_form or ConflictForm()
    return render(request, "my/review_page.html", context, status=status)


@require_safe
@reviewer_required
def reviews(request: HttpRequest, person: Person, reviewer: ReviewerProfile) -> HttpResponse:
    zone = _zone(person)
    rows = [(row, _due_here(row, zone)) for row in reviewer_assignment_list(reviewer)]
    context = {"person": person, "rows": rows, "zone": zone}
    return render(request, "my/reviews.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@reviewer_required
def review(
    request: HttpRequest, person: Person, reviewer: ReviewerProfile, assignment_id: int
) -> HttpResponse:
    row = _row(reviewer, assignment_id)
    if request.method != "POST":
        return _page(request, person, row)
    if row.state != State.DRAFTING:
        # Submitted (locked), a declared conflict, or no word on conflicts yet.
        return _page(request, person, row, status=409)
    form = ReviewForm(request.POST)
    if form.is_valid():
        submit = "submit" in request.POST
        act = review_submit if submit else review_save
        try:
            act(assignment=row.assignment, reviewer=reviewer, **form.values())
        except DomainError as exc:
            errors_onto(exc, form)
        else:
            done = "Review submitted. Thank you." if submit else "Draft saved."
            messages.success(request, done)
            return _see_other(reverse("my:review", args=[row.assignment.pk]))
    return _page(request, person, row, form=form, status=400)


@require_POST
@reviewer_required
def review_conflict(
    request: HttpRequest, person: Person, reviewer: ReviewerProfile, assignment_id: int
) -> HttpResponse:
    row = _row(reviewer, assignment_id)
    if row.state not in (State.TO_DECLARE, State.DRAFTING):
        return _page(request, person, row, status=409)
    form = ConflictForm(request.POST)
    if form.is_valid():
        try:
            conflict_declare(
                assignment=row.assignment, reviewer=reviewer, reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            errors_onto(exc, form)
        else:
            messages.success(request, "Conflict declared. The program staff will see it.")
            return _see_other(reverse("my:review", args=[row.assignment.pk]))
    return _page(request, person, row, conflict_form=form, status=400)


@require_POST
@reviewer_required
def review_clear(
    request: HttpRequest, person: Person, reviewer: ReviewerProfile, assignment_id: int
) -> HttpResponse:
    row = _row(reviewer, assignment_id)
    if row.state != State.TO_DECLARE:
        return _page(request, person, row, status=409)
    try:
        conflict_none(assignment=row.assignment, reviewer=reviewer)
    except DomainError as exc:  # a conflict declared meanwhile
        messages.error(request, exc.message)
    return _see_other(reverse("my:review", args=[row.assignment.pk]))
