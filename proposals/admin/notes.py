"""Admin of the staff's internal notes and attachments: their threads and uploads on the
proposal and award pages, the list of attachments, and the one way a file is read back
(a download that checks the permission)."""

from __future__ import annotations

import zoneinfo
from typing import Any, cast

import markdown as markdown_lib
import nh3
from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import FileResponse, Http404, HttpRequest
from django.template.defaultfilters import filesizeformat, linebreaksbr
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from fairprog.errors import DomainError
from proposals.attachment_checks import REFUSALS, UPLOAD_FIELD
from proposals.models import Attachment, Award, InternalNote, Proposal
from proposals.models.notes import attachment_storage
from proposals.services.notes import (
    NOTE_MAX_CHARS,
    attachment_add,
    attachment_check,
    attachment_delete,
    note_add,
    note_delete,
)

_ALLOWED_TAGS = {
    "p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a",
    "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "hr",
}  # fmt: skip


def note_html(note: InternalNote) -> SafeString:
    """A note as HTML: Markdown cleaned by nh3 to a few tags (no scripts, no styles, links
    only to http(s) and mailto), plain text escaped with its line breaks kept."""
    if note.text_format != InternalNote.Format.MARKDOWN:
        return linebreaksbr(note.text, autoescape=True)
    rendered = markdown_lib.markdown(note.text, extensions=["extra", "sane_lists"])
    cleaned = nh3.clean(
        rendered,
        tags=_ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
    )
    return mark_safe(cleaned)  # noqa: S308 - sanitised by nh3 above


def _signed(record: InternalNote | Attachment, user: User, when: Any) -> str:
    """Who and when, the time in the zone of the program of the record's proposal or award."""
    if record.proposal_id is not None:
        zone = record.proposal.cycle.program.time_zone  # type: ignore[union-attr]
    else:
        zone = record.award.program.time_zone  # type: ignore[union-attr]
    local = timezone.localtime(when, zoneinfo.ZoneInfo(zone))
    return f"{user.get_full_name() or user.get_username()}, {date_format(local, 'DATETIME_FORMAT')}"


def _with_targets(queryset: QuerySet[Any]) -> QuerySet[Any]:
    return queryset.select_related("proposal__cycle__program", "award__program")


def _download_link(attachment: Attachment) -> str:
    url = reverse("admin:proposals_attachment_download", args=[attachment.pk])
    return format_html('<a href="{}">{}</a>', url, attachment.original_name)


# --- The notes thread ---------------------------------------------------------------------


class NoteThreadFormSet(BaseInlineFormSet):
    def save_through_services(self, *, user: User) -> None:
        self.new_objects, self.changed_objects = [], []
        self.deleted_objects = [form.instance for form in self.deleted_forms if form.instance.pk]
        for note in self.deleted_objects:
            note_delete(note=note, by=user)


class NoteThreadInline(admin.TabularInline):
    """The notes so far, oldest first, read-only: a note is never edited once written."""

    model = InternalNote
    formset = NoteThreadFormSet
    fields = readonly_fields = ("note", "written")
    extra = 0
    verbose_name = "internal note"
    verbose_name_plural = "internal notes (confidential: staff only)"

    def get_queryset(self, request: HttpRequest) -> QuerySet[InternalNote]:
        return _with_targets(super().get_queryset(request)).select_related("author")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="note")
    def note(self, note: InternalNote) -> SafeString:
        return note_html(note)

    @admin.display(description="written by, at (program's time zone)")
    def written(self, note: InternalNote) -> str:
        return _signed(note, note.author, note.created_at)


class NoteAddForm(forms.ModelForm):
    text = forms.CharField(
        label="note",
        max_length=NOTE_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        help_text="Plain text, or Markdown when the format says so. Notes cannot be edited later.",
    )

    class Meta:
        model = InternalNote
        fields = ["text", "text_format"]


class NoteAddFormSet(BaseInlineFormSet):
    def save_through_services(self, *, user: User) -> None:
        self.changed_objects, self.deleted_objects = [], []
        self.new_objects = [
            note_add(
                target=self.instance,
                author=user,
                text=form.cleaned_data["text"],
                text_format=form.cleaned_data["text_format"],
            )
            for form in self.forms
            if form.has_changed() and form.cleaned_data.get("text")
        ]


class NoteAddInline(admin.StackedInline):
    """One new note, written by whoever saves the page."""

    model = InternalNote
    form = NoteAddForm
    formset = NoteAddFormSet
    fields = ["text", "text_format"]
    extra = max_num = 1
    can_delete = False
    verbose_name = "new internal note"
    verbose_name_plural = "add an internal note"

    def get_queryset(self, request: HttpRequest) -> QuerySet[InternalNote]:
        return InternalNote.objects.none()

    # Shown only to those who may add: there is nothing else in it.
    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- Attachments -----------------------------------------------------------------------------


class AttachmentListFormSet(BaseInlineFormSet):
    def save_through_services(self, *, user: User) -> None:
        self.new_objects, self.changed_objects = [], []
        self.deleted_objects = [form.instance for form in self.deleted_forms if form.instance.pk]
        for attachment in self.deleted_objects:
            attachment_delete(attachment=attachment, by=user)


class AttachmentListInline(admin.TabularInline):
    model = Attachment
    formset = AttachmentListFormSet
    fields = readonly_fields = ("file", "kind", "size", "uploaded")
    extra = 0
    verbose_name_plural = "attachments (confidential: staff only)"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Attachment]:
        return _with_targets(super().get_queryset(request)).select_related("uploaded_by")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="file")
    def file(self, attachment: Attachment) -> str:
        return _download_link(attachment)

    @admin.display(description="size")
    def size(self, attachment: Attachment) -> str:
        return filesizeformat(attachment.size)

    @admin.display(description="uploaded by, at (program's time zone)")
    def uploaded(self, attachment: Attachment) -> str:
        return _signed(attachment, attachment.uploaded_by, attachment.uploaded_at)


class AttachmentAddForm(forms.ModelForm):
    attachment_file = forms.FileField(
        label="file",
        help_text="PDF, XLSX, DOCX, CSV or plain text; checked by its content.",
    )

    class Meta:
        model = Attachment
        fields = ["kind"]

    def __init__(self, *args: Any, refusals: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.refusal = (refusals or {}).get(self.add_prefix(UPLOAD_FIELD))

    def has_changed(self) -> bool:
        # A file refused while it arrived is not in the data: the row still has to say so.
        return bool(self.refusal) or super().has_changed()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.refusal:
            self.add_error(UPLOAD_FIELD, self.refusal)
        elif upload := cleaned.get(UPLOAD_FIELD):
            try:
                attachment_check(upload)
            except DomainError as exc:
                self.add_error(UPLOAD_FIELD, exc.message)
        return cleaned


class AttachmentAddFormSet(BaseInlineFormSet):
    refusals: dict[str, str] = {}

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {**super().get_form_kwargs(index), "refusals": self.refusals}

    def save_through_services(self, *, user: User) -> None:
        self.changed_objects, self.deleted_objects = [], []
        self.new_objects = [
            attachment_add(
                target=self.instance,
                uploaded_by=user,
                upload=form.cleaned_data[UPLOAD_FIELD],
                kind=form.cleaned_data["kind"],
            )
            for form in self.forms
            if form.has_changed() and form.cleaned_data.get(UPLOAD_FIELD)
        ]


class AttachmentAddInline(admin.TabularInline):
    """New files, recorded with who uploaded them and when."""

    model = Attachment
    form = AttachmentAddForm
    formset = AttachmentAddFormSet
    fields = ["kind", UPLOAD_FIELD]
    extra = 1
    max_num = 5
    can_delete = False
    verbose_name = "new attachment"
    verbose_name_plural = "attach files"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Attachment]:
        return Attachment.objects.none()

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = cast(type[AttachmentAddFormSet], super().get_formset(request, obj, **kwargs))
        formset.refusals = getattr(request, REFUSALS, {})
        return formset


NOTES_INLINES = [NoteThreadInline, NoteAddInline, AttachmentListInline, AttachmentAddInline]


class NotesAdminMixin:
    """Puts the staff's notes and attachments on a proposal's or an award's change page (not
    on its add page: a note needs its record) and saves them through their services."""

    def get_inlines(self, request: HttpRequest, obj: Any) -> list[Any]:
        inlines = list(super().get_inlines(request, obj))  # type: ignore[misc]
        return inlines if obj is None else [*inlines, *NOTES_INLINES]

    def get_formset_kwargs(
        self, request: HttpRequest, obj: Any, inline: Any, prefix: str
    ) -> dict[str, Any]:
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)  # type: ignore[misc]
        total = f"{prefix}-TOTAL_FORMS"
        if (
            isinstance(inline, tuple(NOTES_INLINES))
            and "data" in kwargs
            and total not in kwargs["data"]
        ):
            # A post from a page without these sections (a workflow step, a script) adds and
            # deletes nothing here, rather than failing the whole page.
            data = kwargs["data"].copy()
            data[total] = data[f"{prefix}-INITIAL_FORMS"] = "0"
            kwargs["data"] = data
        return kwargs

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        save = getattr(formset, "save_through_services", None)
        if save is None:
            super().save_formset(request, form, formset, change)  # type: ignore[misc]
            return
        save(user=request.user)


# --- The attachments list and the download -------------------------------------------------


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    """Every attachment, read-only; deleting one deletes its file (a permission of its own)."""

    list_display = ["original_name", "kind", "attached_to", "size", "uploaded_by", "uploaded_at"]
    list_filter = ["kind"]
    search_fields = ["original_name"]
    fields = readonly_fields = (
        "download",
        "kind",
        "attached_to",
        "content_type",
        "size",
        "sha256",
        "uploaded_by",
        "uploaded_at",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Attachment]:
        return _with_targets(super().get_queryset(request)).select_related("uploaded_by")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="file")
    def download(self, attachment: Attachment) -> str:
        return _download_link(attachment)

    @admin.display(description="size", ordering="size")
    def size(self, attachment: Attachment) -> str:
        return filesizeformat(attachment.size)

    @admin.display(description="attached to")
    def attached_to(self, attachment: Attachment) -> str:
        target: Proposal | Award | None = attachment.proposal or attachment.award
        if target is None:
            return "-"
        opts = target._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[target.pk])
        return format_html('{} <a href="{}">{}</a>', opts.verbose_name, url, target)

    def delete_model(self, request: HttpRequest, obj: Attachment) -> None:
        attachment_delete(attachment=obj, by=cast(User, request.user))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Attachment]) -> None:
        for attachment in queryset:
            attachment_delete(attachment=attachment, by=cast(User, request.user))

    def get_urls(self) -> list[Any]:
        download = path(
            "<path:object_id>/download/",
            self.admin_site.admin_view(self.download_view),
            name="proposals_attachment_download",
        )
        return [download, *super().get_urls()]

    def download_view(self, request: HttpRequest, object_id: str) -> FileResponse:
        """The file, streamed as a download that no browser renders in place."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        if request.method not in ("GET", "HEAD"):
            raise PermissionDenied  # reading only; the files change through the record's page
        attachment = self.get_object(request, unquote(object_id))
        if attachment is None:
            raise Http404("No such attachment.")
        try:
            handle = attachment_storage().open(attachment.stored_name, "rb")
        except (FileNotFoundError, OSError) as exc:
            raise Http404("The file of this attachment is missing from storage.") from exc
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=attachment.original_name,
            content_type=attachment.content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response
