"""Alternative representations of one artifact, chosen by Accept header or ?format=."""

from __future__ import annotations

from typing import Any

from rest_framework.renderers import BaseRenderer

from fairprog.api import OrjsonRenderer


class JSONLDRenderer(OrjsonRenderer):
    media_type = "application/ld+json"
    format = "jsonld"


class DataCiteRenderer(OrjsonRenderer):
    media_type = "application/vnd.datacite.datacite+json"
    format = "datacite"


class _TextRenderer(BaseRenderer):
    charset = "utf-8"

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: dict[str, Any] | None = None,
    ) -> bytes:
        if isinstance(data, str):
            return data.encode()
        # An error ({"detail": ...}) in a text format: say it plainly.
        detail = data.get("detail", data) if isinstance(data, dict) else data
        return str(detail).encode()


class BibTeXRenderer(_TextRenderer):
    media_type = "application/x-bibtex"
    format = "bibtex"


class CFFRenderer(_TextRenderer):
    media_type = "application/x-cff+yaml"
    format = "cff"
