"""No cell of a CSV or XLSX file FairProg writes is taken as a formula: the open-data files,
the dashboard's chart downloads and the admin exports, opened with LibreOffice headless
(which evaluates formulas in CSV files, as Excel does) and read back cell by cell."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.urls import reverse

from artifacts.opendata.export import open_data_export
from fairprog.spreadsheet import safe_cell
from tests.artifacts.factories import ArtifactFactory
from tests.proposals.factories import AwardFactory, OrganizationFactory

HYPERLINK = '=HYPERLINK("http://evil.example/","x")'
SUM = "@SUM(1+1)"
DOUBLE = "==1+1"  # the library's own escaping drops one "=" and leaves a formula
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
needs_libreoffice = pytest.mark.skipif(
    SOFFICE is None,
    reason="LibreOffice is not installed (Debian: apt-get install libreoffice-calc-nogui)",
)


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (HYPERLINK, f"'{HYPERLINK}"),
        (SUM, f"'{SUM}"),
        (DOUBLE, f"'{DOUBLE}"),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("'=1+1", "'=1+1"),  # quoted already: a second pass changes nothing
    ],
)
def test_safe_cell_quotes_text_that_would_start_a_formula(value, written):
    assert safe_cell(value) == written


@pytest.mark.parametrize(
    "value", ["Plain title", "", "-12.5", "+3", "1e-3", "-4E+2", -7, 2.5, None, "a=b", "[1]"]
)
def test_safe_cell_leaves_numbers_and_other_text_alone(value):
    assert safe_cell(value) == value


# --- Opened with LibreOffice ---------------------------------------------------------------


def _libreoffice(source: Path, to: str, work: Path) -> Path:
    """``source`` converted by LibreOffice headless with a profile of its own (concurrent
    runs must not share one); CSV is read as UTF-8 with commas, as a user would open it."""
    out = work / "converted"
    command = [
        str(SOFFICE),
        f"-env:UserInstallation={(work / 'profile').as_uri()}",
        "--headless",
        "--norestore",
        "--convert-to",
        to,
        "--outdir",
        str(out),
        str(source),
    ]
    if source.suffix == ".csv":
        command[3:3] = ["--infilter=CSV:44,34,76,1"]
    subprocess.run(command, check=True, capture_output=True, timeout=180)
    converted = out / f"{source.stem}.{to.split(':')[0]}"
    assert converted.exists(), f"LibreOffice wrote no {converted.name}"
    return converted


def _cells(xlsx: Path) -> list[list[Any]]:
    """Every cell of the first sheet as openpyxl reads it: value, type, hyperlink."""
    sheet = openpyxl.load_workbook(xlsx).worksheets[0]
    return [[(c.value, c.data_type, c.hyperlink) for c in row] for row in sheet.iter_rows()]


def _assert_no_formula(cells: list[list[Any]], *texts: str) -> None:
    values = [value for row in cells for value, _, _ in row]
    for row in cells:
        for value, data_type, hyperlink in row:
            assert data_type != "f", f"{value!r} is a formula"
            assert hyperlink is None, f"{value!r} is a link"
    for text in texts:
        assert f"'{text}" in values, f"{text!r} is not kept as text"
    assert 2 not in values  # @SUM(1+1) was not summed


def _csv_as_opened(csv_path: Path, work: Path) -> list[list[Any]]:
    """A CSV file as LibreOffice opens it, saved as XLSX to read its cells' types."""
    return _cells(_libreoffice(csv_path, "xlsx", work))


@pytest.mark.slow
@needs_libreoffice
def test_libreoffice_would_run_an_unquoted_formula(tmp_path):
    """The check below can fail: LibreOffice does evaluate formulas in a CSV file."""
    hostile = tmp_path / "hostile.csv"
    hostile.write_text(f'title\n"{HYPERLINK.replace(chr(34), chr(34) * 2)}"\n=1+1\n')

    cells = _csv_as_opened(hostile, tmp_path)

    assert [data_type for row in cells[1:] for _, data_type, _ in row] == ["f", "f"]


def _plant_formulas() -> Any:
    award = AwardFactory(title=HYPERLINK, institution=OrganizationFactory(name=SUM))
    ArtifactFactory(award=award, title=DOUBLE, summary=HYPERLINK, slug="formula")
    return award


@pytest.mark.slow
@needs_libreoffice
@pytest.mark.django_db
def test_open_data_csv_files_open_as_text_in_libreoffice(settings, tmp_path):
    settings.OPEN_DATA_DIR = tmp_path / "opendata"
    _plant_formulas()
    open_data_export()
    current = settings.OPEN_DATA_DIR / "current"

    awards = _csv_as_opened(current / "awards.csv", tmp_path / "awards")
    _assert_no_formula(awards, HYPERLINK, SUM)
    header = [value for value, _, _ in awards[0]]
    amount = awards[1][header.index("awarded_amount")]
    assert amount[:2] == (625000, "n")  # numbers stay numbers

    artifacts = _csv_as_opened(current / "artifacts.csv", tmp_path / "artifacts")
    _assert_no_formula(artifacts, DOUBLE, HYPERLINK)


@pytest.mark.slow
@needs_libreoffice
@pytest.mark.django_db
def test_dashboard_chart_csv_opens_as_text_in_libreoffice(staff_client, tmp_path):
    _plant_formulas()
    response = staff_client.get(reverse("admin:index"), {"chart": "institutions", "format": "csv"})
    assert response.status_code == 200
    path = tmp_path / "institutions.csv"
    path.write_bytes(response.content)

    cells = _csv_as_opened(path, tmp_path)

    _assert_no_formula(cells, SUM)
    assert any(data_type == "n" for row in cells[1:] for _, data_type, _ in row)


def _admin_export(client: Any, model: str, export_format: str) -> bytes:
    """The admin's export of every row of ``model`` with all its fields ("0" CSV, "1" XLSX)."""
    url = reverse(f"admin:{model}_export")
    form = client.get(url).context["form"]
    data = {name: "on" for name in form.fields if "resource_" in name}
    data.update({"format": export_format, "resource": "0"})
    response = client.post(url, data)
    assert response.status_code == 200, response.content[:300]
    return bytes(response.content)


@pytest.mark.slow
@needs_libreoffice
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("model", "texts"),
    [("proposals_award", (HYPERLINK, SUM)), ("artifacts_artifact", (DOUBLE,))],
)
def test_admin_xlsx_export_opens_as_text_in_libreoffice(staff_client, tmp_path, model, texts):
    _plant_formulas()
    path = tmp_path / "export.xlsx"
    path.write_bytes(_admin_export(staff_client, model, "1"))
    _assert_no_formula(_cells(path), *texts)

    # LibreOffice recalculates what it opens: its CSV shows each cell's computed value.
    shown = _libreoffice(path, "csv:Text - txt - csv (StarCalc):44,34,76", tmp_path).read_text()
    for text in texts:
        assert f"'{text}".replace('"', '""') in shown, text
    assert ",2," not in shown  # @SUM(1+1) was not summed
    assert ",x," not in shown  # nor =HYPERLINK(…, "x") shown as its link text


@pytest.mark.slow
@needs_libreoffice
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("model", "texts"),
    [("proposals_award", (HYPERLINK, SUM)), ("artifacts_artifact", (DOUBLE,))],
)
def test_admin_csv_export_opens_as_text_in_libreoffice(staff_client, tmp_path, model, texts):
    _plant_formulas()
    path = tmp_path / "export.csv"
    path.write_bytes(_admin_export(staff_client, model, "0"))

    _assert_no_formula(_csv_as_opened(path, tmp_path), *texts)
