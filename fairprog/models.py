"""What the apps' models declare alike: identifiers from outside registries, and
constraints on values that may be missing. (The kernel has no models of its own.)"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import F, Q

if TYPE_CHECKING:
    from django.db.models.expressions import Combinable

    StrField = models.CharField[str | int | Combinable, str]


def identifier_field(
    verbose_name: str, *, max_length: int, validator: Callable[[str], None], help_text: str
) -> StrField:
    """An identifier from an outside registry (ROR, ORCID, DOI, SPDX): blank when not
    known, and checked by ``validator`` when given."""
    return models.CharField(
        verbose_name,
        max_length=max_length,
        blank=True,
        validators=[validator],
        help_text=help_text,
    )


def unique_when_given(field: str, *, name: str) -> models.UniqueConstraint:
    """No two rows share a value of ``field``; blank means "not known", which many may be."""
    return models.UniqueConstraint(fields=[field], condition=~Q(**{field: ""}), name=name)


def non_negative_or_null(field: str) -> Q:
    """``field`` is zero or more, or not known (null)."""
    return Q(**{f"{field}__gte": 0}) | Q(**{f"{field}__isnull": True})


def ordered_when_given(low: str, high: str, *, name: str) -> models.CheckConstraint:
    """``low`` is at most ``high`` when both are known (a range open at either end)."""
    return models.CheckConstraint(
        condition=Q(**{f"{low}__isnull": True})
        | Q(**{f"{high}__isnull": True})
        | Q(**{f"{low}__lte": F(high)}),
        name=name,
    )
