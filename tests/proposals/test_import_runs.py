"""Imports started from the admin and run by a Celery worker."""

import re
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from proposals.imports import import_run_create, import_run_execute
from proposals.models import Award, ImportRun, ProgramElement
from tests.conftest import wait_until
from tests.proposals.factories import ProgramFactory

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "nsf"


@pytest.fixture
def program(db):
    program = ProgramFactory()
    program.program_elements.add(ProgramElement.objects.create(code="114Y"))
    return program


def _zip_of(tmp_path, *names) -> bytes:
    archive = tmp_path / "awards.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for name in names:
            zipped.write(FIXTURES / name, arcname=name)
    return archive.read_bytes()


@pytest.mark.django_db
def test_import_run_execute_records_counts_and_drops_the_file(program, tmp_path):
    run = ImportRun.objects.create(
        program=program,
        filename="awards.zip",
        payload=_zip_of(tmp_path, "nsf-xml-1740741.xml", "nsf-xml-1709151.xml"),
        import_all=True,
    )
    import_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == ImportRun.Status.SUCCEEDED
    assert run.counts["created"] == 2
    assert run.documents_done == run.documents_total == 2
    assert bytes(run.payload) == b""
    assert "Imported 2 new" in run.message
    assert Award.objects.count() == 2


@pytest.mark.django_db
def test_import_run_with_a_bad_file_fails_and_imports_nothing(program, tmp_path):
    run = ImportRun.objects.create(
        program=program,
        filename="awards.zip",
        payload=_zip_of(tmp_path, "nsf-xml-1740741.xml", "nsf-bad-1507053.xml"),
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
    run = ImportRun.objects.create(
        program=program,
        filename="a.xml",
        payload=(FIXTURES / "nsf-xml-1740741.xml").read_bytes(),
        import_all=True,
    )
    assert import_run_execute(run_id=run.pk) is not None
    assert import_run_execute(run_id=run.pk) is None


@pytest.mark.django_db
def test_import_run_create_refuses_a_file_that_is_not_award_data(program):
    from fairprog.errors import DomainError

    with pytest.raises(DomainError, match=r"upload an \.xml, \.json or \.zip file"):
        import_run_create(program=program, filename="awards.pdf", payload=b"%PDF")


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
    run = ImportRun.objects.create(program=program, filename="a.xml", payload=b"<x/>")
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
