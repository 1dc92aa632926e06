"""Alternative representations of one artifact, chosen by Accept header or ?format=."""

from __future__ import annotations

from typing import Any

from rest_framework.renderers import BaseRenderer

from fairprog.api import EncodingRenderer, OrjsonRenderer

# What the DataCite representation is, for the OpenAPI description: the mandatory
# properties of DataCite JSON (metadata schema 4.5), the DOI first.
_TEXT = {"type": "string"}
DATACITE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Flat DataCite JSON (DataCite metadata schema 4.5) of an artifact with a "
    "registered DOI; renders to DataCite XML valid by the kernel-4 XSD.",
    "required": [
        "doi",
        "url",
        "types",
        "creators",
        "titles",
        "publisher",
        "publicationYear",
        "schemaVersion",
    ],
    "properties": {
        "doi": {**_TEXT, "description": "The DOI, without https://doi.org/."},
        "url": {**_TEXT, "format": "uri", "description": "The landing page."},
        "types": {"type": "object", "required": ["resourceTypeGeneral"]},
        "creators": {
            "type": "array",
            "minItems": 1,
            "description": '"(:unav)" when the artifact names no creators.',
            "items": {"type": "object", "required": ["name"]},
        },
        "titles": {"type": "array", "minItems": 1, "items": {"type": "object"}},
        "publisher": {"type": "object", "required": ["name"]},
        "publicationYear": {**_TEXT, "pattern": "^[0-9]{4}$"},
        "fundingReferences": {
            "type": "array",
            "description": "The award under the funder that made it (Crossref Funder ID), "
            "then each co-funder without an award number.",
            "items": {"type": "object", "required": ["funderName"]},
        },
        "schemaVersion": {**_TEXT, "enum": ["http://datacite.org/schema/kernel-4"]},
    },
}


class _Named:
    """A renderer for one of several formats: its media type and ``?format=`` name are
    given when it is made rather than spelled out in a class of its own."""

    def __init__(self, media_type: str, format: str) -> None:
        self.media_type = media_type
        self.format = format


class _JsonRenderer(_Named, OrjsonRenderer):
    pass


class _DataCiteRenderer(_JsonRenderer):
    """Flat DataCite JSON, and nothing else under its media type: an error (``{"detail":
    ...}``, e.g. for an artifact with no DOI) is no DataCite record, so it goes out as
    ``application/json``, the shape it has."""

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: dict[str, Any] | None = None,
    ) -> bytes:
        response = (renderer_context or {}).get("response")
        if response is not None and response.status_code >= 400:
            # DRF has just set the header to this renderer's type; the body says otherwise.
            response["Content-Type"] = "application/json"
        return super().render(data, accepted_media_type, renderer_context)


class _TextRenderer(_Named, EncodingRenderer):
    charset = "utf-8"

    def encode(self, data: Any) -> bytes:
        if isinstance(data, str):
            return data.encode()
        # An error ({"detail": ...}) in a text format: say it plainly.
        detail = data.get("detail", data) if isinstance(data, dict) else data
        return str(detail).encode()


def artifact_renderers() -> list[BaseRenderer]:
    """One artifact's representations besides JSON: schema.org JSON-LD, DataCite JSON (for
    an artifact with a DOI), BibTeX and CITATION.cff."""
    return [
        _JsonRenderer("application/ld+json", "jsonld"),
        _DataCiteRenderer("application/vnd.datacite.datacite+json", "datacite"),
        _TextRenderer("application/x-bibtex", "bibtex"),
        _TextRenderer("application/x-cff+yaml", "cff"),
    ]
