"""What the apps' validators share: identifiers that people type bare or as a link (a DOI, a
ROR id, an ORCID iD), which FairProg stores in one spelling, and the error that says what
was expected when what they typed is not one."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError


def strip_prefix(value: str, prefixes: tuple[str, ...]) -> str:
    """``value`` without surrounding white space and without the first of ``prefixes``
    (lower case) that it starts with, in whatever case it was typed."""
    value = value.strip()
    lowered = value.lower()
    for prefix in prefixes:
        if lowered.startswith(prefix):
            return value[len(prefix) :]
    return value


@dataclass(frozen=True)
class Identifier:
    """An identifier that may be typed bare or after one of its ``prefixes`` (its link, or
    a scheme such as ``doi:``), and is stored bare."""

    name: str  # "a DOI", as in "… is not a DOI"
    form: str  # the bare form in words: "10.<registrant>/<suffix>"
    example: str  # a bare example; the error shows it bare and as a link
    prefixes: tuple[str, ...]  # lower case, the link first
    pattern: re.Pattern[str]  # the bare form, in the case it is stored in
    code: str  # the ValidationError's code

    def bare(self, value: str) -> str:
        """What was typed, without white space around it or a prefix before it."""
        return strip_prefix(value, self.prefixes)

    def match(self, bare: str, *, typed: str) -> re.Match[str]:
        """The pattern's match of ``bare`` (read from ``typed``), or the error that quotes
        what was typed and shows the form expected."""
        found = self.pattern.match(bare)
        if found is None:
            raise ValidationError(
                f"%(value)s is not {self.name}: expected {self.form}, like {self.example} "
                f"or {self.prefixes[0]}{self.example}.",
                code=self.code,
                params={"value": typed},
            )
        return found
