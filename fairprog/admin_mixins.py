"""Checks every FairProg model admin makes beyond Django's own: who may export and revert."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse
from import_export.admin import ExportMixin
from simple_history.admin import SimpleHistoryAdmin

from fairprog.catalogue_version import catalogue_changed_on_commit


class ExportAdminMixin(ExportMixin):
    """Admin exports (every format, the form and the file) need the permission to view.

    django-import-export checks the permission named by IMPORT_EXPORT_EXPORT_PERMISSION_CODE
    ("view" in FairProg's settings); without that setting it lets any staff user export
    every row, so the admin's own view permission is required here as well.
    """

    def has_export_permission(self, request: HttpRequest) -> bool:
        return bool(super().has_export_permission(request)) and bool(
            self.has_view_permission(request)
        )


class HistoryAdmin(SimpleHistoryAdmin):
    """The history of a record, read with the permission to view it; reverting needs more."""

    def history_form_view(
        self,
        request: HttpRequest,
        object_id: str,
        version_id: str,
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        # django-simple-history saves a POST to this page (a revert to an old version)
        # after checking only the permission to view the history, with every field editable.
        if request.method == "POST" and not self.has_change_permission(request):
            raise PermissionDenied
        response: HttpResponse = super().history_form_view(
            request, object_id, version_id, extra_context
        )
        return response


class DeclaredActionPermissionsMixin:
    """An admin action that declares no permission is offered only to users who may change
    the records: Django offers it to anyone who may view the list (third-party admins, such
    as django-axes' "Clean up expired attempts", declare none)."""

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions: dict[str, Any] = super().get_actions(request)  # type: ignore[misc]
        if self.has_change_permission(request):  # type: ignore[attr-defined]
            return actions
        return {
            name: action
            for name, action in actions.items()
            if getattr(action[0], "allowed_permissions", None)
        }


class CatalogueAdminMixin:
    """For the admin of a model the public catalogue shows (artifacts, awards, cycles,
    organisations, vocabularies): a save, a delete or a change of its relations moves the
    catalogue version after the commit, as the services do, so cached counts are redone."""

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)  # type: ignore[misc]
        catalogue_changed_on_commit()

    def save_related(
        self, request: HttpRequest, form: ModelForm, formsets: Any, change: bool
    ) -> None:
        super().save_related(request, form, formsets, change)  # type: ignore[misc]
        catalogue_changed_on_commit()

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        super().delete_model(request, obj)  # type: ignore[misc]
        catalogue_changed_on_commit()

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        super().delete_queryset(request, queryset)  # type: ignore[misc]
        catalogue_changed_on_commit()
