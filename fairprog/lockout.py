"""The page django-axes shows instead of the admin login after too many failed attempts."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    response = TemplateResponse(
        request,
        "admin/locked_out.html",
        {
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "cooloff_minutes": minutes,
            "site_header": "FairProg administration",
            "site_title": "FairProg",
        },
        status=429,
    )
    response["Retry-After"] = str(minutes * 60)
    return response.render()
