"""FairProg's admin site: its index is the program staff's portfolio dashboard
(fairprog.portfolio.dashboard), and "View on site" redirects only for records the user may
view.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_permission_codename
from django.contrib.contenttypes import views as contenttype_views
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, URLResolver, path

from fairprog.admin_mixins import DeclaredActionPermissionsMixin
from fairprog.portfolio import dashboard


class FairProgAdminSite(admin.AdminSite):
    site_header = "FairProg administration"
    site_title = "FairProg"
    index_title = "Portfolio dashboard"
    index_template = "admin/dashboard.html"

    def register(
        self,
        model_or_iterable: Any,
        admin_class: type[admin.ModelAdmin[Any]] | None = None,
        **options: Any,
    ) -> None:
        # Every model admin, the apps' own and third-party ones alike, offers actions that
        # declare no permission only to users who may change the records.
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, DeclaredActionPermissionsMixin):
            admin_class = type(
                admin_class.__name__,
                (DeclaredActionPermissionsMixin, admin_class),
                {"__module__": admin_class.__module__, "__qualname__": admin_class.__qualname__},
            )
        super().register(model_or_iterable, admin_class, **options)

    def index(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        form = dashboard.filter_form(request)
        if request.GET.get("format") == "csv":
            return dashboard.chart_csv(request, form.scope())
        context = {**dashboard.dashboard_context(request, form), **(extra_context or {})}
        response: TemplateResponse = super().index(request, context)
        return response

    def get_urls(self) -> list[URLPattern | URLResolver]:
        return [
            path(
                "r/<int:content_type_id>/<path:object_id>/",
                self.admin_view(self.view_on_site),
                name="view_on_site",
            )
            if getattr(url, "name", None) == "view_on_site"
            else url
            for url in super().get_urls()
        ]

    def view_on_site(
        self, request: HttpRequest, content_type_id: int, object_id: str
    ) -> HttpResponse:
        """Django's "View on site" redirect, for users who may view the record: Django's own
        answers any staff user, telling apart records that exist from those that do not."""
        content_type = ContentType.objects.filter(pk=content_type_id).first()
        model = content_type.model_class() if content_type else None
        if model is None:
            raise PermissionDenied
        opts = model._meta
        model_admin = self._registry.get(model)
        if model_admin is not None:
            # The model's admin decides (the review queue asks for its own permission).
            allowed = model_admin.has_view_or_change_permission(request)
        else:
            allowed = any(
                request.user.has_perm(f"{opts.app_label}.{get_permission_codename(action, opts)}")
                for action in ("view", "change")
            )
        if not allowed:
            raise PermissionDenied
        response: HttpResponse = contenttype_views.shortcut(request, content_type_id, object_id)
        return response
