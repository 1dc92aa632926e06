"""The record of each import of NSF award data, and the storage its upload waits in."""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.db import models

from proposals.models.choices import ImportStatus
from proposals.models.programs import Program


def import_storage() -> Storage:
    """Where uploads wait for their import (STORAGES["imports"]; shared by web and workers)."""
    return storages["imports"]


class ImportRun(models.Model):
    """One import of NSF award data, started from the admin and run by a worker."""

    Status = ImportStatus

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="import_runs")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    queued_at = models.DateTimeField(
        null=True, blank=True, help_text="When its task was last sent to the workers."
    )
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="Last sign of life of the worker running it."
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    phase = models.CharField(max_length=80, blank=True)
    filename = models.CharField(max_length=255)
    upload = models.FileField(
        upload_to="%Y/%m/",
        storage=import_storage,
        max_length=255,
        blank=True,
        editable=False,
        help_text="The uploaded file, kept until it is imported.",
    )
    rerun_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reruns",
        help_text="The run this one runs again.",
    )
    skip_bad = models.BooleanField(default=False)
    dry_run = models.BooleanField(default=False)
    import_all = models.BooleanField(
        default=False, help_text="Import every award, whatever its program element."
    )
    documents_total = models.PositiveIntegerField(default=0)
    documents_done = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)
    skipped = models.JSONField(
        default=list,
        blank=True,
        help_text="The awards it left out and why (the first 1,000; see skipped_unlisted), "
        "with the records of those staff may import anyway.",
    )
    skipped_unlisted = models.PositiveIntegerField(
        default=0, help_text="Awards it left out beyond those listed."
    )
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Import of {self.filename} ({self.get_status_display().lower()})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED, self.Status.INTERRUPTED)
