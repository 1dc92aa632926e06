"""Public catalogue pages: home, artifacts, cycles, open data (funded projects are in
project_views). Parse, call, render."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from pathlib import Path

from django.db.models import Count, Prefetch, prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_safe

from artifacts import signposting
from artifacts.metadata import citation, jsonld
from artifacts.metadata.common import spdx_url
from artifacts.metadata.fairness import artifact_fairness
from artifacts.models import Artifact, ArtifactLink, LinkState
from artifacts.selectors.artifacts import (
    artifact_get_public,
    artifact_listed_queryset,
    artifact_public_queryset,
    artifact_recent,
    artifact_slug_for_former,
)
from artifacts.selectors.catalogue import artifact_search
from artifacts.selectors.links import artifact_links_public
from artifacts.selectors.search import SORTS, CatalogueQuery
from artifacts.templatetags.catalogue import highlight
from proposals.forms import SubscribeForm
from proposals.models import Award, Cycle, Program
from proposals.selectors import public as program_selectors

_FAVICON = Path(__file__).resolve().parent / "static" / "fairprog" / "favicon.ico"


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico: where browsers look before (or without) reading a page's icon links."""
    response = HttpResponse(_FAVICON.read_bytes(), content_type="image/x-icon")
    response["Cache-Control"] = "public, max-age=86400"
    return response


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    listed = artifact_listed_queryset()
    counts = {
        "artifacts": listed.count(),
        "projects": Award.objects.count(),
        "institutions": Award.objects.exclude(institution=None)
        .values("institution")
        .distinct()
        .count(),
        "kinds": dict(listed.order_by().values_list("kind").annotate(n=Count("id"))),
    }
    upcoming: list[Cycle] = list(program_selectors.cycle_list_upcoming())
    return render(
        request,
        "artifacts/home.html",
        {
            "upcoming_cycles": upcoming,
            "subscribe_form": _subscribe_form(upcoming, offer_cycles=False),
            "recent_artifacts": artifact_recent(),
            "counts": counts,
            "kind_labels": dict(Artifact.Kind.choices),
        },
    )


@require_safe
def artifact_list(request: HttpRequest) -> HttpResponse:
    query = CatalogueQuery.from_querydict(request.GET)
    result = artifact_search(query)
    rows = [
        (
            artifact,
            highlight(artifact.title, query.terms),
            highlight(artifact.summary, query.terms),
        )
        for artifact in result.page.object_list
    ]
    params = request.GET.copy()
    params.pop("page", None)
    # The feeds list the same search newest first, so the sort is not theirs to carry.
    feed_params = params.copy()
    feed_params.pop("sort", None)
    suggestion_params = params.copy()
    suggestion_params["q"] = result.suggestion
    return render(
        request,
        "artifacts/artifact_list.html",
        {
            "result": result,
            "rows": rows,
            "query": query,
            "sorts": SORTS,
            "page_query": params.urlencode(),
            "feed_query": feed_params.urlencode(),
            "suggestion_query": suggestion_params.urlencode(),
            "kind_labels": dict(Artifact.Kind.choices),
        },
    )


def _urls(request: HttpRequest, artifact: Artifact) -> tuple[str, str]:
    page = request.build_absolute_uri(reverse("artifacts:detail", args=[artifact.slug]))
    project = request.build_absolute_uri(
        reverse("artifacts:project-detail", args=[artifact.award.award_number])
    )
    return page, project


class _NoSuchArtifact(Http404):
    """No public artifact has this slug (it may be one a public artifact had before)."""


def _public_artifact(slug: str) -> Artifact:
    try:
        return artifact_get_public(slug=slug)
    except Artifact.DoesNotExist:
        raise _NoSuchArtifact("No such artifact in the catalogue.") from None


def _follows_former_slugs(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """An artifact page (or cite file) under a slug its artifact had before: a 301 to the
    same page under the current one, because citations and feeds carry the old address.
    A live artifact's slug is never a former one (the services refuse it), so a page that
    exists is always served as it is."""

    @wraps(view)
    def wrapped(request: HttpRequest, slug: str, **kwargs: str) -> HttpResponse:
        try:
            return view(request, slug, **kwargs)
        except _NoSuchArtifact:
            current = artifact_slug_for_former(slug)
            if current is None:
                raise
        match = request.resolver_match
        route = match.view_name if match is not None else "artifacts:detail"
        location = reverse(route, kwargs={"slug": current})
        query = request.GET.urlencode()
        return HttpResponsePermanentRedirect(f"{location}?{query}" if query else location)

    return wrapped


@dataclass(frozen=True)
class LinkStatus:
    """One link of an artifact as its page states it."""

    role: str
    label: str  # "Landing page", "Repository", "DOI"
    href: str
    text: str
    state: str
    badge: str  # the state in a word or two
    qualifier: str  # what the badge alone does not say (since when, why unknown)
    checked_at: dt.datetime | None
    checked: str  # "today", "3 days ago", "on 2026-01-05"
    resolves_to: str | None


_BADGES: dict[str, str] = {
    LinkState.OK: "Working",
    LinkState.REDIRECTED: "Redirected",
    LinkState.BLOCKED: "Unknown",
    LinkState.FAILING: "Failing",
    LinkState.BROKEN: "Broken",
    LinkState.UNCHECKED: "Not checked yet",
}


def _day(instant: dt.datetime) -> str:
    return date_format(timezone.localdate(instant))  # the pages' one date style


def _days_ago(instant: dt.datetime, today: dt.date) -> str:
    days = (today - timezone.localdate(instant)).days
    if days <= 0:
        return "today"
    if days == 1:
        return "yesterday"
    return f"{days} days ago" if days <= 60 else f"on {_day(instant)}"


def _link_statuses(artifact: Artifact) -> list[LinkStatus]:
    today = timezone.localdate()
    labels = dict(ArtifactLink.Role.choices)
    statuses = []
    for link in artifact_links_public(artifact):
        qualifier = ""
        if link.state == LinkState.BLOCKED:
            qualifier = "(the site refused our checker)"
        elif link.state in (LinkState.FAILING, LinkState.BROKEN) and link.state_since:
            qualifier = f"since {_day(link.state_since)}"
            if link.state == LinkState.FAILING:
                qualifier += ", not yet confirmed"
        elif link.state == LinkState.FAILING:
            qualifier = "(not yet confirmed)"
        checked_at = link.checked_at if link.state != LinkState.UNCHECKED else None
        is_doi = link.role == ArtifactLink.Role.DOI
        statuses.append(
            LinkStatus(
                role=link.role,
                label=labels[link.role],
                href=link.url,
                text=artifact.doi if is_doi else link.url,
                state=link.state,
                badge=_BADGES.get(link.state, link.state),
                qualifier=qualifier,
                checked_at=checked_at,
                checked=_days_ago(checked_at, today) if checked_at else "",
                resolves_to=link.resolves_to,
            )
        )
    return statuses


@require_safe
@_follows_former_slugs
def artifact_detail(request: HttpRequest, slug: str) -> HttpResponse:
    artifact = _public_artifact(slug)
    # What replaces it and what it replaces, in one query each, for the page and its JSON-LD.
    replaced = artifact_public_queryset().filter(status=Artifact.Status.RETIRED)
    prefetch_related_objects([artifact], "superseded_by", Prefetch("supersedes", replaced))
    page_url, project_url = _urls(request, artifact)
    documentation = [
        (label, text)
        for label, text in (
            ("Intended use", artifact.intended_use),
            ("Out-of-scope use", artifact.out_of_scope_use),
            ("Limitations", artifact.limitations),
            ("Evaluation data", artifact.evaluation_data),
            ("Ethical considerations", artifact.ethical_considerations),
        )
        if text.strip()
    ]
    response = render(
        request,
        "artifacts/artifact_detail.html",
        {
            "artifact": artifact,
            "creators": [link.person for link in artifact.creator_links.all()],
            "links": _link_statuses(artifact),
            "documentation": documentation,
            "fairness": artifact_fairness(artifact),
            "canonical_url": page_url,
            "jsonld": jsonld.jsonld_script_text(
                jsonld.artifact_jsonld(artifact, page_url=page_url, project_url=project_url)
            ),
            "bibtex": citation.artifact_bibtex(artifact, page_url=page_url),
            "cff": citation.artifact_cff(artifact, page_url=page_url),
            "apa": citation.artifact_apa(artifact, page_url=page_url),
            "license_url": spdx_url(artifact.license),
        },
    )
    response["Link"] = signposting.page_link_header(
        artifact, page_url=page_url, absolute=request.build_absolute_uri
    )
    return response


@require_safe
@_follows_former_slugs
def artifact_citation(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    artifact = _public_artifact(slug)
    page_url, _ = _urls(request, artifact)
    if fmt == "bib":
        body, content_type, name = (
            citation.artifact_bibtex(artifact, page_url=page_url),
            "application/x-bibtex; charset=utf-8",
            f"{artifact.slug}.bib",
        )
    else:
        body, content_type, name = (
            citation.artifact_cff(artifact, page_url=page_url),
            "application/x-yaml; charset=utf-8",
            "CITATION.cff",
        )
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_safe
def cycle_list(request: HttpRequest) -> HttpResponse:
    cycles: list[Cycle] = list(program_selectors.cycle_list_public())
    return render(
        request,
        "artifacts/cycle_list.html",
        {"cycles": cycles, "subscribe_form": _subscribe_form(cycles, offer_cycles=True)},
    )


def _subscribe_form(cycles: list[Cycle], *, offer_cycles: bool) -> SubscribeForm | None:
    """The reminder subscription form for the program of the cycles on the page (already
    loaded with their program); a query only when the page shows no cycle."""
    program = cycles[0].program if cycles else Program.objects.order_by("name").first()
    if program is None:
        return None
    offered = [
        cycle for cycle in cycles if cycle.status in (Cycle.Status.OPEN, Cycle.Status.PLANNED)
    ]
    return SubscribeForm(
        program=program, cycles=offered if offer_cycles else (), suggest_zones=False
    )


@require_safe
def open_data(request: HttpRequest) -> HttpResponse:
    from artifacts.opendata import snapshot as opendata

    snapshot = opendata.open_data_current()
    return render(
        request,
        "artifacts/open_data.html",
        {
            "snapshot": snapshot,
            "files": opendata.open_data_listing(snapshot) if snapshot else [],
            "package_name": opendata.PACKAGE,
        },
    )


def open_data_file(request: HttpRequest, filename: str) -> HttpResponseBase:
    """A file of the current open-data snapshot, with its SHA-256 as ETag. Not Django's
    ``condition`` decorator: it would resolve the snapshot twice (validators, then body),
    and an export switching in between would pair one file with another's checksum."""
    from django.http import FileResponse, HttpResponseNotAllowed
    from django.utils.cache import get_conditional_response
    from django.utils.http import http_date

    from artifacts.opendata import snapshot as opendata

    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    content_type = opendata.CONTENT_TYPES.get(filename)
    snapshot = opendata.open_data_current() if content_type else None
    if content_type is None or snapshot is None:
        raise Http404("No such open-data file.")
    etag = f'"{snapshot.sha256(filename)}"'
    modified = int(snapshot.created.timestamp())
    response: HttpResponseBase | None = get_conditional_response(
        request, etag=etag, last_modified=modified
    )
    if response is None:
        try:
            body = (snapshot.directory / filename).open("rb")
        except FileNotFoundError:
            raise Http404("No such open-data file.") from None
        response = FileResponse(
            body,
            content_type=content_type,
            as_attachment=filename != opendata.PACKAGE,
            filename=filename,
        )
    response["ETag"] = etag
    response["Last-Modified"] = http_date(modified)
    # Revalidate every time: a cached file must never outlive the package describing it.
    response["Cache-Control"] = "public, no-cache"
    return response
