"""Attachments on proposals and awards: checked by content (PDF, XLSX, DOCX, CSV, plain
text), kept in their own storage under names of our own, read back only through the admin's
download with the permission; hostile uploads refused, changing nothing."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import SkipFile
from django.test import RequestFactory
from django.urls import reverse

from fairprog.errors import DomainError
from proposals.attachment_checks import (
    REFUSALS,
    AttachmentUploadLimit,
    UnacceptableFile,
    check_file,
    sanitise_name,
)
from proposals.models import Attachment
from proposals.services.notes import attachment_add, attachment_delete
from tests.proposals.factories import AwardFactory, ProposalFactory
from tests.proposals.test_notes import _prefix, change_form_data

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
BASE_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def attachments_dir(settings: Any, tmp_path: Path) -> Path:
    """A real local-disk storage for attachments, under this test's own folder."""
    location = tmp_path / "attachments"
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(location)},
        },
    }
    settings.ATTACHMENT_MAX_MB = 1
    return location


def _xlsx() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["item", "amount"])
    book.active.append(["travel", 12000])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def _docx() -> bytes:
    return _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})


def _upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def _staff(username: str = "uploader") -> User:
    return User.objects.create_user(username, f"{username}@example.org", "pw", is_staff=True)


def _check(name: str, data: bytes) -> str:
    return check_file(io.BytesIO(data), name=name, size=len(data)).type.key


# --- What is accepted, by content ------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "key"),
    [
        ("proposal.pdf", PDF, "pdf"),
        ("budget.xlsx", None, "xlsx"),
        ("report.docx", None, "docx"),
        ("budget.csv", b"item,amount\ntravel,12000\n", "csv"),
        ("notes.txt", "Équipe: ok\n".encode(), "text"),
    ],
)
def test_each_accepted_format_is_told_by_its_content(name, data, key):
    data = data if data is not None else (_xlsx() if key == "xlsx" else _docx())
    assert _check(name, data) == key


def test_a_png_named_pdf_is_refused_naming_what_it_is():
    with pytest.raises(UnacceptableFile, match="a PNG image"):
        _check("proposal.pdf", b"\x89PNG\r\n\x1a\n" + b"\0" * 100)


def test_a_pdf_named_xlsx_is_refused_naming_both():
    with pytest.raises(UnacceptableFile, match=r"named \.xlsx but its content is a PDF"):
        _check("budget.xlsx", PDF)


def test_an_executable_named_txt_is_refused():
    with pytest.raises(UnacceptableFile, match="a Windows program"):
        _check("readme.txt", b"MZ\x90\x00\x03" + b"\x00" * 200)


def test_a_name_without_an_accepted_extension_is_refused():
    with pytest.raises(UnacceptableFile, match=r'it has "\.html"'):
        _check("page.html", b"<html></html>")


def test_a_zip_bomb_disguised_as_xlsx_is_refused_by_its_declared_sizes():
    bomb = _zip(
        {
            "[Content_Types].xml": b"<Types/>",
            "xl/workbook.xml": b"<workbook/>",
            "xl/worksheets/sheet1.xml": b"\0" * (20 * 1024 * 1024),
        }
    )
    assert len(bomb) < 1024 * 1024
    with pytest.raises(UnacceptableFile, match=r"expands \d+ times"):
        _check("budget.xlsx", bomb)


def test_a_plain_zip_named_xlsx_is_refused():
    with pytest.raises(UnacceptableFile, match="not an office document"):
        _check("budget.xlsx", _zip({"data.csv": b"a,b\n"}))


def test_a_file_over_the_limit_is_refused_before_its_content_is_read():
    class Unreadable(io.BytesIO):
        def read(self, *args: Any) -> bytes:
            raise AssertionError("read")

    with pytest.raises(UnacceptableFile, match="at most 1 MB"):
        check_file(Unreadable(), name="big.pdf", size=5 * 1024 * 1024)


# --- File names ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("..\\..\\boot.ini.txt", "boot.ini.txt"),
        ("report\x00.exe.pdf", "report.exe.pdf"),
        ("budget\u202etxt.pdf", "budgettxt.pdf"),
        ("...", "attachment"),
        ("  Final  report .pdf ", "Final report.pdf"),
    ],
)
def test_sanitise_name_keeps_only_a_safe_last_part(raw, safe):
    assert sanitise_name(raw) == safe


def test_a_path_traversal_name_never_reaches_the_storage(attachments_dir):
    proposal = ProposalFactory()
    attachment = attachment_add(
        target=proposal, uploaded_by=_staff(), upload=_upload("../../../x/evil.pdf", PDF)
    )
    assert attachment.original_name == "evil.pdf"
    assert ".." not in attachment.stored_name
    assert "evil" not in attachment.stored_name
    stored = attachments_dir / attachment.stored_name
    assert stored.resolve().is_relative_to(attachments_dir.resolve())
    assert stored.read_bytes() == PDF


def test_a_nul_in_the_name_is_removed():
    attachment = attachment_add(
        target=AwardFactory(), uploaded_by=_staff(), upload=_upload("annual\x00report.pdf", PDF)
    )
    assert attachment.original_name == "annualreport.pdf"


# --- The service -------------------------------------------------------------------------------


def test_attachment_add_records_uploader_type_size_and_digest():
    user = _staff()
    award = AwardFactory()
    data = _xlsx()
    attachment = attachment_add(
        target=award, uploaded_by=user, upload=_upload("budget.xlsx", data), kind="budget"
    )
    assert (attachment.award, attachment.uploaded_by, attachment.kind) == (award, user, "budget")
    assert attachment.content_type.endswith("spreadsheetml.sheet")
    assert attachment.size == len(data)
    assert len(attachment.sha256) == 64
    assert attachment.uploaded_at is not None


def test_attachment_add_refuses_bad_content_and_stores_nothing(attachments_dir):
    with pytest.raises(DomainError, match="a PNG image"):
        attachment_add(
            target=ProposalFactory(),
            uploaded_by=_staff(),
            upload=_upload("p.pdf", b"\x89PNG\r\n\x1a\n" + b"0" * 10),
        )
    assert not Attachment.objects.exists()
    assert not attachments_dir.exists() or not any(attachments_dir.rglob("*.*"))


def test_attachment_delete_removes_the_file_after_the_commit(
    attachments_dir, django_capture_on_commit_callbacks
):
    user = _staff()
    user.user_permissions.add(Permission.objects.get(codename="delete_attachment"))
    user = User.objects.get(pk=user.pk)
    attachment = attachment_add(
        target=ProposalFactory(), uploaded_by=user, upload=_upload("a.pdf", PDF)
    )
    stored = attachments_dir / attachment.stored_name
    with django_capture_on_commit_callbacks(execute=True):
        attachment_delete(attachment=attachment, by=user)
    assert not stored.exists()
    assert not Attachment.objects.exists()


def test_attachment_delete_needs_the_permission():
    attachment = attachment_add(
        target=ProposalFactory(), uploaded_by=_staff(), upload=_upload("a.pdf", PDF)
    )
    with pytest.raises(DomainError, match="permission to delete attachments"):
        attachment_delete(attachment=attachment, by=_staff("other"))


# --- The admin: upload and download -----------------------------------------------------------


def test_staff_attach_a_file_from_the_proposal_page(staff_client, staff_user):
    proposal = ProposalFactory()
    url = reverse("admin:proposals_proposal_change", args=[proposal.pk])
    prefix = _prefix(staff_client, url, "AttachmentAddInline")
    data = change_form_data(staff_client, url) | {
        f"{prefix}-0-kind": "proposal",
        f"{prefix}-0-attachment_file": _upload("Project description.pdf", PDF),
    }
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    attachment = proposal.attachments.get()
    assert (attachment.original_name, attachment.uploaded_by) == (
        "Project description.pdf",
        staff_user,
    )


def test_a_refused_upload_changes_nothing_and_keeps_the_other_input(staff_client):
    proposal = ProposalFactory(title="Before")
    url = reverse("admin:proposals_proposal_change", args=[proposal.pk])
    prefix = _prefix(staff_client, url, "AttachmentAddInline")
    data = change_form_data(staff_client, url) | {
        "title": "Typed but not saved",
        f"{prefix}-0-kind": "budget",
        f"{prefix}-0-attachment_file": _upload("budget.xlsx", PDF),
    }
    response = staff_client.post(url, data)
    assert response.status_code == 200
    text = response.content.decode()
    assert "named .xlsx but its content is a PDF document" in text
    assert 'value="Typed but not saved"' in text
    proposal.refresh_from_db()
    assert proposal.title == "Before"
    assert not Attachment.objects.exists()


def test_a_huge_upload_is_refused_while_it_arrives(staff_client, attachments_dir):
    proposal = ProposalFactory(title="Before")
    url = reverse("admin:proposals_proposal_change", args=[proposal.pk])
    prefix = _prefix(staff_client, url, "AttachmentAddInline")
    data = change_form_data(staff_client, url) | {
        "title": "Kept in the form",
        f"{prefix}-0-kind": "report",
        f"{prefix}-0-attachment_file": _upload("report.pdf", PDF + b"0" * (3 * 1024 * 1024)),
    }
    response = staff_client.post(url, data)
    assert response.status_code == 200
    text = response.content.decode()
    assert "larger than 1 MB" in text
    assert 'value="Kept in the form"' in text
    assert not Attachment.objects.exists()


def test_the_upload_handler_stops_reading_just_past_the_limit(settings):
    request = RequestFactory().post("/")
    handler = AttachmentUploadLimit(request)
    handler.new_file("attachments-2-0-attachment_file", "big.pdf", "application/pdf", None)
    chunk = b"0" * (64 * 1024)
    read = 0

    def receive() -> None:
        nonlocal read
        while read < 100 * len(chunk):
            handler.receive_data_chunk(chunk, read)
            read += len(chunk)

    with pytest.raises(SkipFile):
        receive()
    assert read <= 1024 * 1024
    assert "larger than 1 MB" in getattr(request, REFUSALS)["attachments-2-0-attachment_file"]


def test_the_upload_handler_leaves_other_uploads_alone():
    handler = AttachmentUploadLimit(RequestFactory().post("/"))
    handler.new_file("upload", "awards.zip", "application/zip", None)
    chunk = b"0" * (1024 * 1024)
    for n in range(3):
        assert handler.receive_data_chunk(chunk, n * len(chunk)) == chunk


def test_staff_download_the_file_as_an_attachment(staff_client):
    attachment = attachment_add(
        target=AwardFactory(), uploaded_by=_staff(), upload=_upload("Budget 2026.xlsx", _xlsx())
    )
    response = staff_client.get(
        reverse("admin:proposals_attachment_download", args=[attachment.pk])
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="Budget 2026.xlsx"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"].endswith("spreadsheetml.sheet")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.active["B2"].value == 12000


def test_a_forged_download_id_answers_with_a_client_error_and_no_file(staff_client):
    attachment_add(target=ProposalFactory(), uploaded_by=_staff(), upload=_upload("p.pdf", PDF))
    # A NUL in a URL is refused (400) before any view; the others find no attachment (404).
    for forged, status in (("999999", 404), ("abc", 404), ("1%00", 400), ("..%2F..%2Fx", 404)):
        url = reverse("admin:proposals_attachment_download", args=["1"]).replace(
            "/1/", f"/{forged}/"
        )
        response = staff_client.get(url)
        assert response.status_code == status, forged
        assert "Content-Disposition" not in response, forged


def test_download_needs_the_permission_to_view_attachments(client):
    attachment = attachment_add(
        target=ProposalFactory(), uploaded_by=_staff(), upload=_upload("p.pdf", PDF)
    )
    url = reverse("admin:proposals_attachment_download", args=[attachment.pk])
    client.force_login(_staff("no-permissions"))
    assert client.get(url).status_code == 403


def test_download_refuses_a_post_even_to_staff(staff_client):
    attachment = attachment_add(
        target=ProposalFactory(), uploaded_by=_staff(), upload=_upload("p.pdf", PDF)
    )
    url = reverse("admin:proposals_attachment_download", args=[attachment.pk])
    assert staff_client.post(url).status_code == 403


def test_attachments_are_served_nowhere_but_the_download(client, attachments_dir):
    attachment = attachment_add(
        target=ProposalFactory(), uploaded_by=_staff(), upload=_upload("p.pdf", PDF)
    )
    for prefix in ("/media/", "/static/", "/"):
        assert client.get(f"{prefix}{attachment.stored_name}").status_code in (301, 302, 404)


def test_the_attachments_list_reads_in_a_fixed_number_of_queries(
    staff_client, django_assert_max_num_queries
):
    url = reverse("admin:proposals_attachment_changelist")
    attachment_add(target=ProposalFactory(), uploaded_by=_staff("u0"), upload=_upload("a.pdf", PDF))
    staff_client.get(url)
    with django_assert_max_num_queries(40) as few:
        staff_client.get(url)
    for n in range(1, 6):
        target = ProposalFactory() if n % 2 else AwardFactory()
        attachment_add(target=target, uploaded_by=_staff(f"u{n}"), upload=_upload("b.pdf", PDF))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert staff_client.get(url).status_code == 200


# --- Settings: the S3 switch -------------------------------------------------------------------


def _attachments_storage_built(tmp_path: Path, **env: str) -> dict[str, Any]:
    """The attachments storage that fairprog.settings builds from ``env`` alone, in a
    process of its own (settings are read once per process)."""
    code = (
        "import json, django; django.setup();"
        "from django.conf import settings; from django.core.files.storage import storages;"
        "s = storages['attachments'];"
        "keys = ('bucket_name', 'endpoint_url', 'default_acl', 'querystring_auth',"
        " 'file_overwrite', 'location');"
        "print(json.dumps({'config': settings.STORAGES['attachments'],"
        " 'class': type(s).__name__, **{k: getattr(s, k, None) for k in keys}}))"
    )
    keep = {"PATH", "HOME", "LANG"}
    clean = {key: value for key, value in os.environ.items() if key in keep}
    clean |= {
        "DJANGO_SETTINGS_MODULE": "fairprog.settings",
        "DEBUG": "true",
        "FAIRPROG_ENV_FILE": str(tmp_path / "no.env"),
        "FAIRPROG_VAR_DIR": str(tmp_path / "var"),
        **env,
    }
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=clean,
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_s3_setting_builds_a_private_s3_backend_without_connecting(tmp_path):
    built = _attachments_storage_built(
        tmp_path,
        ATTACHMENT_STORAGE="s3",
        ATTACHMENT_S3_BUCKET="fairprog-attachments",
        ATTACHMENT_S3_ENDPOINT_URL="https://s3.example.org",
        # No credentials and an unreachable proxy: building the backend must not connect.
        HTTPS_PROXY="http://127.0.0.1:9",
    )
    assert built["config"]["BACKEND"] == "storages.backends.s3.S3Storage"
    assert built["class"] == "S3Storage"
    assert built["bucket_name"] == "fairprog-attachments"
    assert built["endpoint_url"] == "https://s3.example.org"
    assert built["default_acl"] == "private"
    assert built["querystring_auth"] is True
    assert built["file_overwrite"] is False
    assert built["location"] == "attachments"


def test_the_default_storage_is_a_private_folder_under_var(tmp_path):
    built = _attachments_storage_built(tmp_path)
    assert built["config"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert built["config"]["OPTIONS"]["location"] == str(tmp_path / "var" / "attachments")
    assert built["config"]["OPTIONS"]["file_permissions_mode"] == 0o600


def test_a_csv_file_is_kept_as_csv():
    attachment = attachment_add(
        target=ProposalFactory(),
        uploaded_by=_staff(),
        upload=ContentFile(b"a,b\n1,2\n", name="table.csv"),
        kind="report",
    )
    assert attachment.content_type.startswith("text/csv")
