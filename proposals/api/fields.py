"""Serializer fields of the API's writes whose OpenAPI schema says exactly what they take.

Text has no control characters other than tab and line breaks (as query parameters), and
required text holds more than white space; a reference to another record is given by a key
of a known form (an award number, a slug, an id); an amount of money is a decimal string.
Each takes its JSON type only (no number where text is declared, no "5" for an id). So a
value the schema refuses is a 400 naming the field, and a value it allows is refused only
for what no schema can know: a record that does not exist, a rule between fields.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers
from rest_framework.relations import MANY_RELATION_KWARGS

# The characters the middleware refuses in query parameters, as Python and as the schema
# (ECMA-262) writes them.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_C = "\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f"
TEXT_PATTERN = f"^[^{_C}]*$"
NOT_BLANK_PATTERN = f"^[^{_C}]*[^\\s{_C}][^{_C}]*$"
SLUG_PATTERN = "^[-a-zA-Z0-9_]+$"
AWARD_NUMBER_PATTERN = "^[0-9]{7}$"
BIGINT_MAX = 2**63 - 1
_AMOUNT = r"(?:[0-9]{1,10}(?:\.[0-9]{0,2})?|\.[0-9]{1,2})"
# A DOI as the services take it (artifacts.validators.normalize_doi): bare or after one of
# its prefixes, in any case, with white space around; or nothing. Its suffix is made of the
# characters a URI path takes as they are (no "%", "?" or "#"), so that its https://doi.org/
# link, which the API shows, is a URI.
_SPACE = f"[^\\S{_C}]*"  # white space, control characters aside
DOI_PATTERN = (
    f"^(?:{_SPACE}(?:(?:[Hh][Tt][Tt][Pp][Ss]?://(?:[Dd][Xx]\\.)?)?[Dd][Oo][Ii]\\.[Oo][Rr][Gg]/"
    f"|[Dd][Oo][Ii]:)?{_SPACE}10\\.[0-9]{{4,9}}/[-A-Za-z0-9._~!$&'()*+,;=:@/]+{_SPACE})?$"
)

# An http(s) address that is a URI (RFC 3986, as the API writes it back) and that Django's
# URLValidator takes, in a form a schema can state: a host name of one to five labels of
# ASCII letters, digits and hyphens (at most 39 characters each, as a GitHub Pages user
# name) under a top-level domain of letters or IDNA, so never over DNS's 253 characters, or
# an IPv4 address (a server on an institution's network); a port; a path, a query and a
# fragment of URI characters (others percent-encoded). Or nothing. (A look-ahead bounding
# the host instead costs schemathesis half a minute.)
_LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?"
_OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
_PCHAR = "(?:[-A-Za-z0-9._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})"
WEB_ADDRESS_PATTERN = (
    f"^(?:[Hh][Tt][Tt][Pp][Ss]?://(?:(?:{_LABEL}\\.){{1,5}}"
    "(?:[A-Za-z]{2,53}|[Xx][Nn]--[A-Za-z0-9]{1,49})"
    f"|{_OCTET}(?:\\.{_OCTET}){{3}})(?::[0-9]{{1,5}})?"
    f"(?:/(?:{_PCHAR}|/)*)?(?:\\?(?:{_PCHAR}|[/?])*)?(?:#(?:{_PCHAR}|[/?])*)?)?(?!\\n)$"
)


def _refuse_controls(value: str) -> None:
    found = _CONTROL.search(value)
    if found:
        raise serializers.ValidationError(
            f"Holds a control character (U+{ord(found.group()):04X}); remove it."
        )


class TextField(serializers.CharField):
    """Text as it is sent (not trimmed: the schema's lengths count what is sent, and the
    services trim what they store trimmed); required text must hold more than white space.
    ``pattern``: a form the text must have besides (a slug, a DOI)."""

    def __init__(
        self, *, pattern: str | None = None, pattern_message: str = "", **kwargs: Any
    ) -> None:
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)
        self.pattern = pattern
        self.pattern_message = pattern_message or f"Not of the form {pattern}."
        self.validators.append(_refuse_controls)

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        if not self.allow_blank and not data.strip():
            self.fail("blank")
        if self.pattern and not re.search(self.pattern, data):
            raise serializers.ValidationError(self.pattern_message)
        return str(super().to_internal_value(data))


class RelatedList(serializers.ManyRelatedField):
    """Several records, as a JSON array: DRF would take any iterable, an object's keys
    included."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, list):
            self.fail("not_a_list", input_type=type(data).__name__)
        return super().to_internal_value(data)


class _RelatedListMany:
    """``many=True`` gives a RelatedList (DRF's RelatedField.many_init, with that class)."""

    @classmethod
    def many_init(cls, *args: Any, **kwargs: Any) -> RelatedList:
        list_kwargs = {"child_relation": cls(*args, **kwargs)}
        list_kwargs |= {k: v for k, v in kwargs.items() if k in MANY_RELATION_KWARGS}
        return RelatedList(**list_kwargs)


class KeyRelatedField(_RelatedListMany, serializers.SlugRelatedField):
    """A record named by a text key of a known form: a value of another form is refused
    before any query (NUL in a key would reach PostgreSQL as an error)."""

    def __init__(self, *, pattern: str, max_length: int | None = None, **kwargs: Any) -> None:
        self.pattern = pattern
        self.max_length = max_length
        self._compiled = re.compile(pattern)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str) or not self._compiled.search(data):
            self.fail("invalid")
        if self.max_length is not None and len(data) > self.max_length:
            self.fail("invalid")
        return super().to_internal_value(data)


class IdRelatedField(_RelatedListMany, serializers.PrimaryKeyRelatedField):
    """A record named by its id: a JSON integer from 1 (not "5", not 5.0, not true)."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not 1 <= data <= BIGINT_MAX:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


class AmountField(serializers.DecimalField):
    """US dollars as a decimal string ("625000.00"): no sign, at most two decimals."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_digits=12, decimal_places=2, min_value=Decimal(0), **kwargs)

    def validate_empty_values(self, data: Any) -> tuple[bool, Any]:
        # DRF reads blank text as null for a nullable decimal; JSON has null for that, and
        # "" is no amount (the schema's pattern says so).
        if isinstance(data, str) and not data.strip():
            self.fail("invalid")
        return super().validate_empty_values(data)

    def to_internal_value(self, data: Any) -> Decimal:
        if not isinstance(data, str) or not re.fullmatch(_AMOUNT, data):
            self.fail("invalid")
        return Decimal(super().to_internal_value(data))


class _TextFieldSchema(OpenApiSerializerFieldExtension):
    target_class = TextField

    def map_serializer_field(self, auto_schema: Any, direction: str) -> Any:
        # One plain string schema: drf-spectacular's oneOf for text that may be blank would
        # hold no value twice over, and the patterns say whether empty text is taken.
        field = self.target
        default = TEXT_PATTERN if field.allow_blank else NOT_BLANK_PATTERN
        schema: dict[str, Any] = {"type": "string", "pattern": field.pattern or default}
        if field.max_length is not None:
            schema["maxLength"] = field.max_length
        return schema


class _KeyRelatedFieldSchema(OpenApiSerializerFieldExtension):
    target_class = KeyRelatedField

    def map_serializer_field(self, auto_schema: Any, direction: str) -> Any:
        schema = {"type": "string", "pattern": self.target.pattern}
        if self.target.max_length is not None:
            schema["maxLength"] = self.target.max_length
        return schema


class _IdRelatedFieldSchema(OpenApiSerializerFieldExtension):
    target_class = IdRelatedField

    def map_serializer_field(self, auto_schema: Any, direction: str) -> Any:
        return {"type": "integer", "minimum": 1, "maximum": BIGINT_MAX}


class _AmountFieldSchema(OpenApiSerializerFieldExtension):
    target_class = AmountField

    def map_serializer_field(self, auto_schema: Any, direction: str) -> Any:
        return {"type": "string", "format": "decimal", "pattern": f"^{_AMOUNT}$"}
