"""Validation of artifact identifiers: DOIs, SPDX licence ids, keywords."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError

from fairprog.validation import Identifier

SPDX_FILE = Path(__file__).parent / "data" / "spdx-licenses.json"
_DOI = Identifier(
    name="a DOI",
    form="10.<registrant>/<suffix>",
    example="10.5281/zenodo.1234567",
    prefixes=(
        "https://doi.org/",
        "http://doi.org/",
        "https://dx.doi.org/",
        "http://dx.doi.org/",
        "doi.org/",
        "doi:",
    ),
    pattern=re.compile(r"^10\.\d{4,9}/\S+$"),
    code="doi",
)


@cache
def spdx_licenses() -> dict[str, dict[str, Any]]:
    """The SPDX licence list shipped with the code, by id."""
    data = json.loads(SPDX_FILE.read_text())
    return {entry["id"]: entry for entry in data["licenses"]}


@cache
def _spdx_by_lower() -> dict[str, str]:
    return {key.lower(): key for key in spdx_licenses()}


def normalize_spdx_license(value: str) -> str:
    """The canonical spelling of an SPDX id (``apache-2.0`` → ``Apache-2.0``)."""
    canonical = _spdx_by_lower().get(value.strip().lower())
    if canonical is None:
        raise ValidationError(
            "%(value)s is not an SPDX licence id; use one from https://spdx.org/licenses/ "
            "such as MIT, Apache-2.0 or CC-BY-4.0.",
            code="spdx",
            params={"value": value},
        )
    return canonical


def validate_spdx_license(value: str) -> None:
    if value not in spdx_licenses():
        normalize_spdx_license(value)  # raises with the helpful message
        raise ValidationError(
            "%(value)s is spelled differently in the SPDX list (%(canonical)s).",
            code="spdx_case",
            params={"value": value, "canonical": normalize_spdx_license(value)},
        )


def normalize_doi(value: str) -> str:
    """A bare, lower-case DOI (``10.5281/zenodo.123``); DOIs are case-insensitive."""
    return _DOI.match(_DOI.bare(value).strip().lower(), typed=value).group()


def validate_doi(value: str) -> None:
    if normalize_doi(value) != value:
        raise ValidationError(
            "Store the DOI in its bare lower-case form (%(doi)s).",
            code="doi_form",
            params={"doi": normalize_doi(value)},
        )


def validate_keywords(value: object) -> None:
    if not isinstance(value, list) or not all(isinstance(k, str) and k.strip() for k in value):
        raise ValidationError("Keywords must be a list of words or short phrases.", code="keywords")
    if len(value) > 30 or any(len(k) > 60 for k in value):
        raise ValidationError(
            "At most 30 keywords of at most 60 characters each.", code="keywords_size"
        )
