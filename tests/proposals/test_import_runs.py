"""Imports started from the admin and run by a Celery worker."""

import datetime as dt
import re
import tempfile
import zipfile
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from fairprog.errors import DomainError
from proposals.models import Award, ImportRun, ProgramElement
from proposals.services.import_runs import (
    import_run_again,
    import_run_create,
    import_run_execute,
    import_runs_interrupt_stale,
    import_runs_requeue,
)
from tests.conftest import wait_until
from tests.proposals.factories import ProgramFactory

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "nsf"


@pytest.fixture
def program(db):
    program = ProgramFactory()
    program.program_elements.add(ProgramElement.objects.create(code="114Y"))
    return program


def _stored_run(program, filename, data, **fields) -> ImportRun:
    run = ImportRun(program=program, filename=filename, **fields)
    run.upload.save(filename, ContentFile(data), save=True)
    return run


def _zip_of(tmp_path, *names) -> bytes:
    archive = tmp_path / "awards.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for name in names:
            zipped.write(FIXTURES / name, arcname=name)
    return archive.read_bytes()


@pytest.mark.django_db
def test_import_run_execute_records_counts_and_drops_the_file(program, tmp_path):
    run = _stored_run(
        program,
        "awards.zip",
        _zip_of(tmp_path, "nsf-xml-1740741.xml", "nsf-xml-1709151.xml"),
        import_all=True,
    )
    stored = Path(run.upload.path)
    import_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == ImportRun.Status.SUCCEEDED
    assert run.counts["created"] == 2
    assert run.documents_done == run.documents_total == 2
    assert not run.upload
    assert not stored.exists()
    assert "Imported 2 new" in run.message
    assert Award.objects.count() == 2


@pytest.mark.django_db
def test_import_run_with_a_bad_file_fails_and_imports_nothing(program, tmp_path):
    run = _stored_run(
        program,
        "awards.zip",
        _zip_of(tmp_path, "nsf-xml-1740741.xml", "nsf-bad-1507053.xml"),
        import_all=True,
    )
    import_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == ImportRun.Status.FAILED
    assert "nothing imported" in run.message
    assert any("line 26, column 653" in error for error in run.errors)
    assert not Award.objects.exists()


@pytest.mark.django_db
def test_import_run_execute_runs_a_run_only_once(program, tmp_path):
    run = _stored_run(
        program, "a.xml", (FIXTURES / "nsf-xml-1740741.xml").read_bytes(), import_all=True
    )
    assert import_run_execute(run_id=run.pk) is not None
    assert import_run_execute(run_id=run.pk) is None


@pytest.mark.django_db
def test_import_run_create_refuses_a_file_that_is_not_award_data(program):
    with pytest.raises(DomainError, match=r"upload an \.xml, \.json or \.zip file"):
        import_run_create(program=program, upload=ContentFile(b"%PDF", name="awards.pdf"))


@pytest.mark.django_db
def test_admin_upload_keeps_the_form_on_a_wrong_file_type(staff_client, program):
    response = staff_client.post(
        reverse("admin:proposals_importrun_add"),
        {
            "program": program.pk,
            "skip_bad": "on",
            "file": SimpleUploadedFile("notes.txt", b"hello"),
        },
    )
    assert response.status_code == 200
    assert b"upload an .xml, .json or .zip file" in response.content
    assert re.search(rb'<input[^>]*name="skip_bad"[^>]*checked', response.content)
    assert not ImportRun.objects.exists()


@pytest.mark.django_db
def test_admin_import_run_page_refreshes_until_finished(staff_client, program):
    run = _stored_run(program, "a.xml", b"<x/>")
    url = reverse("admin:proposals_importrun_change", args=[run.pk])
    assert b'http-equiv="refresh"' in staff_client.get(url).content
    ImportRun.objects.filter(pk=run.pk).update(status=ImportRun.Status.SUCCEEDED)
    page = staff_client.get(url)
    assert b'http-equiv="refresh"' not in page.content
    assert staff_client.get(reverse("admin:proposals_importrun_changelist")).status_code == 200


@pytest.mark.slow
def test_admin_upload_is_imported_by_a_real_worker(
    celery_worker_process, staff_client, program, tmp_path
):
    response = staff_client.post(
        reverse("admin:proposals_importrun_add"),
        {
            "program": program.pk,
            "import_all": "on",
            "file": SimpleUploadedFile(
                "awards.zip", _zip_of(tmp_path, "nsf-xml-0829619.xml", "nsf-xml-0814242.xml")
            ),
        },
    )
    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:proposals_importrun_change", args=[run.pk])
    assert wait_until(lambda: ImportRun.objects.get().is_finished)
    run.refresh_from_db()
    assert run.status == ImportRun.Status.SUCCEEDED, run.message
    assert run.created_by.username == "officer"
    assert set(Award.objects.values_list("award_number", flat=True)) == {"0829619", "0814242"}
    page = staff_client.get(response["Location"])
    assert b"Imported 2 new" in page.content


# --- Interrupted runs, lost messages, running again -----------------------------------


def _running_since(program, seconds_ago: int, *, phase: str = "reading") -> ImportRun:
    run = _stored_run(program, "a.xml", (FIXTURES / "nsf-xml-1740741.xml").read_bytes())
    long_ago = timezone.now() - dt.timedelta(seconds=seconds_ago)
    ImportRun.objects.filter(pk=run.pk).update(
        status=ImportRun.Status.RUNNING, started_at=long_ago, heartbeat_at=long_ago, phase=phase
    )
    return run


@pytest.mark.django_db
def test_a_silent_running_run_is_marked_interrupted_when_staff_view_it(
    staff_client, program, settings
):
    settings.IMPORT_RUN_STALE_SECONDS = 60
    run = _running_since(program, 120, phase="writing awards")
    page = staff_client.get(reverse("admin:proposals_importrun_change", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == ImportRun.Status.INTERRUPTED
    assert "stopped while writing awards" in run.message
    assert b'http-equiv="refresh"' not in page.content
    assert b"Run again" in page.content


@pytest.mark.django_db
def test_a_run_with_a_recent_heartbeat_is_left_running(program, settings):
    settings.IMPORT_RUN_STALE_SECONDS = 60
    run = _running_since(program, 10)
    assert import_runs_interrupt_stale() == 0
    run.refresh_from_db()
    assert run.status == ImportRun.Status.RUNNING


@pytest.mark.django_db
def test_a_run_left_queued_is_queued_again_by_the_recovery_pass(program, settings):
    settings.IMPORT_REQUEUE_SECONDS = 60
    run = _stored_run(program, "a.xml", b"<x/>")
    ImportRun.objects.filter(pk=run.pk).update(queued_at=timezone.now() - dt.timedelta(seconds=120))
    fresh = _stored_run(program, "b.xml", b"<x/>", queued_at=timezone.now())
    assert import_runs_requeue() == 1
    run.refresh_from_db()
    assert timezone.now() - run.queued_at < dt.timedelta(seconds=10)
    assert ImportRun.objects.get(pk=fresh.pk).queued_at == fresh.queued_at


@pytest.mark.django_db
def test_run_again_moves_the_stored_file_to_a_new_queued_run(staff_client, program, settings):
    settings.IMPORT_RUN_STALE_SECONDS = 60
    run = _running_since(program, 120)
    import_runs_interrupt_stale()
    name = ImportRun.objects.get(pk=run.pk).upload.name

    response = staff_client.post(reverse("admin:proposals_importrun_run_again", args=[run.pk]))

    again = ImportRun.objects.get(rerun_of=run)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:proposals_importrun_change", args=[again.pk])
    assert again.status == ImportRun.Status.QUEUED
    assert again.upload.name == name
    assert again.created_by.username == "officer"
    assert not ImportRun.objects.get(pk=run.pk).upload


@pytest.mark.django_db
def test_run_again_refuses_a_run_that_succeeded(program):
    run = _stored_run(program, "a.xml", b"<x/>", status=ImportRun.Status.SUCCEEDED)
    with pytest.raises(DomainError, match="only once it has failed or been interrupted"):
        import_run_again(run=run)


@pytest.mark.django_db
def test_import_errors_name_the_uploaded_file_not_where_the_worker_keeps_it(
    program, tmp_path, settings
):
    run = _stored_run(
        program,
        "awards.zip",
        _zip_of(tmp_path, "nsf-xml-1740741.xml", "nsf-bad-1507053.xml"),
        import_all=True,
    )
    import_run_execute(run_id=run.pk)
    run.refresh_from_db()
    shown = run.message + " ".join(run.errors)
    assert "awards.zip!nsf-bad-1507053.xml: malformed XML" in shown
    assert str(settings.IMPORT_UPLOAD_DIR) not in shown
    assert tempfile.gettempdir() not in shown


@pytest.mark.django_db
def test_an_unexpected_import_error_is_logged_not_shown(program, monkeypatch, caplog):
    from proposals.services import import_runs

    def broken(**kwargs):
        raise RuntimeError("disk trouble at /var/lib/worker/secret")

    monkeypatch.setattr(import_runs, "awards_import", broken)
    run = _stored_run(program, "a.xml", b"<x/>")
    with pytest.raises(RuntimeError):
        import_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == ImportRun.Status.FAILED
    assert "unexpected error" in run.message
    assert "secret" not in run.message
    assert "RuntimeError" not in run.message
    assert "disk trouble at /var/lib/worker/secret" in caplog.text


def _kill_the_worker_during(phase: str, celery_workers, staff_client, program, settings):
    """Start an import on a real worker that pauses after each document and batch, SIGKILL
    the worker once the run is in ``phase``, and check the run ends interrupted, with
    nothing imported, and imports once run again."""
    settings.IMPORT_RUN_STALE_SECONDS = 2
    celery_workers.start(env={"IMPORT_PAUSE_SECONDS": "6", "IMPORT_HEARTBEAT_SECONDS": "0.5"})
    run = import_run_create(
        program=program,
        upload=ContentFile((FIXTURES / "nsf-xml-0829619.xml").read_bytes(), name="award.xml"),
        import_all=True,
    )
    assert wait_until(
        lambda: ImportRun.objects.filter(
            pk=run.pk, status=ImportRun.Status.RUNNING, phase=phase
        ).exists(),
        timeout=60,
        interval=0.1,
    )
    celery_workers.kill()

    url = reverse("admin:proposals_importrun_change", args=[run.pk])
    assert wait_until(lambda: b"Interrupted: the worker stopped" in staff_client.get(url).content)
    page = staff_client.get(url)
    assert b'http-equiv="refresh"' not in page.content
    assert not Award.objects.exists()

    again = staff_client.post(reverse("admin:proposals_importrun_run_again", args=[run.pk]))
    celery_workers.start()
    rerun = ImportRun.objects.get(rerun_of=run)
    assert again["Location"] == reverse("admin:proposals_importrun_change", args=[rerun.pk])
    assert wait_until(lambda: ImportRun.objects.get(pk=rerun.pk).is_finished)
    assert ImportRun.objects.get(pk=rerun.pk).status == ImportRun.Status.SUCCEEDED
    assert Award.objects.filter(award_number="0829619").exists()


@pytest.mark.slow
def test_a_worker_killed_while_reading_leaves_an_interrupted_run_that_runs_again(
    celery_workers, staff_client, program, settings
):
    _kill_the_worker_during("reading", celery_workers, staff_client, program, settings)


@pytest.mark.slow
def test_a_worker_killed_while_writing_leaves_an_interrupted_run_that_runs_again(
    celery_workers, staff_client, program, settings
):
    _kill_the_worker_during("writing awards", celery_workers, staff_client, program, settings)
