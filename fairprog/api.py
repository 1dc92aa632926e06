"""Shared pieces of the public API: the orjson renderer and cursor pagination."""

from __future__ import annotations

from typing import Any

import orjson
from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.utils.encoders import JSONEncoder

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


class OrjsonRenderer(BaseRenderer):
    """JSON through orjson: several times faster than the standard library's encoder."""

    media_type = "application/json"
    format = "json"
    charset = None

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: dict[str, Any] | None = None,
    ) -> bytes:
        if data is None:
            return b""
        return orjson.dumps(
            data,
            default=JSONEncoder().default,
            option=orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME,
        )


class StableCursorPagination(CursorPagination):
    """Cursor pagination: stable under inserts, fast at any depth.

    ``page_size`` may be asked for up to 100; more, or a value that is not a whole
    number, is a 400 naming the parameter rather than a silent cap.
    """

    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    ordering = ("-id",)

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isdigit() or not 1 <= int(raw) <= self.max_page_size:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        f"Must be a whole number from 1 to {self.max_page_size}."
                    ]
                }
            )
        return int(raw)

    def paginate_queryset(
        self, queryset: QuerySet[Any], request: Request, view: Any = None
    ) -> list[Any] | None:
        ordering = getattr(view, "cursor_ordering", None)
        if callable(ordering):
            self.ordering = ordering(request)
        return super().paginate_queryset(queryset, request, view)
