"""Citation keys (the ``key`` of a BibTeX entry): readable, unique across the catalogue, and
stable: an artifact gets its key once, when first published, and keeps it whatever is edited
later, so a key in someone's bibliography always finds the same artifact.

A key is the first creator's family name, the year and the first word of the title, in
lower-case ASCII (``smith2024fairness``); a key already taken gets the first free suffix
``a``, ``b``, … ``z``, ``aa``, … as BibTeX tools do. Pure: the caller says which are taken.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container

_NOT_KEY = re.compile(r"[^a-z0-9]")
_STOP_WORDS = {"a", "an", "the", "of", "on", "for", "and", "in", "to", "with"}


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return _NOT_KEY.sub("", decomposed.encode("ascii", "ignore").decode().lower())


def citation_key_base(*, family_name: str, year: str, title: str) -> str:
    """The key before any suffix; ``family_name`` blank for an artifact without creators."""
    words = [_ascii(word) for word in title.split()]
    word = next((w for w in words if w and w not in _STOP_WORDS), "") or "artifact"
    return f"{_ascii(family_name) or 'fairprog'}{_ascii(year) or 'nd'}{word}"[:56]


def _suffix(number: int) -> str:
    """0 -> "", 1 -> "a", 26 -> "z", 27 -> "aa", …"""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters


def citation_key_free(base: str, taken: Container[str]) -> str:
    """``base``, or ``base`` with the first suffix no one has."""
    number = 0
    while (key := base + _suffix(number)) in taken:
        number += 1
    return key
