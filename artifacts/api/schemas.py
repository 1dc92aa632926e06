"""What the OpenAPI schema says the text representations of one artifact are, so that a
client (and schemathesis) can check a body against it: CITATION.cff as the YAML mapping it
is (the keys FairProg writes, under the rules of Citation File Format 1.2.0), and BibTeX as
one entry in UTF-8."""

from __future__ import annotations

from typing import Any

_URL = {"type": "string", "format": "uri", "pattern": "^(https|http|ftp|sftp)://.+"}


def _text(description: str, **more: Any) -> dict[str, Any]:
    return {"type": "string", "minLength": 1, "description": description, **more}


_CFF_PERSON = {
    "type": "object",
    "description": "A person (family and given names, ORCID iD) or, for an artifact that "
    "names no creators, the catalogue as an entity (name).",
    "minProperties": 1,
    "properties": {
        "family-names": _text("Family name(s)."),
        "given-names": _text("Given name(s)."),
        "orcid": {
            **_URL,
            "pattern": "^https://orcid\\.org/[0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{3}[0-9X]$",
            "description": "ORCID iD, as its URL.",
        },
        "name": _text("Name of an entity credited as author."),
    },
}

CFF_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "CITATION.cff (Citation File Format 1.2.0, https://citation-file-format."
    "github.io/): a YAML mapping; dates are quoted strings.",
    "required": ["cff-version", "message", "title", "authors"],
    "properties": {
        "cff-version": {
            "type": "string",
            "enum": ["1.2.0"],
            "description": "Version of the Citation File Format.",
        },
        "message": _text("How to cite the artifact, in words."),
        "type": {
            "type": "string",
            "enum": ["software", "dataset"],
            "description": "CFF's kind of work: dataset for datasets, software otherwise.",
        },
        "title": _text("Title of the artifact."),
        "authors": {
            "type": "array",
            "minItems": 1,
            "items": _CFF_PERSON,
            "description": "Creators in citation order; the catalogue when none are named.",
        },
        "abstract": _text("The artifact's summary."),
        "version": _text("Version of the artifact."),
        "doi": _text("The DOI, bare.", pattern="^10\\.\\d{4,9}(\\.\\d+)?/"),
        "identifiers": {
            "type": "array",
            "description": "A DOI CFF's pattern does not take, as its resolver URL.",
            "items": {
                "type": "object",
                "required": ["type", "value"],
                "properties": {
                    "type": {
                        "type": "string",
                        "enum": ["url"],
                        "description": "Kind of identifier.",
                    },
                    "value": {**_URL, "description": "The identifier."},
                    "description": _text("What the identifier is."),
                },
            },
        },
        "date-released": {
            "type": "string",
            "format": "date",
            "description": "Release date, or the date the artifact was published.",
        },
        "license": _text("SPDX id of the licence, when CFF 1.2.0's list has it."),
        "license-url": {**_URL, "description": "The licence's SPDX page, for a newer id."},
        "url": {**_URL, "description": "The artifact's landing page."},
        "repository-code": {**_URL, "description": "Source repository."},
        "keywords": {
            "type": "array",
            "items": {"type": "string", "minLength": 1},
            "description": "Keywords, each once.",
        },
    },
}

BIBTEX_SCHEMA: dict[str, Any] = {
    "type": "string",
    "description": "One BibTeX @misc entry in UTF-8, under a citation key no other artifact "
    "has and that does not change; LaTeX's special characters are escaped once.",
    "pattern": "^@misc\\{[^,\\s{}]+,\\n",
}
