"""Project-level views: the health check and the page the link checker's User-Agent names."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django.views.defaults import page_not_found

from fairprog.health import health_report


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    body, healthy = health_report(details=request.user.is_staff)
    return JsonResponse(body, status=200 if healthy else 503)


@require_safe
def link_checker(request: HttpRequest) -> HttpResponse:
    """What the link checker does, for site operators who see it in their logs."""
    from artifacts.linkcheck import CheckerConfig

    return render(
        request,
        "link_checker.html",
        {
            "user_agent": CheckerConfig.from_settings().user_agent,
            "per_host": settings.LINKCHECK_PER_HOST,
            "interval": f"{settings.LINKCHECK_HOST_INTERVAL:g}",
            "healthy_days": f"{settings.LINKCHECK_HEALTHY_DAYS:g}",
            "failing_days": f"{settings.LINKCHECK_FAILING_DAYS:g}",
        },
    )


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """404s under /api/ keep the API's JSON error shape; pages keep the HTML one."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return page_not_found(request, exception)
