"""Alternative representations of one artifact, chosen by Accept header or ?format=."""

from __future__ import annotations

import copy
from typing import Any

from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer

from artifacts.metadata import croissant
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

# What the Croissant representation is, for the OpenAPI description: the properties
# Croissant 1.0 requires of every dataset that FairProg always knows.
CROISSANT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Croissant 1.0 JSON-LD of a dataset artifact, with the Responsible-AI "
    "(RAI 1.0) properties its documentation gives; valid by mlcroissant. Its files carry no "
    "checksum (FairProg records none), so the dataset says it is live.",
    "required": ["@context", "@type", "conformsTo", "name", "description", "url", "citeAs"],
    "properties": {
        "@context": {"type": "object"},
        "@type": {**_TEXT, "enum": ["sc:Dataset"]},
        "conformsTo": {
            "type": "array",
            "items": {
                **_TEXT,
                "enum": [croissant.CROISSANT_1_0, croissant.RAI_1_0],
            },
        },
        "name": _TEXT,
        "description": _TEXT,
        "url": {**_TEXT, "format": "uri", "description": "The artifact's catalogue page."},
        "citeAs": {**_TEXT, "description": "BibTeX."},
        "distribution": {
            "type": "array",
            "description": "A cr:FileObject per link that leads to a data file or a git "
            "repository.",
            "items": {"type": "object", "required": ["@type", "@id", "name", "contentUrl"]},
        },
        "isLiveDataset": {"type": "boolean"},
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


class _RecordRenderer(_JsonRenderer):
    """A record some artifacts have (DataCite JSON, Croissant), and nothing else under its
    media type: an error (``{"detail": ...}``, e.g. for an artifact with no DOI, or one that
    is not a dataset) is no such record, so it goes out as ``application/json``, the shape
    it has."""

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


class _CroissantRenderer(_RecordRenderer):
    """Croissant: JSON-LD under Croissant's profile, which its Content-Type names."""

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: dict[str, Any] | None = None,
    ) -> bytes:
        response = (renderer_context or {}).get("response")
        if response is not None and response.status_code < 400:
            response["Content-Type"] = croissant.MEDIA_TYPE
        return super().render(data, accepted_media_type, renderer_context)


class ProfileNegotiation(DefaultContentNegotiation):
    """DRF's negotiation, where a representation with a profile (Croissant is JSON-LD under
    one) is chosen by an Accept that names the profile, or by its ``?format=`` name under
    any Accept its bare media type meets: the name already says which profile."""

    def filter_renderers(self, renderers: list[BaseRenderer], format: str) -> list[BaseRenderer]:
        chosen = []
        for renderer in super().filter_renderers(renderers, format):
            bare = renderer.media_type.split(";")[0].strip()
            if bare != renderer.media_type:
                renderer = copy.copy(renderer)
                renderer.media_type = bare
            chosen.append(renderer)
        return chosen


class _TextRenderer(_Named, EncodingRenderer):
    charset = "utf-8"

    def encode(self, data: Any) -> bytes:
        if isinstance(data, str):
            return data.encode()
        # An error ({"detail": ...}) in a text format: say it plainly.
        detail = data.get("detail", data) if isinstance(data, dict) else data
        return str(detail).encode()


def artifact_renderers() -> list[BaseRenderer]:
    """One artifact's representations besides JSON: Croissant (for a dataset), schema.org
    JSON-LD, DataCite JSON (for an artifact with a DOI), BibTeX and CITATION.cff."""
    return [
        # Before plain JSON-LD: an Accept naming Croissant's profile matches both, and the
        # first that matches is chosen; a plain application/ld+json does not match this one.
        _CroissantRenderer(croissant.MEDIA_TYPE, "croissant"),
        _JsonRenderer("application/ld+json", "jsonld"),
        _RecordRenderer("application/vnd.datacite.datacite+json", "datacite"),
        _TextRenderer("application/x-bibtex", "bibtex"),
        _TextRenderer("application/x-cff+yaml", "cff"),
    ]
