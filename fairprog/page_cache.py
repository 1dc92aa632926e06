"""Whole answers to anonymous visitors, served from the cache until the catalogue changes.

Public pages, the API, the feeds and the open data are read all day and change a few times a
day. The first anonymous GET of a URL is answered as usual and its response (status, headers
and body, as every other middleware left them) is kept in the cache under the catalogue
version (``fairprog.catalogue_version``), which every service moves after a commit that may
change what the public sees; the next anonymous GET of that URL is answered from there, without
running the view, the template or any other middleware.

What is never kept, or never served from here:
- a visitor with any cookie other than the CSRF one (a session: a signed-in staff member,
  researcher or reviewer; a message waiting to be shown) or an ``Authorization`` header: they
  go to the view every time;
- paths under ``PAGE_CACHE_SKIP`` (the admin, the signed-in areas, sign-in and e-mail links,
  OAI-PMH, whose answers carry their own time);
- a response that is not a 200, streams, sets a cookie, used a CSRF token (a form), says
  ``private``, ``no-store`` or ``no-cache``, or varies on a header other than those in the key.

The key holds the URL (path and query), the ``Accept`` and ``Origin`` headers (the API and CORS
answer by them) and the program's date (pages that count days to a deadline move at midnight).
``PAGE_CACHE_SECONDS`` bounds how long an answer is kept whatever happens (0 turns the cache
off); answers say ``Cache-Control: public`` with ``s-maxage`` and ``stale-while-revalidate`` so a
CDN in front may keep them too (README, *Deploying*).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import parse_http_date_safe

from fairprog.catalogue_version import catalogue_version

# Headers a cached answer may vary on: each is part of the key.
KEYED_HEADERS = ("Accept", "Origin")
_VARY_ALLOWED = {"accept", "origin", "accept-encoding", "cookie"}
_NOT_KEPT = ("private", "no-store", "no-cache")
# Marked on the request when the answer came from the cache (for tests).
HIT = "fairprog_page_cache_hit"
# "hit" on an answer from the cache, "miss" on one just kept (for the access log and CDNs).
STATE_HEADER = "X-Page-Cache"


class PublicPageCacheMiddleware:
    """First in ``MIDDLEWARE``: a hit is answered before any other middleware runs, and a
    miss keeps the response as all of them left it (security headers, CSP with its hashes,
    ETag, CORS)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        seconds = settings.PAGE_CACHE_SECONDS
        if seconds <= 0 or not _anonymous_read(request):
            return self.get_response(request)
        key = _key(request)
        kept = cache.get(key)
        if kept is not None:
            setattr(request, HIT, True)
            answer = _answer(request, kept)
            answer[STATE_HEADER] = "hit"
            return answer
        response = self.get_response(request)
        if (
            isinstance(response, HttpResponse)
            and request.method == "GET"
            and _keepable(request, response)
        ):
            _public(response)
            cache.set(key, _freeze(response), seconds)
            response[STATE_HEADER] = "miss"
        return response


def _anonymous_read(request: HttpRequest) -> bool:
    if request.method not in ("GET", "HEAD"):
        return False
    if "HTTP_AUTHORIZATION" in request.META:
        return False
    if any(name != settings.CSRF_COOKIE_NAME for name in request.COOKIES):
        return False
    return not request.path.startswith(tuple(settings.PAGE_CACHE_SKIP))


def _key(request: HttpRequest) -> str:
    parts = [
        str(catalogue_version()),
        timezone.localdate().isoformat(),
        request.get_host(),
        request.get_full_path(),
        *(request.headers.get(name, "") for name in KEYED_HEADERS),
    ]
    digest = hashlib.sha256("\n".join(parts).encode("utf-8", "surrogateescape")).hexdigest()
    return f"page:{digest}"


def _keepable(request: HttpRequest, response: HttpResponseBase) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):  # the page holds a CSRF token
        return False
    control = response.get("Cache-Control", "").lower()
    if any(word in control for word in _NOT_KEPT):
        return False
    vary = {part.strip().lower() for part in response.get("Vary", "").split(",") if part.strip()}
    # Vary: Cookie is met: only requests without a session or other cookie reach here.
    return vary <= _VARY_ALLOWED


def _public(response: HttpResponseBase) -> None:
    """What a browser and a CDN may do with an anonymous answer: browsers ask again each
    time (a 304 when nothing changed), shared caches keep it a little and may serve it stale
    while they fetch the new one."""
    if "Cache-Control" in response:
        return
    patch_cache_control(
        response,
        public=True,
        max_age=0,
        s_maxage=settings.PAGE_CACHE_S_MAXAGE,
        stale_while_revalidate=settings.PAGE_CACHE_STALE_WHILE_REVALIDATE,
    )


def _freeze(response: HttpResponse) -> dict[str, Any]:
    return {
        "status": response.status_code,
        "headers": list(response.headers.items()),
        "content": response.content,
    }


def _answer(request: HttpRequest, kept: dict[str, Any]) -> HttpResponseBase:
    response = HttpResponse(kept["content"], status=kept["status"])
    for name, value in kept["headers"]:
        response[name] = value
    # A visitor who has the page already gets a 304, as from the view (RFC 9110 §13.1);
    # Django's 304 carries no Content-Security-Policy, as fairprog.csp wants.
    modified = response.get("Last-Modified")
    conditional = get_conditional_response(
        request,
        etag=response.get("ETag"),
        last_modified=parse_http_date_safe(modified) if modified else None,
        response=response,
    )
    return conditional or response
