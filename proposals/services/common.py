"""What the services of program records share: saving a record validated, as a DomainError."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from fairprog.errors import DomainError


def validated_save(instance: models.Model, *, subject: str) -> None:
    try:
        instance.full_clean()
    except ValidationError as exc:
        raise DomainError.from_validation_error(exc, subject=subject) from exc
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:  # a race past full_clean; the constraint still holds
        raise DomainError(f"{subject} conflicts with an existing record: {exc}") from exc
