"""What crawlers and FAIR Signposting clients read besides the pages: robots.txt, the
sitemaps, and each artifact's link set. Parse, call, render."""

from __future__ import annotations

from django.contrib.sitemaps import views as sitemap_views
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_safe

from artifacts import signposting
from artifacts.sitemaps import catalogue_sitemaps
from artifacts.views import _follows_former_slugs, _public_artifact, _urls

# Nothing a crawler should index: the admin, researchers' and reviewers' pages, sign-in,
# and the reminders' subscription, confirmation and unsubscribe links (one-off tokens).
PRIVATE_PREFIXES = ("/admin/", "/my/", "/account/", "/reminders/")


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    sitemap = request.build_absolute_uri(reverse("artifacts:sitemap"))
    # robots.txt readers take the first rule that matches (urllib.robotparser does), so the
    # refusals come before the catch-all allowance.
    lines = [
        "User-agent: *",
        *(f"Disallow: {prefix}" for prefix in PRIVATE_PREFIXES),
        "Allow: /",
        "",
        f"Sitemap: {sitemap}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@require_safe
def sitemap_index(request: HttpRequest) -> HttpResponse:
    return sitemap_views.index(
        request, sitemaps=catalogue_sitemaps(), sitemap_url_name="artifacts:sitemap-section"
    )


@require_safe
def sitemap_section(request: HttpRequest, section: str) -> HttpResponse:
    """One section of the sitemap (``?p=2`` for its second 50,000 rows)."""
    return sitemap_views.sitemap(request, sitemaps=catalogue_sitemaps(), section=section)


def _linkset(request: HttpRequest, slug: str, *, json: bool) -> HttpResponse:
    artifact = _public_artifact(slug)
    page_url, _ = _urls(request, artifact)
    signposts = signposting.artifact_signposts(
        artifact, page_url=page_url, absolute=request.build_absolute_uri
    )
    if json:
        body = signposting.linkset_json_text(signposts, anchor=page_url)
        content_type = signposting.LINKSET_JSON
    else:
        body = signposting.linkset_text(signposts, anchor=page_url)
        content_type = signposting.LINKSET_TEXT
    response = HttpResponse(body, content_type=content_type)
    # Signposting clients include scripts on other sites; the link set is public.
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
@_follows_former_slugs
def artifact_linkset_json(request: HttpRequest, slug: str) -> HttpResponse:
    """The artifact's link set as RFC 9264 JSON (``application/linkset+json``)."""
    return _linkset(request, slug, json=True)


@require_safe
@_follows_former_slugs
def artifact_linkset(request: HttpRequest, slug: str) -> HttpResponse:
    """The artifact's link set in RFC 9264's native format (``application/linkset``)."""
    return _linkset(request, slug, json=False)
