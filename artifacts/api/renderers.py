"""Alternative representations of one artifact, chosen by Accept header or ?format=."""

from __future__ import annotations

from typing import Any

from rest_framework.renderers import BaseRenderer

from fairprog.api import EncodingRenderer, OrjsonRenderer


class _Named:
    """A renderer for one of several formats: its media type and ``?format=`` name are
    given when it is made rather than spelled out in a class of its own."""

    def __init__(self, media_type: str, format: str) -> None:
        self.media_type = media_type
        self.format = format


class _JsonRenderer(_Named, OrjsonRenderer):
    pass


class _TextRenderer(_Named, EncodingRenderer):
    charset = "utf-8"

    def encode(self, data: Any) -> bytes:
        if isinstance(data, str):
            return data.encode()
        # An error ({"detail": ...}) in a text format: say it plainly.
        detail = data.get("detail", data) if isinstance(data, dict) else data
        return str(detail).encode()


def artifact_renderers() -> list[BaseRenderer]:
    """One artifact's representations besides JSON: schema.org JSON-LD, DataCite JSON,
    BibTeX and CITATION.cff."""
    return [
        _JsonRenderer("application/ld+json", "jsonld"),
        _JsonRenderer("application/vnd.datacite.datacite+json", "datacite"),
        _TextRenderer("application/x-bibtex", "bibtex"),
        _TextRenderer("application/x-cff+yaml", "cff"),
    ]
