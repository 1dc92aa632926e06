"""Staff's internal notes and attachments on proposals and awards: adding and deleting them.
Notes are never edited; files are checked by content before anything is stored."""

from __future__ import annotations

import hashlib
import uuid

from django.contrib.auth.models import User
from django.core.files import File
from django.db import transaction
from django.db.models import Model

from fairprog.errors import DomainError
from proposals.attachment_checks import CheckedFile, UnacceptableFile, check_file
from proposals.models import Attachment, Award, InternalNote, Proposal
from proposals.models.notes import attachment_storage

NOTE_MAX_CHARS = 20_000


def _target_fields(target: Proposal | Award) -> dict[str, Model]:
    if isinstance(target, Proposal):
        return {"proposal": target}
    if isinstance(target, Award):
        return {"award": target}
    raise DomainError("Notes and attachments belong to a proposal or an award.")


def _require_staff(user: User, *, doing: str) -> None:
    if not (user and user.is_active and user.is_staff):
        raise DomainError(f"Only program staff may {doing}.")


def note_add(
    *,
    target: Proposal | Award,
    author: User,
    text: str,
    text_format: str = InternalNote.Format.PLAIN,
) -> InternalNote:
    """Add a note to the thread of ``target``, written by ``author`` now."""
    _require_staff(author, doing="write internal notes")
    text = (text or "").strip()
    if not text:
        raise DomainError("A note needs some text.", errors={"text": ["Write the note."]})
    if len(text) > NOTE_MAX_CHARS:
        message = f"A note may be at most {NOTE_MAX_CHARS} characters (this one has {len(text)})."
        raise DomainError(message, errors={"text": [message]})
    if "\x00" in text:
        raise DomainError("A note cannot hold a NUL character.", errors={"text": ["NUL found."]})
    if text_format not in InternalNote.Format.values:
        message = f'Unknown note format "{text_format}".'
        raise DomainError(message, errors={"text_format": [message]})
    fields = _target_fields(target)
    with transaction.atomic():
        return InternalNote.objects.create(
            **fields, author=author, text=text, text_format=text_format
        )


def note_delete(*, note: InternalNote, by: User) -> None:
    """Delete a note: a permission of its own, since the thread is the staff's record."""
    if not by.has_perm("proposals.delete_internalnote"):
        raise DomainError("Deleting an internal note needs the permission to delete notes.")
    note.delete()


def attachment_check(upload: File) -> CheckedFile:
    """The upload accepted as an attachment, or a DomainError naming what is wrong with it."""
    try:
        return check_file(upload, name=upload.name or "", size=upload.size or 0)
    except UnacceptableFile as exc:
        raise DomainError(str(exc), errors={"file": [str(exc)]}) from exc


def attachment_add(
    *,
    target: Proposal | Award,
    uploaded_by: User,
    upload: File,
    kind: str = Attachment.Kind.OTHER,
) -> Attachment:
    """Keep ``upload`` (a Django File) attached to ``target``. The stored name is our own
    (the target and a random id), so nothing of the uploaded name reaches the storage."""
    _require_staff(uploaded_by, doing="attach files")
    if kind not in Attachment.Kind.values:
        message = f'Unknown kind of attachment "{kind}".'
        raise DomainError(message, errors={"kind": [message]})
    fields = _target_fields(target)
    checked = attachment_check(upload)
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    owner = "proposal" if "proposal" in fields else "award"
    extension = checked.name.rpartition(".")[2].lower()
    storage = attachment_storage()
    stored = storage.save(f"{owner}s/{target.pk}/{uuid.uuid4().hex}.{extension}", upload)
    try:
        with transaction.atomic():
            return Attachment.objects.create(
                **fields,
                kind=kind,
                original_name=checked.name,
                stored_name=stored,
                content_type=checked.type.content_type,
                size=checked.size,
                sha256=digest.hexdigest(),
                uploaded_by=uploaded_by,
            )
    except BaseException:
        storage.delete(stored)
        raise


def attachment_delete(*, attachment: Attachment, by: User) -> None:
    """Delete an attachment and, once that is committed, its file."""
    if not by.has_perm("proposals.delete_attachment"):
        raise DomainError("Deleting an attachment needs the permission to delete attachments.")
    stored = attachment.stored_name
    with transaction.atomic():
        attachment.delete()
        transaction.on_commit(lambda: attachment_storage().delete(stored))
