"""The one error type services raise when a request breaks a business rule."""

from __future__ import annotations

from django.core.exceptions import ValidationError


class DomainError(Exception):
    """A refused action, with a message fit to show to the person who asked.

    ``errors`` maps field names to messages when the refusal is about specific
    fields, so forms and the API can show each message beside its field.
    """

    def __init__(self, message: str, *, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or {}

    @classmethod
    def from_validation_error(cls, exc: ValidationError, *, subject: str) -> DomainError:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        parts = []
        for field, messages in errors.items():
            where = "" if field == "__all__" else f"{field}: "
            parts.append(where + " ".join(messages))
        return cls(f"{subject} is not valid. " + "; ".join(parts), errors=dict(errors))
