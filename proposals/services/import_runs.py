"""Imports run by a worker, started from the admin: the stored upload, the queued run,
its heartbeat while it runs, and the periodic pass that finds runs whose worker went
silent or whose message was lost. The import itself is ``imports.awards_import``.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db import DatabaseError, connections, transaction
from django.db.models import F, Q
from django.db.models.functions import Greatest
from django.utils import timezone

from fairprog import queueing
from fairprog.errors import DomainError
from proposals.models import ImportRun, Program
from proposals.nsf.documents import Document, DocumentSet, upload_problem
from proposals.nsf.records import record_from_json
from proposals.nsf.report import SKIPS_IMPORTABLE
from proposals.services.imports import (
    ImportAborted,
    ImportProgress,
    ImportSummary,
    awards_import,
)

logger = logging.getLogger(__name__)


def import_run_create(
    *,
    program: Program,
    upload: File[Any],
    created_by: Any = None,
    skip_bad: bool = False,
    dry_run: bool = False,
    import_all: bool = False,
) -> ImportRun:
    """Store an uploaded file and queue its import once the upload is committed. The file
    is copied to the imports storage in chunks (or moved, when Django already spooled it
    to disk): it is never read into memory here."""
    filename = Path(upload.name or "").name
    problem, short = upload_problem(
        filename, upload.size, max_bytes=settings.IMPORT_MAX_UPLOAD_BYTES
    )
    if problem:
        raise DomainError(problem, errors={"file": [short]})
    run = ImportRun(
        program=program,
        created_by=created_by,
        filename=filename,
        queued_at=timezone.now(),
        # What staff asked of the run; "Run again" repeats it.
        skip_bad=skip_bad,
        dry_run=dry_run,
        import_all=import_all,
    )
    run.upload.save(filename, upload, save=False)
    try:
        with transaction.atomic():
            run.save()
            _import_run_queue(run.pk)
    except BaseException:
        run.upload.delete(save=False)
        raise
    return run


# Sent by name: the tasks module calls this one, never the reverse.
EXECUTE_TASK = "proposals.tasks.import_run_execute_task"


def _import_run_queue(run_id: int) -> None:
    queueing.queue_after_commit(EXECUTE_TASK, (run_id,), what=f"import run {run_id}")


def import_run_again(*, run: ImportRun, created_by: Any = None) -> ImportRun:
    """A new run of a failed or interrupted run's file, with the same options. The stored
    file moves to the new run, which is queued once this commits."""
    with transaction.atomic():
        old = ImportRun.objects.select_for_update().get(pk=run.pk)
        if old.status not in (ImportRun.Status.FAILED, ImportRun.Status.INTERRUPTED):
            raise DomainError(
                f"{old} can be run again only once it has failed or been interrupted."
            )
        if not old.upload:
            raise DomainError(
                f"The file of {old} is no longer stored (it was run again, or imported); "
                "upload it again."
            )
        again = ImportRun.objects.create(
            program_id=old.program_id,
            created_by=created_by,
            filename=old.filename,
            upload=old.upload.name,
            rerun_of=old,
            queued_at=timezone.now(),
            skip_bad=old.skip_bad,
            dry_run=old.dry_run,
            import_all=old.import_all,
        )
        ImportRun.objects.filter(pk=old.pk).update(upload="")
        _import_run_queue(again.pk)
    return again


def import_run_import_anyway(*, run: ImportRun, award_number: str) -> ImportSummary:
    """Import one award that ``run`` left out as not the program's, from the record the run
    kept (its file may be gone), through the same import: the award is marked outside the
    program. Raises DomainError when the run did not skip such an award, or it was done."""
    with transaction.atomic():
        locked = ImportRun.objects.select_for_update().select_related("program").get(pk=run.pk)
        entries = list(locked.skipped)
        index = next(
            (
                i
                for i, entry in enumerate(entries)
                if entry.get("award_number") == award_number
                and entry.get("reason") in SKIPS_IMPORTABLE
                and entry.get("record")
            ),
            None,
        )
        if index is None:
            raise DomainError(
                f"{locked} did not skip award {award_number or '(none given)'} as another "
                "program's, so there is nothing to import anyway."
            )
        entry = entries[index]
        if entry.get("imported_anyway"):
            raise DomainError(f"Award {award_number} was already imported anyway.")
        document = Document(
            source=entry.get("source") or locked.filename,
            records=(record_from_json(entry["record"]),),
        )
        summary = awards_import(documents=[document], program=locked.program, anyway={award_number})
        if not summary.skipped_older:  # else the award stored is newer: it stays as it is
            entries[index] = {**entry, "imported_anyway": True}
            ImportRun.objects.filter(pk=locked.pk).update(skipped=entries)
    return summary


def import_run_execute(*, run_id: int) -> ImportRun | None:
    """Run a queued import. Running it again, or for a run already claimed, does nothing."""
    now = timezone.now()
    claimed = ImportRun.objects.filter(pk=run_id, status=ImportRun.Status.QUEUED).update(
        status=ImportRun.Status.RUNNING, started_at=now, heartbeat_at=now, phase="reading"
    )
    if not claimed:
        return None
    run = ImportRun.objects.select_related("program").get(pk=run_id)

    def progress(step: ImportProgress) -> None:
        if step.phase != "reading":
            return  # writing happens inside one transaction; its updates would not show
        done = step.done >= step.total
        ImportRun.objects.filter(pk=run_id, status=ImportRun.Status.RUNNING).update(
            documents_done=step.done,
            documents_total=step.total,
            counts=step.summary.as_counts(),
            phase="writing awards" if done else "reading",
            heartbeat_at=timezone.now(),
        )

    try:
        with _heartbeat(run_id), _stored_file(run) as path:
            documents = DocumentSet([path], source=run.filename)
            summary = awards_import(
                documents=documents,
                program=run.program,
                import_all=run.import_all,
                skip_bad=run.skip_bad,
                dry_run=run.dry_run,
                documents_total=documents.count(),
                progress=progress,
            )
    except ImportAborted as exc:
        _import_run_finish(
            run, status=ImportRun.Status.FAILED, summary=exc.summary, message=exc.message
        )
    except DomainError as exc:
        _import_run_finish(run, status=ImportRun.Status.FAILED, summary=None, message=exc.message)
    except Exception:
        # The details (paths, exception) are for the log, not for the run page.
        logger.exception("Import run %s stopped on an unexpected error", run_id)
        _import_run_finish(
            run,
            status=ImportRun.Status.FAILED,
            summary=None,
            message=(
                f"The import stopped on an unexpected error; nothing was imported. The "
                f"worker's log has the details (import run {run_id})."
            ),
        )
        raise
    else:
        verb = "Would import" if summary.dry_run else "Imported"
        skipped = (
            summary.skipped_other_program
            + summary.skipped_no_program_element
            + summary.skipped_older
        )
        message = (
            f"{verb} {summary.created:,} new and {summary.updated:,} updated awards; "
            f"{summary.unchanged:,} unchanged, {skipped:,} skipped, {len(summary.bad):,} bad, "
            f"in {summary.seconds:.1f}s."
            + (" The skipped awards are listed below, with why." if summary.skipped else "")
        )
        _import_run_finish(run, status=ImportRun.Status.SUCCEEDED, summary=summary, message=message)
    run.refresh_from_db()
    return run


@contextmanager
def _heartbeat(run_id: int) -> Iterator[None]:
    """Marks the run alive every IMPORT_HEARTBEAT_SECONDS from a thread of its own, with a
    connection of its own: the import's writes are one transaction, whose updates nobody
    would see before it ends. A killed worker stops beating; see import_runs_interrupt_stale.
    (On SQLite, which locks the whole file while the import writes, beats wait for it.)"""
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(settings.IMPORT_HEARTBEAT_SECONDS):
                try:
                    ImportRun.objects.filter(pk=run_id, status=ImportRun.Status.RUNNING).update(
                        heartbeat_at=timezone.now()
                    )
                except DatabaseError:
                    logger.info("Import run %s: heartbeat not recorded", run_id, exc_info=True)
        finally:
            connections.close_all()

    thread = threading.Thread(target=beat, name=f"import-run-{run_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


@contextmanager
def _stored_file(run: ImportRun) -> Iterator[Path]:
    """A local path of the run's upload: the stored file itself on a file system storage,
    else a copy made in chunks into a scratch directory (removed afterwards)."""
    missing = DomainError(f"The file of {run} is no longer stored; upload it again to import it.")
    name = run.upload.name
    if not name:
        raise missing
    storage = run.upload.storage
    try:
        local = Path(storage.path(name))
    except NotImplementedError:
        local = None
    if local is not None:
        if not local.is_file():
            raise missing
        yield local
        return
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / Path(name).name
        try:
            with run.upload.open("rb") as stored, path.open("wb") as copy:
                shutil.copyfileobj(stored, copy, 1 << 20)
        except FileNotFoundError:
            raise missing from None
        yield path


def _import_run_finish(
    run: ImportRun, *, status: str, summary: ImportSummary | None, message: str
) -> None:
    values: dict[str, Any] = {
        "status": status,
        "phase": "",
        "finished_at": timezone.now(),
        "message": message,
    }
    if summary is not None:
        values.update(
            counts=summary.as_counts(),
            errors=summary.bad,
            skipped=summary.skipped,
            skipped_unlisted=summary.skipped_unlisted,
            documents_done=summary.documents,
            documents_total=Greatest(F("documents_total"), summary.documents),
        )
    # An interrupted mark was a guess from a silent heartbeat; the worker's word wins.
    finished = ImportRun.objects.filter(
        pk=run.pk, status__in=[ImportRun.Status.RUNNING, ImportRun.Status.INTERRUPTED]
    ).update(**values)
    if not finished or status != ImportRun.Status.SUCCEEDED:
        return  # a failed run keeps its file, so staff can run it again
    stored = ImportRun.objects.filter(pk=run.pk).values_list("upload", flat=True).first()
    if stored:  # the file is no longer needed once imported
        run.upload.storage.delete(stored)
        ImportRun.objects.filter(pk=run.pk).update(upload="")


def import_runs_interrupt_stale(
    *, now: dt.datetime | None = None, run_ids: Sequence[int] | None = None
) -> int:
    """Mark interrupted the running imports whose worker went silent for longer than
    IMPORT_RUN_STALE_SECONDS (killed, or its machine gone). Returns how many."""
    now = now or timezone.now()
    limit = now - dt.timedelta(seconds=settings.IMPORT_RUN_STALE_SECONDS)
    stale = ImportRun.objects.filter(status=ImportRun.Status.RUNNING).filter(
        Q(heartbeat_at__lt=limit) | Q(heartbeat_at__isnull=True, started_at__lt=limit)
    )
    if run_ids is not None:
        stale = stale.filter(pk__in=list(run_ids))
    marked = 0
    for run in stale.only("pk", "phase", "heartbeat_at", "started_at"):
        last = timezone.localtime(run.heartbeat_at or run.started_at or now)
        message = (
            f"Interrupted: the worker stopped while {run.phase or 'importing'} (no sign of "
            f"life since {last:%Y-%m-%d %H:%M:%S %Z}). Nothing was imported. Its file is "
            "still stored: use “Run again” to import it."
        )
        # Only if it did not beat in between (the worker was slow, not gone).
        marked += ImportRun.objects.filter(
            pk=run.pk, status=ImportRun.Status.RUNNING, heartbeat_at=run.heartbeat_at
        ).update(status=ImportRun.Status.INTERRUPTED, phase="", finished_at=now, message=message)
    return marked


def import_runs_requeue(*, now: dt.datetime | None = None) -> int:
    """Queue again the runs still waiting IMPORT_REQUEUE_SECONDS after they were queued
    (their message was never published, or was lost). A run already taken by a worker
    is not run twice. Returns how many were published."""
    now = now or timezone.now()
    limit = now - dt.timedelta(seconds=settings.IMPORT_REQUEUE_SECONDS)
    waiting = ImportRun.objects.filter(status=ImportRun.Status.QUEUED).filter(
        Q(queued_at__lt=limit) | Q(queued_at__isnull=True)
    )
    ids = list(waiting.order_by("pk").values_list("pk", flat=True))
    if not ids:
        return 0
    ImportRun.objects.filter(pk__in=ids, status=ImportRun.Status.QUEUED).update(queued_at=now)
    return queueing.queue_now(
        EXECUTE_TASK, *[(pk,) for pk in ids], what=f"{len(ids)} waiting import run(s)"
    )


def import_runs_recover(*, now: dt.datetime | None = None) -> tuple[int, int]:
    """Beat's periodic pass: (runs marked interrupted, waiting runs queued again)."""
    now = now or timezone.now()
    return import_runs_interrupt_stale(now=now), import_runs_requeue(now=now)
