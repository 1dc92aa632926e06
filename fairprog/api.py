"""Shared pieces of the public API: the renderers, cursor pagination, conditional GETs, the
query-parameter filters, and the mixin whose writes go through the services."""

from __future__ import annotations

import datetime
import hashlib
from abc import ABC, abstractmethod
from typing import Any

import django_filters
import orjson
from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, Max, QuerySet
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.utils.encoders import JSONEncoder

# Registers the schema extension that describes the filters' parameters.
from fairprog import api_descriptions  # noqa: F401

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


class EncodingRenderer(BaseRenderer, ABC):
    """A renderer whose body depends on the data alone: ``encode`` writes it."""

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: dict[str, Any] | None = None,
    ) -> bytes:
        return self.encode(data)

    @abstractmethod
    def encode(self, data: Any) -> bytes:
        """The body for ``data``."""


class OrjsonRenderer(EncodingRenderer):
    """JSON through orjson: several times faster than the standard library's encoder."""

    media_type = "application/json"
    format = "json"
    charset = None

    def encode(self, data: Any) -> bytes:
        if data is None:
            return b""
        return orjson.dumps(
            data,
            default=JSONEncoder().default,
            # Dates and date-times written natively, UTC as "…Z" as DRF writes them.
            option=orjson.OPT_NON_STR_KEYS | orjson.OPT_UTC_Z,
        )


class FilterBackend(DjangoFilterBackend):
    """django-filter, skipped when the request names none of the filters (the common
    unfiltered list): building and validating the filter form has nothing to do then."""

    def filter_queryset(self, request: Request, queryset: QuerySet[Any], view: Any) -> Any:
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None or not set(request.query_params) & set(
            filterset_class.base_filters
        ):
            return queryset
        return super().filter_queryset(request, queryset, view)


class StableCursorPagination(CursorPagination):
    """Cursor pagination: stable under inserts, fast at any depth.

    ``page_size`` may be asked for up to 100; more, or a value that is not a whole
    number, is a 400 naming the parameter rather than a silent cap.
    """

    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    invalid_cursor_message = "Invalid cursor: use the next or previous link of a page."
    max_page_size = MAX_PAGE_SIZE
    ordering = ("-id",)

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        # isascii: str.isdigit() also accepts "²", which int() refuses.
        if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= self.max_page_size:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        f"Must be a whole number from 1 to {self.max_page_size}."
                    ]
                }
            )
        return int(raw)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.cursor_query_param:
                # The next and previous links' cursors: base64 text.
                parameter["schema"] = {"type": "string", "pattern": "^[A-Za-z0-9+/=]*$"}
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": self.max_page_size,
                    "default": self.page_size,
                }
        return parameters

    def paginate_queryset(
        self, queryset: QuerySet[Any], request: Request, view: Any = None
    ) -> list[Any] | None:
        ordering = getattr(view, "cursor_ordering", None)
        if callable(ordering):
            self.ordering = ordering(request)
        self._queryset = queryset  # decode_cursor checks the position against its fields
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request: Request) -> Cursor | None:
        """DRF's decoding, and a position that must be a value of the first ordering
        field: a forged one ("p=abc" for a date) would otherwise reach the database as a
        filter it cannot apply, a 500. A cursor FairProg did not write is a bad request
        (400, naming the parameter), not a missing page as DRF answers."""
        try:
            cursor: Cursor | None = super().decode_cursor(request)
        except NotFound:
            cursor = None
        else:
            if cursor is None or cursor.position is None:
                return cursor
            position = self._checked_position(cursor.position)
            if position is not None:
                return cursor._replace(position=position)
        raise ValidationError({self.cursor_query_param: [self.invalid_cursor_message]})

    def _checked_position(self, position: str) -> str | None:
        """The position as the query may use it, or None if it cannot be one."""
        name = self.ordering[0].lstrip("-")
        queryset = self._queryset
        field: Any
        if name in queryset.query.annotations:
            field = queryset.query.annotations[name].output_field
        else:
            try:
                field = queryset.model._meta.get_field(name)
            except FieldDoesNotExist:
                return None
        if "\x00" in position:
            return None
        try:
            value = field.clean(position, None)
        except (DjangoValidationError, TypeError, ValueError, OverflowError):
            return None
        # Date-time positions are written in UTC; another offset (or none) is not one of
        # ours, and PostgreSQL refuses offsets beyond 16 hours.
        if isinstance(value, datetime.datetime) and value.utcoffset() != datetime.timedelta(0):
            return None
        return position


class PublicCacheMixin:
    """Public API responses may be cached by browsers and proxies for a short while.

    Date-times are written in UTC ("…Z"), whatever the program's time zone.
    """

    cache_seconds = 60

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        timezone.activate(datetime.UTC)
        super().initial(request, *args, **kwargs)  # type: ignore[misc]

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        timezone.deactivate()
        if request.method in ("GET", "HEAD") and response.status_code in (200, 304):
            if request.user.is_authenticated:
                response["Cache-Control"] = "private, no-cache"
            else:
                response["Cache-Control"] = f"public, max-age={self.cache_seconds}"
            patch_vary_headers(response, ["Accept"])
        return response


class ConditionalGetMixin(PublicCacheMixin):
    """ETag and Last-Modified from the newest ``updated_at`` of what a request returns.

    One small aggregate query decides: a conditional request that still matches gets a
    304 at once, without loading or serialising a single row. Only public rows may count
    (the queryset a view answers from, and what ``also_changed`` reads): a validator that
    moved with a draft would tell anyone when unpublished work changed.
    """

    def also_changed(self, queryset: QuerySet[Any]) -> tuple[Any, int]:
        """When anything else the answer shows about the rows of ``queryset`` last changed,
        and how many such things there are; (None, 0) when nothing else."""
        return None, 0

    def _validators(self, request: Request, queryset: QuerySet[Any]) -> tuple[str, Any]:
        stamp = queryset.order_by().aggregate(last=Max("updated_at"), n=Count("*"))
        also, also_n = self.also_changed(queryset)
        last = max((t for t in (stamp["last"], also) if t is not None), default=None)
        accept = request.META.get("HTTP_ACCEPT", "")
        key = f"{request.get_full_path()}|{accept}|{stamp['last']}|{stamp['n']}|{also}|{also_n}"
        return f'"{hashlib.sha256(key.encode()).hexdigest()[:32]}"', last

    def _conditional(self, request: Request, queryset: QuerySet[Any], render: Any) -> Any:
        etag, last_modified = self._validators(request, queryset)
        last = last_modified.timestamp() if last_modified else None
        not_modified = get_conditional_response(
            request._request, etag=etag, last_modified=int(last) if last else None
        )
        response = Response(status=304) if not_modified is not None else render()
        if response.status_code in (200, 304):
            response["ETag"] = etag
            if last_modified:
                response["Last-Modified"] = http_date(last_modified.timestamp())
        return response

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        queryset = self.filter_queryset(self.get_queryset())  # type: ignore[attr-defined]
        return self._conditional(
            request,
            queryset,
            lambda: super(ConditionalGetMixin, self).list(request, *args, **kwargs),  # type: ignore[misc]
        )


# --- Query parameter filters whose schema says exactly what they accept -----------

# Control characters other than tab and line breaks are refused with a 400 (NUL would
# reach PostgreSQL as an error); the schema says so, so clients know up front.
TEXT_SCHEMA = {
    "type": "string",
    "pattern": "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f]*$",
}


@extend_schema_field({**TEXT_SCHEMA, "maxLength": 200})
class TextFilter(django_filters.CharFilter):
    """Free text up to 200 characters (the catalogue pages read no more of a search
    either); longer is a 400 naming the parameter, not a pattern the database chokes on."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 200)
        super().__init__(*args, **kwargs)


@extend_schema_field(TEXT_SCHEMA)
class SlugInFilter(django_filters.BaseInFilter, django_filters.CharFilter):
    """Comma-separated values; an unknown value matches nothing."""


class OneValueEach:
    """A FilterSet mixin: a parameter that takes one value, given twice (``?ordering=x&
    ordering=newest``), is a 400 naming it, not read as its last value. Lists are given
    comma-separated, or repeated where the filter takes several (kinds, link states)."""

    def is_valid(self) -> bool:
        valid = bool(super().is_valid())  # type: ignore[misc]
        data, form = self.data, self.form  # type: ignore[attr-defined]
        for name, filter_ in self.filters.items():  # type: ignore[attr-defined]
            if isinstance(filter_, django_filters.MultipleChoiceFilter):
                continue
            if hasattr(data, "getlist") and len(data.getlist(name)) > 1:
                if name in form.fields:
                    form.add_error(name, "Given more than once: give it once.")
                valid = False
        return valid


class _RefusesEmpty:
    """A form field for a parameter whose declared type (an integer, a date-time, one of
    a list) has no empty value: given empty (``?after=``) it is a 400 naming the parameter;
    left out, its filter does nothing."""

    def to_python(self, value: Any) -> Any:
        if value == "":
            raise DjangoValidationError("Empty: give a value or leave the parameter out.")
        return super().to_python(value)  # type: ignore[misc]


class _IntegerField(_RefusesEmpty, forms.IntegerField):
    pass


class _BoundedNumbers:
    minimum, maximum = 1, 2**31 - 1
    field_class = _IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", self.minimum)
        kwargs.setdefault("max_value", self.maximum)
        super().__init__(*args, **kwargs)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": 2**31 - 1})
class IdFilter(_BoundedNumbers, django_filters.NumberFilter):
    """A record id; out-of-range values are a 400, never a database error."""


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": 2**31 - 1})
class IdInFilter(_BoundedNumbers, django_filters.BaseInFilter, django_filters.NumberFilter):
    """Comma-separated ids; an empty item (``1,,2``) is a 400, an empty list matches all."""


@extend_schema_field({"type": "integer", "minimum": 1900, "maximum": 2200})
class YearFilter(_BoundedNumbers, django_filters.NumberFilter):
    minimum, maximum = 1900, 2200


@extend_schema_field({"type": "integer", "minimum": 1900, "maximum": 2200})
class YearInFilter(_BoundedNumbers, django_filters.BaseInFilter, django_filters.NumberFilter):
    minimum, maximum = 1900, 2200


class _ChoiceField(_RefusesEmpty, django_filters.fields.ChoiceField):
    pass


class ChoiceFilter(django_filters.ChoiceFilter):
    """One of a list; given empty, a 400 as any other value off the list."""

    field_class = _ChoiceField


class _UtcDateTimeField(_RefusesEmpty, django_filters.fields.IsoDateTimeField):
    """ISO 8601 date-time, converted to UTC (PostgreSQL refuses offsets beyond ±16 hours)."""

    def to_python(self, value: Any) -> Any:
        parsed = super().to_python(value)
        if parsed is None:
            return None
        if parsed.tzinfo is None:
            return parsed
        try:
            return parsed.astimezone(datetime.UTC)
        except OverflowError:  # past the first or last representable instant
            edge = datetime.datetime.min if parsed.year < 1000 else datetime.datetime.max
            return edge.replace(tzinfo=datetime.UTC)


class UtcDateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 date-time with its offset (``2024-05-01T12:00:00Z``); empty is a 400."""

    field_class = _UtcDateTimeField


class NamedFormatMixin:
    """``?format=`` names one of the view's representations: any other value, the empty
    one included, is a 404 that lists them (DRF ignores an empty one, and answers an
    unknown one with a bare "Not found.")."""

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        given = request.query_params.get(api_settings.URL_FORMAT_OVERRIDE or "format")
        if given is not None and not force:
            known = [renderer.format for renderer in self.get_renderers()]  # type: ignore[attr-defined]
            if given not in known:
                raise NotFound(
                    f"Unknown format {given!r} (the format parameter): this resource is "
                    f"available as {', '.join(known)}."
                )
        return super().perform_content_negotiation(request, force)  # type: ignore[misc]


class StaffWriteOrReadOnly(BasePermission):
    """Anyone may read; only authenticated staff with the model permission may write."""

    message = "Only program staff may change records through the API."

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in SAFE_METHODS:
            return True
        user = request.user
        if not (user and user.is_authenticated and user.is_staff):
            return False
        model = view.get_queryset().model
        action = "add" if request.method == "POST" and not view.kwargs else "change"
        return bool(user.has_perm(f"{model._meta.app_label}.{action}_{model._meta.model_name}"))


class ServiceWriteMixin:
    """Writes validated by ``write_serializer_class`` (whose save calls the services),
    answered with the read representation of the record as it now stands. Records are
    created and changed this way; nothing is deleted through the API."""

    http_method_names = ["get", "head", "options", "post", "put", "patch"]
    serializer_class: Any
    write_serializer_class: Any
    request: Request
    action: str

    def get_serializer_class(self) -> Any:
        if self.action in ("create", "update", "partial_update"):
            return self.write_serializer_class
        return self.serializer_class

    def read_one(self, record: Any) -> Any:
        return self.get_queryset().get(pk=record.pk)  # type: ignore[attr-defined]

    def respond_with(self, record: Any, status: int = 200) -> Response:
        data = self.serializer_class(self.read_one(record), context={"request": self.request}).data
        return Response(data, status)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.write_serializer_class(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        return self.respond_with(serializer.save(), status=201)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.write_serializer_class(
            self.get_object(),  # type: ignore[attr-defined]
            data=request.data,
            partial=kwargs.pop("partial", False),
            context={"request": request},
        )
        serializer.is_valid(raise_exception=True)
        return self.respond_with(serializer.save())


def write_schema(write: Any, read: Any) -> Any:
    """OpenAPI for a viewset using ServiceWriteMixin: requests and responses of writes."""
    from drf_spectacular.utils import extend_schema_view

    return extend_schema_view(
        create=extend_schema(request=write, responses={201: read}),
        update=extend_schema(request=write, responses={200: read}),
        partial_update=extend_schema(request=write, responses={200: read}),
    )
