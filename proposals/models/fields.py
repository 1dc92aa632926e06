"""Fields the program records declare alike: time zones, amounts, name keys and the
default reminder offsets."""

from __future__ import annotations

import zoneinfo
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models

DEFAULT_REMINDER_OFFSETS = [30, 7, 1]
NON_NEGATIVE = [MinValueValidator(Decimal("0"))]

if TYPE_CHECKING:
    from django.db.models.expressions import Combinable

    from fairprog.models import StrField

    OptionalAmountField = models.DecimalField[
        str | float | Decimal | Combinable | None, Decimal | None
    ]


def default_reminder_offsets() -> list[int]:
    return list(DEFAULT_REMINDER_OFFSETS)


def default_time_zone() -> str:
    return str(settings.TIME_ZONE)


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            "%(value)s is not a known time zone; use an IANA name such as America/New_York.",
            code="time_zone",
            params={"value": value},
        )


def time_zone_field(**options: Any) -> StrField:
    """An IANA time zone name, e.g. America/New_York."""
    return models.CharField(max_length=64, validators=[validate_time_zone], **options)


def optional_amount(*, max_digits: int = 12) -> OptionalAmountField:
    """An amount in dollars and cents, never negative, that may not be known."""
    return models.DecimalField(
        max_digits=max_digits, decimal_places=2, null=True, blank=True, validators=NON_NEGATIVE
    )


def name_key_field() -> StrField:
    """The name folded for matching (the model's ``clean`` derives it; the importer matches
    the names it reads by it)."""
    return models.CharField(
        max_length=255,
        db_index=True,
        default="",
        editable=False,
        help_text="Normalised name for matching.",
    )
