"""The API's one exception handler: refused service calls become 400s with field errors.

A module of its own because DRF imports it while loading its settings, before the API
base classes in ``fairprog.api`` (which DRF's views need) can be imported.
"""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from fairprog.errors import DomainError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, and a DomainError answered as DRF answers a ValidationError: a 400
    whose body maps each field to its messages (``non_field_errors`` for the rest)."""
    if isinstance(exc, DomainError):
        exc = ValidationError(exc.errors or {"non_field_errors": [exc.message]})
    return drf_exception_handler(exc, context)
