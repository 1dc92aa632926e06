"""Admin actions that run a service on each selected record and report what happened."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from fairprog.errors import DomainError

AdminAction = Callable[[Any, HttpRequest, QuerySet[Any]], None]


def service_action(
    call: Callable[[Any], object],
    *,
    name: str,
    description: str,
    done: str,
    prepare: Callable[[QuerySet[Any]], QuerySet[Any]] = lambda queryset: queryset,
    permissions: Sequence[str] = ("change",),
) -> AdminAction:
    """An action calling ``call(record)`` for each selected record.

    Each refusal (a DomainError) is shown with its reason; the successes are counted,
    e.g. "3 proposals submitted." The action is offered to users for whom one of the admin's
    ``has_<permission>_permission(request)`` holds (the permission to change, by default).
    """

    def action(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        changed = 0
        for record in prepare(queryset):
            try:
                call(record)
            except DomainError as exc:
                modeladmin.message_user(request, exc.message, messages.ERROR)
            else:
                changed += 1
        if changed:
            model: type[Model] = queryset.model
            noun = model._meta.verbose_name if changed == 1 else model._meta.verbose_name_plural
            modeladmin.message_user(request, f"{changed} {noun} {done}.", messages.SUCCESS)

    action.__name__ = name
    return admin.action(description=description, permissions=list(permissions))(action)
