"""The open-data export of the standards catalogue, checked by Frictionless (the Data Package
and Table Schema standards' own validator): every resource, every row, every field."""

from __future__ import annotations

import json

import frictionless
import pytest

from artifacts.opendata.export import open_data_export

pytestmark = pytest.mark.django_db


@pytest.fixture
def exported(settings, tmp_path, standards_catalogue):
    settings.OPEN_DATA_DIR = tmp_path / "opendata"
    settings.SITE_URL = "http://testserver"
    open_data_export()
    return settings.OPEN_DATA_DIR / "current"


def test_frictionless_validates_the_whole_export_of_the_standards_catalogue(
    exported, standards_catalogue
):
    report = frictionless.validate(str(exported / "datapackage.json"))

    assert report.valid, report.flatten(["taskNumber", "rowNumber", "fieldName", "type", "note"])
    checked = {task.name: task for task in report.tasks}
    package = json.loads((exported / "datapackage.json").read_text(encoding="utf-8"))
    assert set(checked) == {resource["name"] for resource in package["resources"]}
    assert checked["artifacts"].stats["rows"] == len(standards_catalogue)
    assert checked["artifacts-jsonl"].stats["rows"] == len(standards_catalogue)
    assert checked["awards"].stats["rows"] > 0
    for name in ("awards", "artifacts", "artifacts-jsonl", "publications"):
        assert checked[name].type == "table", name
        assert checked[name].stats["warnings"] == 0, name


def test_the_special_characters_survive_the_csv_and_json_lines_as_frictionless_reads_them(
    exported, edge_artifacts
):
    special = edge_artifacts["special_characters"]
    package = frictionless.Package(str(exported / "datapackage.json"))
    for name in ("artifacts", "artifacts-jsonl"):
        rows = package.get_resource(name).read_rows()
        [row] = [row for row in rows if row["slug"] == special.slug]
        assert row["title"] == special.title, name
        assert row["summary"] == special.summary, name
