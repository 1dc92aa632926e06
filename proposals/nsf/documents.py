"""What an import reads: NSF documents in files, directories and zip archives, told
apart by their content, and the caps that refuse an upload, a zip bomb or a huge JSON
object before it is expanded. Nothing here touches the database.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from proposals.nsf.json import json_list_records, json_object_records
from proposals.nsf.records import AwardRecord, NSFFormatError
from proposals.nsf.xml import xml_records


@dataclass(frozen=True)
class ReadLimits:
    """Caps on what one import may read: zip bombs and huge JSON objects are refused
    before they are expanded. Each names the setting that raises it."""

    max_expanded_bytes: int = 1024**3
    max_zip_ratio: float = 100
    max_zip_entries: int = 100_000
    max_json_object_bytes: int = 32 * 1024**2

    @classmethod
    def from_settings(cls) -> ReadLimits:
        from django.conf import settings

        return cls(
            max_expanded_bytes=settings.IMPORT_MAX_EXPANDED_BYTES,
            max_zip_ratio=settings.IMPORT_MAX_ZIP_RATIO,
            max_zip_entries=settings.IMPORT_MAX_ZIP_ENTRIES,
            max_json_object_bytes=settings.IMPORT_MAX_JSON_OBJECT_BYTES,
        )


@dataclass(frozen=True)
class Document:
    source: str
    data: bytes = b""
    # Set when the container itself could not be read (a corrupt or refused zip archive).
    error: str = ""
    # Streams the document instead of ``data``. A zip member's stream reads from the open
    # archive, so it is valid only until the next document is taken from the iterator.
    opener: Callable[[], IO[bytes]] | None = field(default=None, compare=False, repr=False)
    # Records already read (kept by an earlier import), given instead of bytes.
    records: tuple[AwardRecord, ...] = field(default=(), compare=False, repr=False)

    def open(self) -> IO[bytes]:
        return self.opener() if self.opener is not None else io.BytesIO(self.data)

    def loaded(self) -> Document:
        """This document with its bytes in memory, to keep once the iterator moves on."""
        if self.opener is None or self.records:
            return self
        with self.open() as stream:
            return Document(source=self.source, data=stream.read(), error=self.error)


def parse_document(data: bytes, *, source: str) -> list[AwardRecord]:
    """Parse one document, telling XML from the two JSON formats by its content."""
    return list(iter_records(Document(source=source, data=data)))


def iter_records(document: Document, *, limits: ReadLimits | None = None) -> Iterator[AwardRecord]:
    """The awards of one document, read incrementally; ``NSFFormatError`` when it is not
    NSF award data (possibly after some awards were yielded: the caller drops them)."""
    if document.error:
        raise NSFFormatError(document.source, document.error)
    if document.records:
        yield from document.records
        return
    limits = limits or ReadLimits()
    source = document.source
    try:
        with document.open() as raw:
            head, stream = _first_byte(raw)
            if head == b"<":
                yield from xml_records(stream, source=source)
            elif head == b"[":
                yield from json_list_records(stream, source=source)
            elif head == b"{":
                data = stream.read(limits.max_json_object_bytes + 1)
                if len(data) > limits.max_json_object_bytes:
                    raise NSFFormatError(
                        source,
                        f"refused: a JSON object larger than {limits.max_json_object_bytes:,} "
                        "bytes (IMPORT_MAX_JSON_OBJECT_BYTES)",
                    )
                yield from json_object_records(data, source=source)
            else:
                raise NSFFormatError(source, "neither XML nor JSON")
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise NSFFormatError(source, f"a corrupt zip member ({exc})") from None


def _first_byte(raw: IO[bytes]) -> tuple[bytes, IO[bytes]]:
    """The first byte that is not white space, and a stream that still starts at the top."""
    read = b""
    while len(read) < 2**20:
        chunk = raw.read(65536)
        if not chunk:
            break
        read += chunk
        stripped = read.lstrip()
        if stripped:
            return stripped[:1], io.BufferedReader(_Rewound(read, raw), 1 << 16)
    return read.lstrip()[:1], io.BufferedReader(_Rewound(read, raw), 1 << 16)


class _Rewound(io.RawIOBase):
    """A stream that gives back the bytes already read before the rest of ``rest``."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self._head = memoryview(head)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._head:
            size = min(len(buffer), len(self._head))
            buffer[:size] = self._head[:size]
            self._head = self._head[size:]
            return size
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


_DOCUMENT_SUFFIXES = {".xml", ".json"}
# What an import takes: documents, and zip archives of them.
ACCEPTED_SUFFIXES = _DOCUMENT_SUFFIXES | {".zip"}


def upload_problem(filename: str, size: int | None, *, max_bytes: int) -> tuple[str, str]:
    """Why an uploaded file is refused before it is stored, at length and in short (for
    the upload form's field); ("", "") when it is not. A file larger than an upload may be
    is still imported from the command line, which reads it where it lies."""
    if Path(filename).suffix.lower() not in ACCEPTED_SUFFIXES:
        return (
            f"{filename} is not NSF award data: upload an .xml, .json or .zip file.",
            "Upload an .xml, .json or .zip file.",
        )
    if size is not None and size > max_bytes:
        return (
            f"{filename} is larger than the {max_bytes:,} bytes an upload may have "
            "(IMPORT_MAX_UPLOAD_BYTES); import it with `python manage.py import_nsf_awards`.",
            "File too large for upload.",
        )
    return "", ""


def iter_documents(
    paths: Iterable[Path], *, limits: ReadLimits | None = None
) -> Iterator[Document]:
    """Every XML/JSON document in files, directories (recursively) and zip archives.
    Documents are streamed: read each before taking the next."""
    limits = limits or ReadLimits.from_settings()
    for path in paths:
        if path.is_dir():
            children = sorted(p for p in path.rglob("*") if p.is_file())
            yield from iter_documents(
                (p for p in children if p.suffix.lower() in ACCEPTED_SUFFIXES),
                limits=limits,
            )
        else:
            yield from iter_file_documents(path, source=str(path), limits=limits)


def iter_file_documents(
    path: Path, *, source: str, limits: ReadLimits | None = None
) -> Iterator[Document]:
    """The documents of one file (itself, or a zip's members), named after ``source``
    rather than where the file happens to be stored."""
    limits = limits or ReadLimits.from_settings()
    if path.suffix.lower() == ".zip" or zipfile.is_zipfile(path):
        yield from _zip_documents(path, source=source, limits=limits)
    else:
        yield Document(source=source, opener=lambda: path.open("rb"))


def _zip_documents(path: Path, *, source: str, limits: ReadLimits) -> Iterator[Document]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        yield Document(source=source, error="not a readable zip archive")
        return
    with archive:
        members = [info for info in archive.infolist() if not info.is_dir()]
        problem = _archive_problem(members, limits, stored_bytes=path.stat().st_size)
        if problem:
            yield Document(source=source, error=problem)
            return
        for info in sorted(members, key=lambda i: i.filename):
            if Path(info.filename).suffix.lower() not in _DOCUMENT_SUFFIXES:
                continue
            yield Document(
                source=f"{source}!{info.filename}",
                opener=lambda info=info: archive.open(info),  # type: ignore[misc]
            )


def _archive_problem(
    members: Sequence[zipfile.ZipInfo], limits: ReadLimits, *, stored_bytes: int
) -> str:
    """Why an archive is refused before anything in it is expanded ("" when it is not).
    The sizes are the archive's own claims, which zipfile enforces while reading (a
    member that expands past its stated size fails its check)."""
    if len(members) > limits.max_zip_entries:
        return (
            f"refused: the archive holds {len(members):,} files, over the limit of "
            f"{limits.max_zip_entries:,} (IMPORT_MAX_ZIP_ENTRIES)"
        )
    expanded = sum(info.file_size for info in members)
    if expanded > limits.max_expanded_bytes:
        return (
            f"refused: the archive expands to {expanded:,} bytes, over the limit of "
            f"{limits.max_expanded_bytes:,} bytes (IMPORT_MAX_EXPANDED_BYTES)"
        )
    ratios = [(info.file_size / max(info.compress_size, 1), info.filename) for info in members]
    ratios.append((expanded / max(stored_bytes, 1), "the archive"))
    ratio, what = max(ratios, default=(0.0, ""))
    if ratio > limits.max_zip_ratio:
        return (
            f"refused: {what} expands {ratio:,.0f} times its compressed size, over the "
            f"limit of {limits.max_zip_ratio:,} (IMPORT_MAX_ZIP_RATIO)"
        )
    return ""


class DocumentSet:
    """The documents of files, directories and zips, readable more than once: an import
    checks everything before writing anything, then reads again to write, so it never
    holds more than one batch of awards in memory."""

    def __init__(
        self, paths: Sequence[Path], *, source: str = "", limits: ReadLimits | None = None
    ) -> None:
        if source and len(paths) != 1:
            raise ValueError("a source name stands for one file")
        self.paths = list(paths)
        self.source = source
        self.limits = limits or ReadLimits.from_settings()

    def __iter__(self) -> Iterator[Document]:
        if self.source:
            return iter_file_documents(self.paths[0], source=self.source, limits=self.limits)
        return iter_documents(self.paths, limits=self.limits)

    def count(self) -> int:
        return count_documents(self.paths)


def count_documents(paths: Iterable[Path]) -> int:
    """How many documents ``iter_documents`` will yield, without reading them."""
    total = 0
    for path in paths:
        if path.is_dir():
            total += count_documents(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in ACCEPTED_SUFFIXES
            )
        elif path.suffix.lower() == ".zip" or zipfile.is_zipfile(path):
            try:
                with zipfile.ZipFile(path) as archive:
                    total += sum(
                        1
                        for info in archive.infolist()
                        if not info.is_dir()
                        and Path(info.filename).suffix.lower() in _DOCUMENT_SUFFIXES
                    )
            except zipfile.BadZipFile:
                total += 1
        else:
            total += 1
    return total
