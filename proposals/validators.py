"""Validation and normalisation of persistent identifiers (ORCID iD, ROR id)."""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError

_ORCID_RE = re.compile(r"^(\d{4})-?(\d{4})-?(\d{4})-?(\d{3}[\dX])$")
_ORCID_PREFIXES = ("https://orcid.org/", "http://orcid.org/", "orcid.org/")
# ROR ids: a leading 0, six characters of Crockford base32 (no i, l, o, u), two check digits.
_ROR_RE = re.compile(r"^0[0-9a-hj-km-np-tv-z]{6}[0-9]{2}$")
_ROR_PREFIXES = ("https://ror.org/", "http://ror.org/", "ror.org/")


def _strip_prefix(value: str, prefixes: tuple[str, ...]) -> str:
    value = value.strip()
    lowered = value.lower()
    for prefix in prefixes:
        if lowered.startswith(prefix):
            return value[len(prefix) :]
    return value


def orcid_checksum(base_digits: str) -> str:
    """The ISO 7064 11,2 check character ORCID uses, for the first 15 digits."""
    total = 0
    for digit in base_digits:
        total = (total + int(digit)) * 2
    result = (12 - total % 11) % 11
    return "X" if result == 10 else str(result)


def normalize_orcid(value: str) -> str:
    """Return the canonical ``0000-0002-1825-0097`` form, or raise ValidationError."""
    bare = _strip_prefix(value, _ORCID_PREFIXES).upper()
    match = _ORCID_RE.match(bare)
    if not match:
        raise ValidationError(
            "%(value)s is not an ORCID iD: expected 16 digits in groups of four, "
            "like 0000-0002-1825-0097.",
            code="orcid_format",
            params={"value": value},
        )
    digits = "".join(match.groups())
    if orcid_checksum(digits[:15]) != digits[15]:
        raise ValidationError(
            "%(value)s is not a valid ORCID iD: its check digit is wrong (mistyped digit?).",
            code="orcid_checksum",
            params={"value": value},
        )
    return "-".join(match.groups())


def validate_orcid(value: str) -> None:
    normalize_orcid(value)


def normalize_ror(value: str) -> str:
    """Return the bare lower-case ROR id (``03yrm5c26``), or raise ValidationError."""
    bare = _strip_prefix(value, _ROR_PREFIXES).lower()
    if not _ROR_RE.match(bare):
        raise ValidationError(
            "%(value)s is not a ROR id: expected 9 characters starting with 0, "
            "like 03yrm5c26 or https://ror.org/03yrm5c26.",
            code="ror_format",
            params={"value": value},
        )
    return bare


def validate_ror(value: str) -> None:
    normalize_ror(value)


def validate_reminder_offsets(value: object) -> None:
    if not isinstance(value, list) or not all(
        isinstance(days, int) and not isinstance(days, bool) for days in value
    ):
        raise ValidationError(
            "Reminder offsets must be a list of whole numbers of days, like [30, 7, 1].",
            code="offsets_type",
        )
    if any(days < 0 or days > 365 for days in value):
        raise ValidationError(
            "Reminder offsets must be between 0 and 365 days before the deadline.",
            code="offsets_range",
        )
    if len(set(value)) != len(value):
        raise ValidationError("Reminder offsets must not repeat a day.", code="offsets_unique")


def _name_key(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    folded = folded.replace("&", " and ")
    words = re.sub(r"[^a-z0-9]+", " ", folded).split()
    if words and words[0] == "the":
        words = words[1:]
    return " ".join(words)


def organization_name_key(name: str) -> str:
    """A matching key under which "Carnegie-Mellon University" and "CARNEGIE MELLON
    UNIVERSITY" are the same organization."""
    return _name_key(name)


def person_name_key(given_name: str, family_name: str) -> str:
    return _name_key(f"{given_name} {family_name}")
