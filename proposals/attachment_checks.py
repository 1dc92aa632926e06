"""What an attached file may be, told from its content: PDF, XLSX, DOCX, CSV or plain text;
its uploaded name made safe to keep; and the upload handler that stops reading a file that
is too large."""

from __future__ import annotations

import codecs
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile

MB = 1024 * 1024
# The form field that carries an attachment, so the upload handler watches only it.
UPLOAD_FIELD = "attachment_file"
# Where the upload handler leaves its refusals on the request, by the field's full name.
REFUSALS = "attachment_upload_refusals"

# Office files are zip archives: what their declared sizes may be before a reader trusts them.
ZIP_MAX_ENTRIES = 5000
ZIP_MAX_EXPANDED = 256 * MB
ZIP_MAX_RATIO = 100
# Members smaller than this expanded are never called bombs, however well they compress.
ZIP_RATIO_FLOOR = MB
TEXT_SAMPLE = 64 * 1024


@dataclass(frozen=True)
class FileType:
    key: str
    label: str
    content_type: str


TYPES = {
    "pdf": FileType("pdf", "a PDF document", "application/pdf"),
    "xlsx": FileType(
        "xlsx",
        "an XLSX spreadsheet",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    "docx": FileType(
        "docx",
        "a DOCX document",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "csv": FileType("csv", "CSV text", "text/csv; charset=utf-8"),
    "text": FileType("text", "plain text", "text/plain; charset=utf-8"),
}
# The names each type may carry; CSV and plain text differ only by name.
EXTENSIONS = {".pdf": "pdf", ".xlsx": "xlsx", ".docx": "docx", ".csv": "csv", ".txt": "text"}
EXTENSIONS[".md"] = "text"

# Other formats, named in the refusal so staff know what they sent.
KNOWN_MAGIC = [
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a legacy Office file (.doc or .xls)"),
    (b"MZ", "a Windows program"),
    (b"\x7fELF", "a Linux program"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"{\\rtf", "an RTF document"),
]


class UnacceptableFile(ValueError):
    """The file is not one we keep; the message says what was found."""


@dataclass(frozen=True)
class CheckedFile:
    name: str
    type: FileType
    size: int


def max_bytes() -> int:
    return int(settings.ATTACHMENT_MAX_MB) * MB


def sanitise_name(raw: str) -> str:
    """The last path part of ``raw`` with no control, format or separator characters, no
    leading dots, at most 200 characters with its extension kept; never empty."""
    name = unicodedata.normalize("NFC", raw or "")
    name = re.split(r"[\\/]", name)[-1]
    # Control and format characters (NUL, bidirectional overrides) never reach a header.
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] not in {"C", "Z"} or ch == " ")
    name = " ".join(name.split()).strip(" .")
    stem, dot, ext = name.rpartition(".")
    if not dot or len(ext) > 10:
        stem, ext = name, ""
    stem = stem[: 200 - len(ext) - 1].rstrip(" .")
    if not stem:
        return f"attachment.{ext}" if ext else "attachment"
    return f"{stem}.{ext}" if ext else stem


def _extension(name: str) -> str:
    _, dot, ext = name.rpartition(".")
    return f".{ext.lower()}" if dot else ""


def check_file(file: IO[bytes], *, name: str, size: int) -> CheckedFile:
    """Accept ``file`` as one of TYPES, by its content and then its name, or raise
    UnacceptableFile naming what was found. Reads what it needs, from the start."""
    limit = max_bytes()
    if size > limit:
        raise UnacceptableFile(
            f"The file is {size / MB:.1f} MB; attachments may be at most {limit // MB} MB."
        )
    if size == 0:
        raise UnacceptableFile("The file is empty.")
    safe_name = sanitise_name(name)
    extension = _extension(safe_name)
    if extension not in EXTENSIONS:
        allowed = ", ".join(EXTENSIONS)
        has = f'"{extension}"' if extension else "no extension"
        raise UnacceptableFile(f"The file name must end in one of {allowed} (it has {has}).")
    found = _detect(file)
    named = TYPES[EXTENSIONS[extension]]
    if found.key == "text" and named.key in {"csv", "text"}:
        found = named
    if found.key != named.key:
        raise UnacceptableFile(
            f"The file is named {extension} but its content is {found.label}: "
            "rename it or attach the right file."
        )
    return CheckedFile(name=safe_name, type=found, size=size)


def _detect(file: IO[bytes]) -> FileType:
    file.seek(0)
    head = file.read(1024)
    file.seek(0)
    if head.lstrip().startswith(b"%PDF-"):
        return TYPES["pdf"]
    if head.startswith(b"PK\x03\x04"):
        return _office_type(file)
    for magic, label in KNOWN_MAGIC:
        if head.startswith(magic):
            raise UnacceptableFile(
                f"The file is {label}; attachments may be PDF, XLSX, DOCX, CSV or plain text."
            )
    if head.startswith(b"PK"):
        raise UnacceptableFile("The file is a damaged or split zip archive.")
    if _is_text(file):
        return TYPES["text"]
    raise UnacceptableFile(
        "The file is binary data of an unknown kind; attachments may be PDF, XLSX, DOCX, "
        "CSV or plain text."
    )


def _office_type(file: IO[bytes]) -> FileType:
    """XLSX or DOCX by the parts the archive declares, refusing an archive whose declared
    sizes no office file has (a zip bomb); nothing is expanded."""
    try:
        with zipfile.ZipFile(file) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UnacceptableFile(f"The file is a damaged zip archive ({exc}).") from exc
    finally:
        file.seek(0)
    if len(members) > ZIP_MAX_ENTRIES:
        raise UnacceptableFile(
            f"The file is a zip archive of {len(members)} parts; an office file has fewer "
            f"than {ZIP_MAX_ENTRIES}."
        )
    expanded = sum(member.file_size for member in members)
    if expanded > ZIP_MAX_EXPANDED:
        raise UnacceptableFile(
            f"The file is a zip archive that declares {expanded / MB:.0f} MB expanded; "
            f"at most {ZIP_MAX_EXPANDED // MB} MB is accepted."
        )
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > ZIP_RATIO_FLOOR and ratio > ZIP_MAX_RATIO:
            raise UnacceptableFile(
                f'The file is a zip archive whose part "{sanitise_name(member.filename)}" '
                f"expands {ratio:.0f} times; at most {ZIP_MAX_RATIO} times is accepted."
            )
    names = {member.filename for member in members}
    if "[Content_Types].xml" not in names:
        raise UnacceptableFile("The file is a zip archive, not an office document.")
    if "xl/workbook.xml" in names:
        return TYPES["xlsx"]
    if "word/document.xml" in names:
        return TYPES["docx"]
    if "ppt/presentation.xml" in names:
        raise UnacceptableFile("The file is a PowerPoint presentation (PPTX).")
    raise UnacceptableFile("The file is an office archive that is neither XLSX nor DOCX.")


def _is_text(file: IO[bytes]) -> bool:
    """UTF-8 text (a BOM allowed) with no control characters but tab and line breaks."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    try:
        while chunk := file.read(TEXT_SAMPLE):
            text = decoder.decode(chunk)
            if any(ord(ch) < 32 and ch not in "\t\n\r\f" for ch in text) or "\x7f" in text:
                return False
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    finally:
        file.seek(0)
    return True


class AttachmentUploadLimit(FileUploadHandler):
    """Stops reading an attachment as soon as it passes ATTACHMENT_MAX_MB: the rest of it
    is skipped unstored, the other fields of the form still arrive, and the refusal is left
    on the request for the form to show. Other uploads pass through untouched."""

    watching = False
    received = 0

    def new_file(self, field_name: str, *args: Any, **kwargs: Any) -> None:
        super().new_file(field_name, *args, **kwargs)
        self.watching = field_name == UPLOAD_FIELD or field_name.endswith(f"-{UPLOAD_FIELD}")
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if self.watching:
            self.received += len(raw_data)
            if self.received > max_bytes():
                if self.request is not None:
                    refusals = self.request.__dict__.setdefault(REFUSALS, {})
                    refusals[self.field_name] = (
                        f"The file is larger than {max_bytes() // MB} MB, the most an "
                        "attachment may be."
                    )
                raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None
