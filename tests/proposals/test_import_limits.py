"""What an import refuses to read: zip bombs, huge JSON objects, oversized uploads."""

from __future__ import annotations

import json
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from fairprog.errors import DomainError
from proposals.models import Award, ImportRun
from proposals.nsf.documents import DocumentSet
from proposals.services.import_runs import import_run_create
from proposals.services.imports import ImportAborted, awards_import
from tests.proposals.factories import ProgramFactory
from tests.proposals.nsf_builders import bulk_json_award

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "nsf"


@pytest.fixture
def program():
    return ProgramFactory()


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _refusal(program, path: Path) -> str:
    with pytest.raises(ImportAborted) as refused:
        awards_import(documents=DocumentSet([path]), program=program, import_all=True)
    assert not Award.objects.exists()
    return refused.value.message


def test_a_zip_expanding_past_the_cap_is_refused_naming_the_setting(program, settings, tmp_path):
    settings.IMPORT_MAX_EXPANDED_BYTES = 1000
    xml = (FIXTURES / "nsf-xml-1740741.xml").read_bytes()
    archive = _zip(tmp_path / "a.zip", {"1740741.xml": xml})
    message = _refusal(program, archive)
    assert f"expands to {len(xml):,} bytes" in message
    assert "IMPORT_MAX_EXPANDED_BYTES" in message


def test_a_zip_compressed_past_the_ratio_cap_is_refused_naming_the_setting(
    program, settings, tmp_path
):
    settings.IMPORT_MAX_ZIP_RATIO = 20
    archive = _zip(tmp_path / "bomb.zip", {"zeros.xml": b"\0" * 200_000})
    message = _refusal(program, archive)
    assert "zeros.xml expands" in message
    assert "IMPORT_MAX_ZIP_RATIO" in message


def test_a_zip_with_more_entries_than_the_cap_is_refused_naming_the_setting(
    program, settings, tmp_path
):
    settings.IMPORT_MAX_ZIP_ENTRIES = 2
    xml = (FIXTURES / "nsf-xml-1740741.xml").read_bytes()
    archive = _zip(tmp_path / "many.zip", {f"{n}.xml": xml for n in range(3)})
    message = _refusal(program, archive)
    assert "holds 3 files" in message
    assert "IMPORT_MAX_ZIP_ENTRIES" in message


def test_a_zip_within_every_cap_imports(program, settings, tmp_path):
    xml = (FIXTURES / "nsf-xml-1740741.xml").read_bytes()
    settings.IMPORT_MAX_EXPANDED_BYTES = len(xml)
    settings.IMPORT_MAX_ZIP_ENTRIES = 1
    archive = _zip(tmp_path / "a.zip", {"1740741.xml": xml})
    summary = awards_import(documents=DocumentSet([archive]), program=program, import_all=True)
    assert summary.created == 1


def test_a_json_object_over_the_cap_is_refused_naming_the_setting(program, settings, tmp_path):
    settings.IMPORT_MAX_JSON_OBJECT_BYTES = 100
    path = tmp_path / "award.json"
    path.write_text(json.dumps(bulk_json_award("2040942")))
    message = _refusal(program, path)
    assert "IMPORT_MAX_JSON_OBJECT_BYTES" in message


def test_a_json_list_of_bulk_awards_is_read_one_award_at_a_time(program, settings, tmp_path):
    settings.IMPORT_MAX_JSON_OBJECT_BYTES = 100  # lists are streamed, not read whole
    path = tmp_path / "awards.json"
    path.write_text(json.dumps([bulk_json_award("2040942"), bulk_json_award("2040943")]))
    summary = awards_import(documents=DocumentSet([path]), program=program, import_all=True)
    assert summary.created == 2
    assert Award.objects.get(award_number="2040942").awarded_amount == Decimal("625000")


def test_a_truncated_json_list_is_bad_input_and_imports_nothing(program, tmp_path):
    path = tmp_path / "awards.json"
    path.write_text(json.dumps([bulk_json_award("2040942"), bulk_json_award("2040943")])[:-40])
    message = _refusal(program, path)
    assert "awards.json: malformed JSON" in message


def test_an_xml_file_of_many_awards_is_read_award_by_award(program, tmp_path):
    awards = "".join(
        f"<Award><AwardID>{number}</AwardID><AwardTitle>FAI: project {number}</AwardTitle></Award>"
        for number in range(2100001, 2100031)
    )
    path = tmp_path / "bulk.xml"
    path.write_text(f'<?xml version="1.0" encoding="UTF-8"?><rootTag>{awards}</rootTag>')
    summary = awards_import(
        documents=DocumentSet([path]), program=program, import_all=True, batch_size=7
    )
    assert summary.created == 30
    assert summary.documents == 1


def test_an_upload_over_the_cap_is_refused_naming_the_setting(program, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 10
    with pytest.raises(DomainError, match="IMPORT_MAX_UPLOAD_BYTES"):
        import_run_create(program=program, upload=ContentFile(b"<x>" * 10, name="a.xml"))
    assert not ImportRun.objects.exists()


def test_the_admin_upload_over_the_cap_keeps_the_form_with_the_reason(
    staff_client, program, settings
):
    settings.IMPORT_MAX_UPLOAD_BYTES = 10
    response = staff_client.post(
        reverse("admin:proposals_importrun_add"),
        {"program": program.pk, "file": SimpleUploadedFile("a.xml", b"<x>" * 10)},
    )
    assert response.status_code == 200
    assert b"IMPORT_MAX_UPLOAD_BYTES" in response.content
    assert not ImportRun.objects.exists()


def test_an_upload_is_stored_as_sent(program, settings):
    data = (FIXTURES / "nsf-xml-1740741.xml").read_bytes()
    run = import_run_create(program=program, upload=ContentFile(data, name="award.xml"))
    assert Path(run.upload.path).read_bytes() == data
    assert Path(run.upload.path).is_relative_to(settings.IMPORT_UPLOAD_DIR)
