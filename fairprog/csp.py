"""Content-Security-Policy: django-csp's middleware, plus the hashes of the inline data
blocks (JSON-LD, chart data) a page rendered, and no policy on a 304."""

from __future__ import annotations

import base64
import hashlib

from csp.middleware import CSPMiddleware as _CSPMiddleware
from csp.middleware import PolicyParts
from django.http import HttpRequest, HttpResponseBase

_HASHES = "_fairprog_csp_script_hashes"


def csp_allow_inline_script(request: HttpRequest | None, *, text: str) -> None:
    """Allow the ``<script>`` element whose text is exactly ``text`` on this response, by its
    SHA-256. A hash rather than a nonce keeps the page the same from one request to the next,
    so its content ETag still answers 304. Only template tags call this, for blocks they
    built themselves with the data escaped (JSON), never for script text taken from input."""
    if request is None:  # rendered outside a request (e-mail, error page without one)
        return
    # A DRF Request wraps the HttpRequest the middleware sees.
    request = getattr(request, "_request", request)
    digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode("ascii")
    hashes: list[str] = request.__dict__.setdefault(_HASHES, [])
    source = f"'sha256-{digest}'"
    if source not in hashes:
        hashes.append(source)


class CSPMiddleware(_CSPMiddleware):
    """django-csp's policy, with the hashes of the inline scripts the page allowed."""

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        # A 304 carries no policy: the browser keeps the one that came with the body it
        # reuses, which a fresh nonce, or a policy built without rendering the page, would
        # not match (RFC 9111 lets a 304's headers replace the stored ones).
        if response.status_code == 304:
            return response
        return super().process_response(request, response)

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        hashes = request.__dict__.get(_HASHES)
        if hashes:
            update = dict(parts.update or {})
            update["script-src"] = [*update.get("script-src", ()), *hashes]
            parts.update = update
        return parts
