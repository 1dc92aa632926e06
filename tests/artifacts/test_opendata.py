"""Open-data downloads: the exported files, their data package, atomic publishing, /data/."""

import csv
import datetime as dt
import fcntl
import hashlib
import io
import json
import os
from decimal import Decimal

import frictionless
import pytest
import time_machine
from celery.schedules import crontab
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from icalendar import Calendar

from artifacts.models import Artifact, FairnessDimension, Task
from artifacts.opendata import writers
from artifacts.opendata.export import open_data_export
from artifacts.tasks import open_data_export_task
from fairprog.celery import app
from fairprog.errors import DomainError
from proposals.models import Deadline, ProgramElement
from proposals.services.programs import deadline_create
from tests.artifacts.factories import ArtifactCreatorFactory, ArtifactFactory
from tests.discovery.factories import PublicationFactory
from tests.proposals.factories import (
    AwardFactory,
    AwardInvestigatorFactory,
    CycleFactory,
    DeadlineFactory,
    OrganizationFactory,
    PersonFactory,
    ProposalFactory,
)

pytestmark = pytest.mark.django_db
FILES = [
    "awards.csv",
    "artifacts.csv",
    "artifacts.jsonl",
    "publications.csv",
    "deadlines.ics",
    "datapackage.json",
]
CANARY = "canary-5b0c1"


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.OPEN_DATA_DIR = tmp_path / "opendata"
    settings.SITE_URL = "http://testserver"
    return settings.OPEN_DATA_DIR


def _current(data_dir):
    return data_dir / "current"


def _csv(path):
    with path.open(encoding="utf-8", newline="") as rows:
        return list(csv.DictReader(rows))


def _jsonl(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _package(data_dir):
    return json.loads((_current(data_dir) / "datapackage.json").read_text())


def _snapshots(data_dir):
    return sorted(p.name for p in data_dir.iterdir() if p.name.startswith("snapshot-"))


def test_awards_csv_has_every_award_with_its_public_columns(data_dir):
    award = AwardFactory(
        award_number="2040800",
        title="FAI: Fairness with a human in the loop",
        abstract="Public abstract.",
        cycle=CycleFactory(year=2020, solicitation_number="NSF 20-566"),
        institution=OrganizationFactory(name="UC Santa Cruz", state="CA", country="United States"),
        intended_amount=Decimal("625000.00"),
        awarded_amount=Decimal("625000.00"),
        obligated_amount=Decimal("500000.50"),
        start_date=dt.date(2021, 2, 1),
        end_date=dt.date(2026, 1, 31),
        collaboration_key="fai: fairness with a human in the loop",
    )
    for order, (given, family, role) in enumerate(
        [("Yang", "Liu", "pi"), ("Ming", "Yin", "co_pi"), ("Ada", "Byron", "co_pi"),
         ("Old", "Lead", "former_pi"), ("Gone", "Co", "former_co_pi")]
    ):  # fmt: skip
        person = PersonFactory(given_name=given, family_name=family, email=f"{family}@x.edu")
        AwardInvestigatorFactory(award=award, person=person, role=role, order=order)
    code, _ = ProgramElement.objects.get_or_create(code="114Y")
    award.program_elements.add(code)
    AwardFactory(award_number="2147276", cycle=None, institution=None, intended_amount=None)

    open_data_export()

    rows = _csv(_current(data_dir) / "awards.csv")
    assert [row["award_number"] for row in rows] == ["2040800", "2147276"]
    assert rows[0] == {
        "award_number": "2040800",
        "url": "http://testserver/projects/2040800/",
        "title": "FAI: Fairness with a human in the loop",
        "abstract": "Public abstract.",
        "program": "FAI",
        "cycle_year": "2020",
        "cycle_solicitation": "NSF 20-566",
        "institution_name": "UC Santa Cruz",
        "institution_state": "CA",
        "institution_country": "United States",
        "pi_name": "Yang Liu",
        "co_pi_names": '["Ming Yin","Ada Byron"]',
        "former_pi_names": '["Old Lead"]',
        "former_co_pi_names": '["Gone Co"]',
        "intended_amount": "625000.00",
        "awarded_amount": "625000.00",
        "obligated_amount": "500000.50",
        "start_date": "2021-02-01",
        "end_date": "2026-01-31",
        "program_element_codes": '["114Y"]',
        "collaboration_key": "fai: fairness with a human in the loop",
    }
    assert rows[1]["cycle_year"] == rows[1]["institution_name"] == rows[1]["intended_amount"] == ""


def test_artifact_files_hold_published_and_retired_after_publication_artifacts_only(data_dir):
    ArtifactFactory(slug="published-one")
    ArtifactFactory(slug="retired-one", status="retired", retired_at=dt.datetime.now(dt.UTC))
    ArtifactFactory(slug="draft-one", status="draft", published_at=None)
    ArtifactFactory(slug="retired-draft", status="retired", published_at=None)

    open_data_export()

    rows = _csv(_current(data_dir) / "artifacts.csv")
    assert {row["slug"]: row["status"] for row in rows} == {
        "published-one": "published",
        "retired-one": "retired",
    }
    lines = _jsonl(_current(data_dir) / "artifacts.jsonl")
    assert [line["slug"] for line in lines] == [row["slug"] for row in rows]


def test_artifacts_csv_columns(data_dir):
    creator = PersonFactory(given_name="Ada", family_name="Byron", email=f"{CANARY}@x.edu")
    artifact = ArtifactFactory(
        slug="dialect-bench",
        title="Dialect benchmark",
        kind="dataset",
        summary="Sentences in many dialects.",
        award=AwardFactory(award_number="2040926"),
        license="CC-BY-4.0",
        doi="10.5281/zenodo.4242",
        landing_url="https://example.org/dialects",
        repository_url="https://code.example.org/dialects",
        version="1.2.0",
        release_date=dt.date(2022, 5, 1),
        keywords=["dialect", "a, b; c"],
        dimensions=[FairnessDimension.objects.get(slug="gender")],
        tasks=[Task.objects.get(slug="nlp")],
        published_at=dt.datetime(2022, 5, 2, 12, 30, tzinfo=dt.UTC),
    )
    ArtifactCreatorFactory(artifact=artifact, person=creator)

    open_data_export()

    [row] = _csv(_current(data_dir) / "artifacts.csv")
    assert row == {
        "slug": "dialect-bench",
        "url": "http://testserver/artifacts/dialect-bench/",
        "title": "Dialect benchmark",
        "kind": "dataset",
        "summary": "Sentences in many dialects.",
        "award_number": "2040926",
        "status": "published",
        "published_at": "2022-05-02T12:30:00Z",
        "license": "CC-BY-4.0",
        "doi": "10.5281/zenodo.4242",
        "landing_url": "https://example.org/dialects",
        "repository_url": "https://code.example.org/dialects",
        "version": "1.2.0",
        "release_date": "2022-05-01",
        "keywords": '["dialect","a, b; c"]',
        "dimensions": '["Gender"]',
        "tasks": '["Natural language processing"]',
        "creators": '["Ada Byron"]',
        "link_health": "none",
        "is_demo": "false",
    }


def test_artifacts_jsonl_lines_are_the_apis_artifact_json(client, data_dir):
    published = ArtifactFactory(slug="published-one", doi="10.5281/zenodo.1")
    ArtifactCreatorFactory(artifact=published)
    ArtifactFactory(slug="retired-one", status="retired", retirement_note="Superseded.")

    open_data_export()

    for line in _jsonl(_current(data_dir) / "artifacts.jsonl"):
        api = client.get(f"/api/v1/artifacts/{line['slug']}/")
        assert line == api.json()


def test_deadlines_ics_has_the_public_feeds_events(client, data_dir):
    cycle = CycleFactory(year=2031)
    deadline_create(cycle=cycle, kind="full_proposal", due_date=dt.date(2031, 7, 1))
    deadline_create(cycle=cycle, kind="letter_of_intent", due_date=dt.date(2031, 6, 1), label="LOI")
    DeadlineFactory(cycle=cycle, label="Panel", visibility=Deadline.Visibility.STAFF)

    open_data_export()

    def events(body):
        return [
            (str(e["uid"]), str(e["summary"]), e.decoded("dtstart"), str(e["url"]))
            for e in Calendar.from_ical(body).walk("VEVENT")
        ]

    exported = events((_current(data_dir) / "deadlines.ics").read_bytes())
    assert exported == events(client.get("/feeds/deadlines.ics").content)
    assert len(exported) == 2


def _plant_canary():
    cycle = CycleFactory()
    award = AwardFactory(cycle=cycle)
    person = PersonFactory(email=f"{CANARY}@example.edu")
    AwardInvestigatorFactory(award=award, person=person)
    artifact = ArtifactFactory(award=award)
    ArtifactCreatorFactory(artifact=artifact, person=person)
    award.proposal = ProposalFactory(cycle=cycle, title=f"Proposal {CANARY}", abstract=CANARY)
    award.save()
    proposal = ProposalFactory(cycle=cycle, title=f"Other {CANARY}", decision_note=CANARY)
    proposal.investigators.update(person=PersonFactory(email=f"pi-{CANARY}@example.edu"))
    DeadlineFactory(cycle=cycle)
    DeadlineFactory(cycle=cycle, label=f"Panel {CANARY}", visibility=Deadline.Visibility.STAFF)
    ArtifactFactory(award=award, title=f"Draft {CANARY}", status="draft", published_at=None)


def test_canary_never_reaches_a_file_or_the_data_page(client, data_dir):
    _plant_canary()

    open_data_export()

    for name in FILES:
        body = (_current(data_dir) / name).read_bytes()
        assert CANARY.encode() not in body, name
        assert b"@example.edu" not in body, name
    page = client.get(reverse("artifacts:open-data"))
    assert page.status_code == 200
    assert CANARY not in page.content.decode()


def test_datapackage_validates_with_frictionless_checking_every_resource(data_dir):
    _plant_canary()
    ArtifactFactory(keywords=[], status="retired", retirement_note="Gone.")
    PublicationFactory(doi="", year=None, venue="", authors=[])

    open_data_export()

    report = frictionless.validate(str(_current(data_dir) / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    checked = {task.name: task for task in report.tasks}
    assert set(checked) == {"awards", "artifacts", "artifacts-jsonl", "publications", "deadlines"}
    for name in ("awards", "artifacts", "artifacts-jsonl", "publications"):
        assert checked[name].type == "table"
        assert checked[name].stats["rows"] > 0, name


def test_datapackage_bytes_and_hashes_match_the_files(data_dir):
    artifact = ArtifactFactory()
    DeadlineFactory()
    PublicationFactory(award=artifact.award)

    open_data_export()

    package = _package(data_dir)
    assert [r["path"] for r in package["resources"]] == FILES[:-1]
    for resource in package["resources"]:
        body = (_current(data_dir) / resource["path"]).read_bytes()
        assert resource["bytes"] == len(body)
        assert resource["hash"] == f"sha256:{hashlib.sha256(body).hexdigest()}"
        assert resource["encoding"] == "utf-8"
    counts = {r["path"]: r.get("rows", r.get("events")) for r in package["resources"]}
    assert counts == {
        "awards.csv": 1,
        "artifacts.csv": 1,
        "artifacts.jsonl": 1,
        "publications.csv": 1,
        "deadlines.ics": 1,
    }


def test_datapackage_schemas_document_every_column_with_keys(data_dir):
    open_data_export()

    resources = {r["name"]: r for r in _package(data_dir)["resources"]}
    for name in ("awards", "artifacts", "publications"):
        header = (_current(data_dir) / resources[name]["path"]).read_text().splitlines()[0]
        fields = resources[name]["schema"]["fields"]
        assert [f["name"] for f in fields] == header.split(",")
        assert all(f["title"] and f["description"] and f["type"] != "any" for f in fields)
    assert resources["awards"]["schema"]["primaryKey"] == ["award_number"]
    assert resources["artifacts"]["schema"]["primaryKey"] == ["slug"]
    [foreign_key] = resources["artifacts"]["schema"]["foreignKeys"]
    assert foreign_key == {
        "fields": ["award_number"],
        "reference": {"resource": "awards", "fields": ["award_number"]},
    }
    assert resources["publications"]["schema"]["foreignKeys"] == [foreign_key]
    jsonl_fields = resources["artifacts-jsonl"]["schema"]["fields"]
    assert all(f["type"] != "any" for f in jsonl_fields), "a field of the API is undocumented"


def test_datapackage_names_licence_homepage_and_creation_time(data_dir):
    open_data_export()

    package = _package(data_dir)
    assert package["licenses"] == [
        {
            "name": "CC0-1.0",
            "path": "https://creativecommons.org/publicdomain/zero/1.0/",
            "title": "Creative Commons Zero v1.0 Universal",
        }
    ]
    assert package["homepage"] == "http://testserver/data/"
    created = dt.datetime.fromisoformat(package["created"])
    assert package["created"].endswith("Z")
    assert abs(dt.datetime.now(dt.UTC) - created) < dt.timedelta(minutes=1)


def test_open_data_license_setting_overrides_the_licence(data_dir, settings):
    settings.OPEN_DATA_LICENSE = "odbl-1.0"

    open_data_export()

    [described] = _package(data_dir)["licenses"]
    assert described["name"] == "ODbL-1.0"
    assert described["path"] == "https://opendatacommons.org/licenses/odbl/1-0/"


def test_unknown_licence_refuses_to_export(data_dir, settings):
    settings.OPEN_DATA_LICENSE = "Public-Domain-Maybe"

    with pytest.raises(DomainError, match="OPEN_DATA_LICENSE"):
        open_data_export()
    assert not _current(data_dir).exists()


def test_export_switches_current_and_keeps_only_the_previous_snapshot(data_dir):
    first = open_data_export().directory
    second = open_data_export().directory
    third = open_data_export().directory

    assert os.readlink(_current(data_dir)) == third.name
    assert _snapshots(data_dir) == sorted([second.name, third.name])
    assert not first.exists()


def test_failed_export_leaves_the_old_snapshot_current_and_removes_the_partial_one(
    data_dir, monkeypatch
):
    ArtifactFactory(slug="before")
    old = open_data_export().directory
    ArtifactFactory(slug="after")

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(writers, "write_deadlines", broken)
    with pytest.raises(RuntimeError, match="disk on fire"):
        open_data_export()

    assert os.readlink(_current(data_dir)) == old.name
    assert _snapshots(data_dir) == [old.name]
    assert [row["slug"] for row in _csv(_current(data_dir) / "artifacts.csv")] == ["before"]
    for resource in _package(data_dir)["resources"]:
        body = (_current(data_dir) / resource["path"]).read_bytes()
        assert resource["hash"] == f"sha256:{hashlib.sha256(body).hexdigest()}"


def test_a_second_export_at_the_same_time_is_refused(data_dir):
    data_dir.mkdir(parents=True)
    with (data_dir / ".export.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with pytest.raises(DomainError, match="Another open-data export"):
            open_data_export()
    assert _snapshots(data_dir) == []


def test_export_queries_do_not_grow_with_artifacts(data_dir, count_queries):
    def export_with(n):
        Artifact.objects.all().delete()
        for _ in range(n):
            ArtifactCreatorFactory(artifact=ArtifactFactory())
        return count_queries(open_data_export)

    assert export_with(2) == export_with(6)


@pytest.mark.django_db(transaction=True)
def test_export_outside_a_transaction_reads_in_one_and_leaves_none_open(data_dir):
    ArtifactFactory()

    with CaptureQueriesContext(connection) as queries:
        open_data_export()

    assert len(_csv(_current(data_dir) / "artifacts.csv")) == 1
    if connection.vendor == "postgresql":
        statements = [q["sql"] for q in queries.captured_queries if q["sql"] != "BEGIN"]
        assert statements[0] == "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"
    assert not connection.in_atomic_block
    assert connection.get_autocommit()


CONTENT_TYPES = {
    "awards.csv": "text/csv; charset=utf-8",
    "artifacts.csv": "text/csv; charset=utf-8",
    "artifacts.jsonl": "application/x-ndjson",
    "publications.csv": "text/csv; charset=utf-8",
    "deadlines.ics": "text/calendar; charset=utf-8",
    "datapackage.json": "application/json",
}


@pytest.mark.parametrize("name", FILES)
def test_data_file_is_served_with_type_disposition_and_validators(client, data_dir, name):
    ArtifactFactory()
    open_data_export()

    response = client.get(reverse("artifacts:open-data-file", args=[name]))

    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body == (_current(data_dir) / name).read_bytes()
    assert response["Content-Type"] == CONTENT_TYPES[name]
    disposition = "inline" if name == "datapackage.json" else "attachment"
    assert response["Content-Disposition"] == f'{disposition}; filename="{name}"'
    assert int(response["Content-Length"]) == len(body)
    assert response["ETag"] == f'"{hashlib.sha256(body).hexdigest()}"'
    created = dt.datetime.fromisoformat(_package(data_dir)["created"])
    assert response["Last-Modified"] == created.strftime("%a, %d %b %Y %H:%M:%S GMT")


def test_data_file_etag_comes_from_the_datapackage(client, data_dir):
    open_data_export()

    response = client.get("/data/awards.csv")

    [awards] = [r for r in _package(data_dir)["resources"] if r["path"] == "awards.csv"]
    assert response["ETag"] == f'"{awards["hash"].removeprefix("sha256:")}"'


def test_matching_if_none_match_gets_304_without_a_body(client, data_dir):
    open_data_export()
    etag = client.get("/data/artifacts.csv")["ETag"]

    response = client.get("/data/artifacts.csv", HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 304
    assert response["ETag"] == etag
    assert response.content == b""


def test_other_websites_may_read_the_files_and_their_etags(client, data_dir):
    open_data_export()

    response = client.get("/data/datapackage.json", HTTP_ORIGIN="https://fairness.example.edu")

    assert response["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response["Access-Control-Expose-Headers"]


def test_new_snapshot_with_other_content_answers_200_to_the_old_etag(client, data_dir):
    open_data_export()
    etag = client.get("/data/artifacts.csv")["ETag"]
    ArtifactFactory()
    open_data_export()

    assert client.get("/data/artifacts.csv", HTTP_IF_NONE_MATCH=etag).status_code == 200


@pytest.mark.parametrize(
    "name", ["secrets.txt", "current", ".export.lock", "db.sqlite3", "AWARDS.CSV", "awards.csv.bak"]
)
def test_unknown_data_file_is_404(client, data_dir, name):
    open_data_export()

    assert client.get(f"/data/{name}").status_code == 404


def test_data_files_are_404_before_any_export(client, data_dir):
    assert client.get("/data/awards.csv").status_code == 404


def test_data_file_answers_head_with_its_headers(client, data_dir):
    open_data_export()

    response = client.head("/data/awards.csv")

    assert response.status_code == 200
    assert response["ETag"] == client.get("/data/awards.csv")["ETag"]
    assert int(response["Content-Length"]) == (_current(data_dir) / "awards.csv").stat().st_size


def test_data_files_refuse_post(client, data_dir):
    open_data_export()

    assert client.post("/data/awards.csv").status_code == 405


def test_data_page_before_any_export_says_how_to_make_one(client, data_dir):
    response = client.get("/data/")

    assert response.status_code == 200
    assert "No export has been made yet" in response.content.decode()
    assert "python manage.py export_open_data" in response.content.decode()


def test_data_page_lists_files_sizes_rows_licence_and_columns(client, data_dir):
    for _ in range(3):
        ArtifactFactory()
    open_data_export()

    response = client.get("/data/")
    page = response.content.decode()

    package = _package(data_dir)
    for resource in package["resources"]:
        assert f'href="/data/{resource["path"]}"' in page
    assert 'href="/data/datapackage.json"' in page
    assert "3 rows" in page
    assert "Creative Commons Zero v1.0 Universal" in page
    assert "Columns of awards.csv" in page
    assert "<code>program_element_codes</code>" in page
    assert "NSF program element codes of the award" in page
    assert '<th scope="row"' in page
    assert "Last updated" in page


def test_data_page_makes_no_database_query(client, data_dir, count_queries):
    open_data_export()

    assert count_queries(lambda: client.get("/data/")) == 0


def test_footer_links_to_the_data_page(client, data_dir):
    assert 'href="/data/"' in client.get("/").content.decode()


def test_command_prints_progress_and_a_summary(data_dir):
    ArtifactFactory()
    out = io.StringIO()

    call_command("export_open_data", stdout=out)

    text = out.getvalue()
    assert "awards.csv: 1 rows written" in text
    assert "artifacts.csv, artifacts.jsonl: 1 rows written" in text
    assert "rows/s" in text
    assert "Done in" in text
    assert "publications.csv: 0 rows written" in text
    assert "6 files" in text
    assert str(os.path.realpath(_current(data_dir))) in text


def test_command_output_option_writes_there(data_dir, tmp_path):
    elsewhere = tmp_path / "elsewhere"

    call_command("export_open_data", "--output", str(elsewhere), stdout=io.StringIO())

    assert (elsewhere / "current" / "datapackage.json").exists()
    assert not data_dir.exists()


def test_command_failure_is_a_clear_error_and_keeps_the_old_snapshot(data_dir, monkeypatch):
    old = open_data_export().directory

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writers, "write_awards", broken)
    with pytest.raises(CommandError, match=r"export failed.*No space left.*previous snapshot"):
        call_command("export_open_data", stdout=io.StringIO())
    assert os.readlink(_current(data_dir)) == old.name


def test_task_exports(data_dir):
    open_data_export_task()

    assert (_current(data_dir) / "datapackage.json").exists()


def test_beat_runs_the_export_nightly_at_0330_utc(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["export-open-data"]

    assert entry["task"] == "artifacts.tasks.open_data_export_task"
    assert entry["task"] in app.tasks
    assert entry["schedule"] == crontab(minute=30, hour=3)
    assert settings.CELERY_TIMEZONE == "UTC"


HYPERLINK = '=HYPERLINK("http://evil.example/","x")'


def _plant_formulas():
    """Text a spreadsheet would run, in every kind of text column of both CSV files."""
    award = AwardFactory(
        title=HYPERLINK,
        abstract="+1+1",
        institution=OrganizationFactory(name="@SUM(1+1)", state="-2+3"),
        collaboration_key="\t=1+1",
    )
    ArtifactFactory(award=award, slug="formula", title=HYPERLINK, summary="@SUM(1+1)",
                    version="-1.0-rc1", keywords=["=1+1"])  # fmt: skip


def test_csv_text_that_starts_a_formula_is_quoted_and_the_jsonl_keeps_it(data_dir):
    _plant_formulas()

    open_data_export()

    [award] = _csv(_current(data_dir) / "awards.csv")
    assert award["title"] == f"'{HYPERLINK}"
    assert award["abstract"] == "'+1+1"
    assert award["institution_name"] == "'@SUM(1+1)"
    assert award["institution_state"] == "'-2+3"
    assert award["collaboration_key"] == "'\t=1+1"
    assert award["intended_amount"] == "625000.00"
    [artifact] = _csv(_current(data_dir) / "artifacts.csv")
    assert artifact["title"] == f"'{HYPERLINK}"
    assert artifact["summary"] == "'@SUM(1+1)"
    assert artifact["version"] == "'-1.0-rc1"
    assert artifact["keywords"] == '["=1+1"]'  # a JSON array starts with "["
    [line] = _jsonl(_current(data_dir) / "artifacts.jsonl")
    assert line["title"] == HYPERLINK
    assert line["institution"] == "@SUM(1+1)"


def test_datapackage_stays_valid_and_says_how_formula_text_is_quoted(data_dir):
    _plant_formulas()

    open_data_export()

    report = frictionless.validate(str(_current(data_dir) / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    described = {r["path"]: r["description"] for r in _package(data_dir)["resources"]}
    for name in ("awards.csv", "artifacts.csv", "publications.csv"):
        assert "single quote (')" in described[name], name


def test_export_that_finds_nothing_new_keeps_checksums_and_date(client, data_dir):
    ArtifactFactory()
    DeadlineFactory()
    old = open_data_export().directory
    first = {name: client.get(f"/data/{name}") for name in FILES}

    # A later export of the same public data: the calendar is written anew (its DTSTAMP).
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(hours=2), tick=False):
        new = open_data_export().directory

    assert os.readlink(_current(data_dir)) == new.name != old.name
    for name in FILES:
        response = client.get(f"/data/{name}")
        assert response["ETag"] == first[name]["ETag"], name
        assert response["Last-Modified"] == first[name]["Last-Modified"], name
    for resource in _package(data_dir)["resources"]:
        body = (_current(data_dir) / resource["path"]).read_bytes()
        assert resource["hash"] == f"sha256:{hashlib.sha256(body).hexdigest()}"
