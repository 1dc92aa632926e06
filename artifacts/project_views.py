"""Public pages of the funded projects, their institutions and their people. Parse, call,
render."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from artifacts.selectors.artifacts import artifact_listed_queryset
from artifacts.selectors.discovery import award_publications
from artifacts.selectors.projects import (
    ProjectQuery,
    award_search,
    institution_artifacts,
    institution_awards,
    institution_get_public,
    person_artifacts,
    person_award_roles,
    person_get_public,
)
from proposals.models import Award, Organization, Person
from proposals.selectors import public as program_selectors

# No id reaches 2**31; a larger one would be refused by the database, not matched.
_MAX_ID = 2**31 - 1


@require_safe
def project_list(request: HttpRequest) -> HttpResponse:
    query = ProjectQuery.from_querydict(request.GET)
    result = award_search(query)
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "artifacts/project_list.html",
        {
            "result": result,
            "page": result.page,
            "query": query,
            "facets": {facet.name: facet for facet in result.facets},
            "page_query": params.urlencode(),
        },
    )


@require_safe
def project_detail(request: HttpRequest, award_number: str) -> HttpResponse:
    try:
        award = program_selectors.award_get_public(award_number=award_number)
    except Award.DoesNotExist:
        raise Http404("No such funded project.") from None
    artifacts = artifact_listed_queryset().filter(award=award).order_by("-published_at")
    publications = award_publications(award)
    return render(
        request,
        "artifacts/project_detail.html",
        {
            "award": award,
            "team": list(award.investigators.all()),
            "artifacts": artifacts,
            "publications": list(publications),
            "collaborators": program_selectors.award_collaborators(award),
        },
    )


@require_safe
def institution_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if pk > _MAX_ID:
        raise Http404("No such institution.")
    try:
        institution = institution_get_public(pk=pk)
    except Organization.DoesNotExist:
        raise Http404("No such institution.") from None
    return render(
        request,
        "artifacts/institution_detail.html",
        {
            "institution": institution,
            "awards": list(institution_awards(institution)),
            "artifacts": list(institution_artifacts(institution)),
        },
    )


@require_safe
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if pk > _MAX_ID:
        raise Http404("No such person.")
    try:
        person = person_get_public(pk=pk)
    except Person.DoesNotExist:
        # The same answer for a person who exists with no public role as for no one.
        raise Http404("No such person.") from None
    artifacts = list(person_artifacts(person))
    return render(
        request,
        "artifacts/person_detail.html",
        {
            "person": person,
            "roles": list(person_award_roles(person)),
            "artifacts": [a for a in artifacts if a.status == a.Status.PUBLISHED],
            "retired": [a for a in artifacts if a.status != a.Status.PUBLISHED],
        },
    )
