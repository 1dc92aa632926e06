"""Validation and normalisation of identifiers: ORCID iD, ROR id, e-mail address, and of
text bound for one line of an e-mail header or a calendar."""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError

from fairprog.mail import NOT_ONE_LINE
from fairprog.validation import Identifier, strip_prefix

_ORCID_RE = re.compile(r"^(\d{4})-?(\d{4})-?(\d{4})-?(\d{3}[\dX])$")
_ORCID_PREFIXES = ("https://orcid.org/", "http://orcid.org/", "orcid.org/")
_ROR = Identifier(
    name="a ROR id",
    form="9 characters starting with 0",
    example="03yrm5c26",
    prefixes=("https://ror.org/", "http://ror.org/", "ror.org/"),
    # A leading 0, six characters of Crockford base32 (no i, l, o, u), two check digits.
    pattern=re.compile(r"^0[0-9a-hj-km-np-tv-z]{6}[0-9]{2}$"),
    code="ror_format",
)


def orcid_checksum(base_digits: str) -> str:
    """The ISO 7064 11,2 check character ORCID uses, for the first 15 digits."""
    total = 0
    for digit in base_digits:
        total = (total + int(digit)) * 2
    result = (12 - total % 11) % 11
    return "X" if result == 10 else str(result)


def normalize_orcid(value: str) -> str:
    """Return the canonical ``0000-0002-1825-0097`` form, or raise ValidationError."""
    bare = strip_prefix(value, _ORCID_PREFIXES).upper()
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


# Characters of an unquoted local part (RFC 5322 dot-atom), the only form FairProg stores.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_DOT_ATOM_RE = re.compile(rf"{_ATOM}(?:\.{_ATOM})*")
# Labels of letters, digits and hyphens (after IDNA) joined by dots; the last alphabetic.
_DOMAIN_RE = re.compile(
    r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})"
)
_NOT_AN_ADDRESS = "Enter a valid e-mail address, such as name@example.org."


def normalize_email(value: str) -> str:
    """The one spelling of an e-mail address under which FairProg stores, counts and
    compares it, or ValidationError for what cannot be a deliverable address.

    One mailbox has many spellings: ``"v\\ictim"@EXAMPLE.net``, ``victim@example.net.``,
    ``Victim@xn--exmple-cua.net`` and ``victim@exämple.net``. Normalising before the
    per-address limit and the uniqueness check makes them all one address:

    - surrounding white space is dropped;
    - a quoted local part is unquoted and unescaped. If what is left could not be written
      without quotes (spaces, "@", "(" …) the address is refused: few mail systems take
      such addresses, and FairProg keeps one unquoted form for every address it stores;
    - the domain is converted to its ASCII form (IDNA, which also lower-cases it and maps
      full-width letters), without a trailing dot; IP-address literals are refused;
    - the local part is lower-cased as well. RFC 5321 lets a server tell "Ada" from
      "ada", but no mail provider in use does, while a case-sensitive comparison would let
      one mailbox pass a per-address limit once per capitalisation. The rare server that
      did distinguish them would receive no confirmation e-mail, which subscribes no one.
    """
    address = value.strip()
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain or len(address) > 254:
        raise ValidationError(_NOT_AN_ADDRESS, code="email")
    if len(local) >= 2 and local.startswith('"') and local.endswith('"'):
        local = re.sub(r"\\(.)", r"\1", local[1:-1])
    if len(local) > 64:
        raise ValidationError(
            "The part before the @ is longer than an address may have (64 characters).",
            code="email_local_part_length",
        )
    if not _DOT_ATOM_RE.fullmatch(local):
        raise ValidationError(
            "Enter the address without quotes or spaces before the @, such as name@example.org.",
            code="email_local_part",
        )
    domain = domain.rstrip(".")
    if domain.startswith("["):
        raise ValidationError(
            "Enter an address at a domain name, not at an IP address.", code="email_domain"
        )
    try:
        domain = domain.encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise ValidationError(_NOT_AN_ADDRESS, code="email") from exc
    if not _DOMAIN_RE.fullmatch(domain) or len(domain) > 253:
        raise ValidationError(_NOT_AN_ADDRESS, code="email")
    normal = f"{local.lower()}@{domain}"
    if len(normal) > 254:
        raise ValidationError(_NOT_AN_ADDRESS, code="email")
    return normal


def mailbox_key(address: str) -> str:
    """The mailbox a normalised address reaches, for counting requests per mailbox: its
    "+tag" dropped, since name+1@, name+2@ … all arrive in name@'s inbox at the providers
    that offer tags (the address itself, tag and all, is what is stored and mailed)."""
    local, _, domain = address.rpartition("@")
    return f"{local.split('+', 1)[0] or local}@{domain}"


def validate_orcid(value: str) -> None:
    normalize_orcid(value)


def normalize_ror(value: str) -> str:
    """Return the bare lower-case ROR id (``03yrm5c26``), or raise ValidationError."""
    return _ROR.match(_ROR.bare(value).lower(), typed=value).group()


def validate_ror(value: str) -> None:
    normalize_ror(value)


# Line breaks of every kind (CR, LF, NEL, the Unicode line and paragraph separators), tabs
# and the other control characters: none belongs in text that must stay on one line.


_FUNDER_ID = re.compile(r"^\d{9,12}$")


def validate_funder_id(value: str) -> None:
    """A Crossref Funder ID (Open Funder Registry): digits only, e.g. 100000001 (NSF); the
    DOI it stands for is https://doi.org/10.13039/<id>."""
    if not _FUNDER_ID.match(value):
        raise ValidationError(
            "A Crossref Funder ID is 9 to 12 digits, e.g. 100000001 for NSF (the part after "
            "10.13039/ in its DOI).",
            code="funder_id",
        )


def validate_single_line(value: str) -> None:
    """For text that ends up in one line of an e-mail header (a reminder's subject): a
    line break there cannot be written (Django refuses the header), so no e-mail could
    ever be sent about the record."""
    if NOT_ONE_LINE.search(value):
        raise ValidationError(
            "Keep this to one line: no line breaks, tabs or other control characters.",
            code="single_line",
        )


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
