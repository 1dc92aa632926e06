"""Admin of imports of NSF award data: the upload form that starts a run, and the runs,
which a worker carries out and staff may run again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html, format_html_join

from fairprog.errors import DomainError
from proposals.models import ImportRun, Program
from proposals.nsf.report import SKIP_REASONS, SKIPS_IMPORTABLE
from proposals.services.import_runs import (
    import_run_again,
    import_run_create,
    import_run_import_anyway,
    import_runs_interrupt_stale,
)


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        help_text="NSF award data: bulk XML, Award Search API JSON, bulk JSON, or a .zip of them."
    )
    program = forms.ModelChoiceField(queryset=Program.objects.all())
    skip_bad = forms.BooleanField(
        required=False,
        label="Skip bad files",
        help_text="Import the rest and list malformed files, instead of importing nothing.",
    )
    import_all = forms.BooleanField(
        required=False,
        label="Import all awards",
        help_text="Also awards whose program element is not the program's own.",
    )
    dry_run = forms.BooleanField(
        required=False, label="Dry run", help_text="Report what would change; write nothing."
    )


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = ["filename", "program", "status", "summary", "created_by", "created_at"]
    list_filter = ["status", "program"]
    list_select_related = ["program", "created_by"]
    readonly_fields = [
        "filename",
        "program",
        "status",
        "phase",
        "progress",
        "message",
        "count_table",
        "error_list",
        "skip_bad",
        "import_all",
        "dry_run",
        "created_by",
        "created_at",
        "queued_at",
        "started_at",
        "heartbeat_at",
        "finished_at",
        "rerun_of",
    ]
    fields = list(readonly_fields)
    actions = ["run_again"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a run is a record of what happened; it is not edited

    @admin.display(description="result")
    def summary(self, run: ImportRun) -> str:
        return run.message or run.get_status_display()

    @admin.display(description="progress")
    def progress(self, run: ImportRun) -> str:
        if not run.documents_total:
            return "waiting for a worker" if run.status == ImportRun.Status.QUEUED else "-"
        percent = 100 * run.documents_done // run.documents_total
        return f"{run.documents_done:,} of {run.documents_total:,} documents read ({percent}%)"

    @admin.display(description="counts")
    def count_table(self, run: ImportRun) -> str:
        if not run.counts:
            return "-"
        rows = format_html_join(
            "", "<tr><th scope='row'>{}</th><td>{}</td></tr>", run.counts.items()
        )
        return format_html("<table>{}</table>", rows)

    @admin.display(description="bad input")
    def error_list(self, run: ImportRun) -> str:
        if not run.errors:
            return "none"
        return format_html(
            "<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((e,) for e in run.errors))
        )

    @admin.action(description="Run again (failed or interrupted runs)", permissions=["add"])
    def run_again(self, request: HttpRequest, queryset: QuerySet[ImportRun]) -> None:
        for run in queryset:
            self._run_again(request, run)

    def _run_again(self, request: HttpRequest, run: ImportRun) -> ImportRun | None:
        try:
            again = import_run_again(run=run, created_by=request.user)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return None
        self.message_user(request, f"{again.filename} queued to be imported again.")
        return again

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<path:object_id>/run-again/",
                self.admin_site.admin_view(self.run_again_view),
                name="proposals_importrun_run_again",
            ),
            path(
                "<path:object_id>/import-anyway/",
                self.admin_site.admin_view(self.import_anyway_view),
                name="proposals_importrun_import_anyway",
            ),
            *super().get_urls(),
        ]

    def run_again_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        # Permission first: a refused user learns nothing about which runs exist.
        if not (self.has_view_permission(request) and self.has_add_permission(request)):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        run = self.get_object(request, object_id)
        if run is None:
            raise Http404("No such import run.")
        again = self._run_again(request, run)
        return redirect("admin:proposals_importrun_change", (again or run).pk)

    def import_anyway_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Import one award the run skipped as another program's (POST ``award_number``)."""
        if not (self.has_view_permission(request) and self.has_add_permission(request)):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        run = self.get_object(request, object_id)
        if run is None:
            raise Http404("No such import run.")
        number = request.POST.get("award_number", "").strip()
        try:
            summary = import_run_import_anyway(run=run, award_number=number)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
        else:
            if summary.skipped_older:
                done = "not imported: the award stored is newer than its record"
            elif summary.written:
                done = "imported, marked outside the program"
            else:
                done = "was already stored as its record says, outside the program"
            self.message_user(request, f"Award {number} {done}.")
        return redirect("admin:proposals_importrun_change", run.pk)

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ImportUploadForm(
            request.POST or None,
            request.FILES or None,
            initial={"program": Program.objects.order_by("pk").first()},
        )
        if request.method == "POST" and form.is_valid():
            try:
                run = import_run_create(
                    program=form.cleaned_data["program"],
                    upload=form.cleaned_data["file"],
                    created_by=request.user,
                    skip_bad=form.cleaned_data["skip_bad"],
                    import_all=form.cleaned_data["import_all"],
                    dry_run=form.cleaned_data["dry_run"],
                )
            except DomainError as exc:
                form.add_error("file", exc.message)
            else:
                self.message_user(
                    request, f"{run.filename} uploaded; the import runs in the background."
                )
                return redirect("admin:proposals_importrun_change", run.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": "Import NSF award data",
            "submit_label": "Upload and import",
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/proposals/importrun/upload.html", context)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        run = self.get_object(request, object_id)
        # Staff need not wait for beat to learn that the worker is gone.
        running = run is not None and run.status == ImportRun.Status.RUNNING
        if run is not None and running and import_runs_interrupt_stale(run_ids=[run.pk]):
            run.refresh_from_db()
        extra = {
            "refresh_seconds": 2 if run is not None and not run.is_finished else None,
            "can_run_again": (
                run is not None
                and run.status in (ImportRun.Status.FAILED, ImportRun.Status.INTERRUPTED)
                and bool(run.upload)
                and self.has_add_permission(request)
            ),
            "can_import_anyway": self.has_add_permission(request),
            "skipped": _skipped_rows(run) if run is not None else [],
        }
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})


def _skipped_rows(run: ImportRun) -> list[dict[str, Any]]:
    """The run's skipped awards as its page lists them (the records they keep stay out)."""
    return [
        {
            "award_number": entry.get("award_number", ""),
            "title": entry.get("title", ""),
            "reason": SKIP_REASONS.get(entry.get("reason", ""), entry.get("reason", "")),
            "why": entry.get("why", ""),
            "source": entry.get("source", ""),
            "importable": entry.get("reason") in SKIPS_IMPORTABLE and bool(entry.get("record")),
            "imported_anyway": bool(entry.get("imported_anyway")),
        }
        for entry in run.skipped
    ]
