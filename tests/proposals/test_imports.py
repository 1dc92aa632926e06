"""Importing NSF award data: formats, idempotency, matching, bad input, program filter."""

import datetime as dt
import io
import shutil
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fairprog.errors import DomainError
from proposals.models import Award, Organization, Person, ProgramElement
from proposals.nsf.documents import Document, iter_documents
from proposals.nsf.records import clean_text
from proposals.services.imports import ImportAborted, awards_import
from tests.proposals.factories import CycleFactory, DeadlineFactory, ProgramFactory
from tests.proposals.nsf_builders import bulk_json_document

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "nsf"


@pytest.fixture
def program():
    program = ProgramFactory()
    program.program_elements.add(ProgramElement.objects.create(code="114Y", name="FAI"))
    return program


def _import(program, *names, **options):
    return awards_import(
        documents=iter_documents([FIXTURES / name for name in names]),
        program=program,
        import_all=options.pop("import_all", True),
        **options,
    )


# --- Cleaning -------------------------------------------------------------------


def test_clean_text_turns_escaped_breaks_into_paragraphs_and_keeps_angle_brackets():
    assert clean_text("One.&lt;br/&gt;&lt;br/&gt;Two <c+a> slip") == "One.\n\nTwo <c+a> slip"
    assert clean_text("CPATH CDP:   Integrating") == "CPATH CDP: Integrating"


# --- Bulk XML -------------------------------------------------------------------


def test_import_xml_newest_layout_keeps_amounts_team_and_clean_abstract(program):
    summary = _import(program, "nsf-xml-0829619.xml")
    assert summary.created == 1
    award = Award.objects.get(award_number="0829619")
    assert (
        award.title
        == "CPATH CDP: Integrating Sustainability Into Undergraduate Computing Education"
    )
    assert "&lt;" not in award.abstract
    assert "<br" not in award.abstract
    assert "\n\nThe intellectual merit" in award.abstract
    assert award.intended_amount == Decimal("144554.00")
    assert award.awarded_amount == Decimal("228554")
    assert award.obligated_amount == Decimal("228554")  # 144554 + 41000 + 43000
    assert (award.start_date, award.end_date) == (dt.date(2008, 7, 1), dt.date(2012, 6, 30))
    assert award.institution.name == "Michigan Technological University"
    assert award.program_officer == "Harriet Taylor"
    roles = sorted(award.investigators.values_list("person__family_name", "role"))
    assert ("Cai", "pi") in roles
    assert ("Amos", "former_co_pi") in roles
    assert len(roles) == 6
    assert sorted(award.program_elements.values_list("code", flat=True)) == ["1714", "7640"]


def test_import_xml_keeps_text_that_only_looks_like_html(program):
    _import(program, "nsf-xml-1709151.xml", "nsf-xml-0814242.xml")
    assert "<c+a>" in Award.objects.get(award_number="1709151").title
    assert "<c+a>" in Award.objects.get(award_number="1709151").abstract
    assert "<FeIII-OH2>" in Award.objects.get(award_number="0814242").abstract


def test_import_xml_keeps_one_person_in_two_roles_and_matches_people_once(program):
    _import(program, "nsf-xml-1740741.xml")
    award = Award.objects.get(award_number="1740741")
    roles = set(award.investigators.values_list("person__family_name", "role"))
    assert {("Brock", "co_pi"), ("Brock", "former_pi")} <= roles
    assert {("Sandstede", "pi"), ("Sandstede", "former_co_pi")} <= roles
    assert Person.objects.count() == 5
    assert award.investigators.filter(role="pi").count() == 1


def test_import_xml_edge_cases_without_team_or_institution(program):
    summary = _import(program, "nsf-edge-0823112.xml", "nsf-edge-1249215.xml")
    assert summary.created == 2
    sttr = Award.objects.get(award_number="0823112")
    assert sttr.institution is None
    assert sttr.intended_amount == Decimal("0")
    assert sttr.awarded_amount == Decimal("480409")
    assert Award.objects.get(award_number="1249215").abstract == ""


# --- API JSON and bulk JSON -------------------------------------------------------


def test_import_api_json_reads_string_values(program):
    summary = _import(program, "nsf-api-ncar-2015.json")
    assert summary.created == 21
    award = Award.objects.get(award_number="1513102")
    assert award.intended_amount == Decimal("608513")
    assert award.nsf_first_amended == dt.date(2015, 9, 17)
    assert award.institution.name == "University Corporation For Atmospheric Res"
    assert Organization.objects.count() == 1
    assert any('"' in title for title in Award.objects.values_list("title", flat=True))


def test_import_api_json_without_program_elements_is_skipped_unless_all(program):
    summary = _import(program, "nsf-api-cassette-qualitative-offset26.json", import_all=False)
    assert summary.skipped_no_program_element == 12
    assert not Award.objects.exists()


def test_import_api_error_envelope_is_bad_input(program):
    with pytest.raises(ImportAborted, match="AwardAPI-004"):
        _import(program, "nsf-api-cassette-servicenotification.json")


def test_import_bulk_json_deduplicates_element_codes_case_insensitively(program):
    document = bulk_json_document(
        "2147276",
        pgm_ele=[
            {"pgm_ele_code": "114y00", "pgm_ele_name": "Fairness in Artificial Intelli"},
            {"pgm_ele_code": "114Y00", "pgm_ele_name": "Fairness in Artificial Intelli"},
        ],
    )
    awards_import(documents=[document], program=program)
    award = Award.objects.get(award_number="2147276")
    assert list(award.program_elements.values_list("code", flat=True)) == ["114Y"]
    assert ProgramElement.objects.filter(code__iexact="114y").count() == 1


def test_import_bulk_json_accepts_institution_as_a_list(program):
    document = bulk_json_document(
        "2040800", inst=[{"inst_name": "University of California-Santa Cruz"}]
    )
    awards_import(documents=[document], program=program)
    assert Award.objects.get().institution.name == "University of California-Santa Cruz"


# --- Idempotency and updates --------------------------------------------------------


def test_reimport_changes_nothing_and_says_so(program):
    names = ["nsf-xml-0829619.xml", "nsf-xml-1740741.xml", "nsf-api-ncar-2015.json"]
    _import(program, *names)
    history = Award.history.count()
    people = Person.objects.count()
    summary = _import(program, *names)
    assert (summary.created, summary.updated, summary.unchanged) == (0, 0, 23)
    assert Award.history.count() == history
    assert Person.objects.count() == people


def test_newer_record_updates_the_award_and_its_history_shows_the_change(program):
    awards_import(documents=[bulk_json_document("2040942")], program=program)
    newer = bulk_json_document(
        "2040942",
        awd_amount=681000.0,
        awd_max_amd_letter_date="2024-04-23",
        awd_titl_txt="FAI: Organizing Crowd Audits to Detect Bias in Machine Learning",
    )
    summary = awards_import(documents=[newer], program=program)
    assert summary.updated == 1
    award = Award.objects.get()
    assert award.awarded_amount == Decimal("681000")
    latest, previous = award.history.all()[:2]
    changed = {change.field for change in latest.diff_against(previous).changes}
    assert {"title", "awarded_amount", "nsf_last_amended"} <= changed
    assert latest.history_change_reason == "NSF award data import"


def test_older_record_does_not_overwrite_a_newer_one(program):
    awards_import(
        documents=[bulk_json_document("2040942", awd_max_amd_letter_date="2024-04-23")],
        program=program,
    )
    stale = bulk_json_document(
        "2040942", awd_titl_txt="Old title", awd_max_amd_letter_date="2021-01-25"
    )
    summary = awards_import(documents=[stale], program=program)
    assert summary.skipped_older == 1
    assert Award.objects.get().title != "Old title"


def test_dry_run_reports_changes_and_writes_nothing(program):
    summary = awards_import(
        documents=[bulk_json_document("2040800"), bulk_json_document("2040926")],
        program=program,
        dry_run=True,
    )
    assert summary.created == 2
    assert any(change.startswith("2040800: new") for change in summary.changes)
    assert not Award.objects.exists()
    assert not Person.objects.exists()


# --- Matching ---------------------------------------------------------------------


def test_organizations_are_matched_by_normalised_name(program):
    awards_import(
        documents=[
            bulk_json_document("2040926", inst={"inst_name": "Carnegie-Mellon University"}),
            bulk_json_document("2040942", inst={"inst_name": "CARNEGIE MELLON UNIVERSITY"}),
        ],
        program=program,
    )
    assert Organization.objects.count() == 1


def test_people_are_matched_across_awards_by_nsf_id(program):
    pi = [
        {
            "pi_role": "Principal Investigator",
            "pi_first_name": "Jason",
            "pi_last_name": "Hong",
            "nsf_id": "000123456",
        }
    ]
    awards_import(
        documents=[bulk_json_document("2040942", pi=pi), bulk_json_document("2040943", pi=pi)],
        program=program,
    )
    assert Person.objects.filter(family_name="Hong").count() == 1


def test_collaborative_awards_share_a_collaboration_key(program):
    title = "Collaborative Research: FAI: Fair Representation Learning"
    awards_import(
        documents=[
            bulk_json_document("2040001", awd_titl_txt=title, inst={"inst_name": "Univ A"}),
            bulk_json_document("2040002", awd_titl_txt=title, inst={"inst_name": "Univ B"}),
            bulk_json_document("2040003"),
        ],
        program=program,
    )
    keys = dict(Award.objects.values_list("award_number", "collaboration_key"))
    assert keys["2040001"] == keys["2040002"] != ""
    assert keys["2040003"] == ""


def test_award_is_placed_in_the_cycle_whose_deadline_preceded_its_award_letter(program):
    cycle_2019 = CycleFactory(program=program, year=2019)
    cycle_2020 = CycleFactory(program=program, year=2020)
    DeadlineFactory(cycle=cycle_2019, due_date=dt.date(2019, 6, 24))
    DeadlineFactory(cycle=cycle_2020, due_date=dt.date(2020, 7, 13))
    awards_import(documents=[bulk_json_document("2040800")], program=program)
    assert Award.objects.get().cycle == cycle_2020


# --- Program filter ---------------------------------------------------------------


def test_program_filter_counts_and_skips_other_programs(program):
    summary = _import(program, "nsf-xml-0829619.xml", "nsf-xml-1740741.xml", import_all=False)
    assert summary.skipped_other_program == 2
    assert not Award.objects.exists()
    summary = _import(
        program,
        "nsf-xml-0829619.xml",
        "nsf-xml-1740741.xml",
        import_all=False,
        element_codes={"7640"},
    )
    assert list(Award.objects.values_list("award_number", flat=True)) == ["0829619"]


def test_program_without_codes_is_refused_unless_all():
    with pytest.raises(DomainError, match="has no program element codes"):
        awards_import(documents=[], program=ProgramFactory())


# --- Bad input --------------------------------------------------------------------


def test_malformed_file_aborts_with_nothing_imported(program):
    with pytest.raises(ImportAborted) as excinfo:
        _import(program, "nsf-xml-0829619.xml", "nsf-bad-1507053.xml")
    assert "nsf-bad-1507053.xml: malformed XML" in excinfo.value.message
    assert "line 26, column 653" in excinfo.value.message
    assert not Award.objects.exists()
    assert not Person.objects.exists()


def test_skip_bad_imports_the_rest_and_lists_the_bad(program):
    summary = _import(program, "nsf-xml-0829619.xml", "nsf-bad-1507053.xml", skip_bad=True)
    assert summary.created == 1
    assert len(summary.bad) == 1
    assert "line 26, column 653" in summary.bad[0]


def test_record_that_ends_before_it_starts_is_bad_input(program):
    bad = bulk_json_document("2040800", awd_eff_date="2024-01-01", awd_exp_date="2023-01-01")
    with pytest.raises(ImportAborted, match=r"ends .* before it starts"):
        awards_import(documents=[bad], program=program)


def test_corrupt_zip_is_bad_input(program, tmp_path):
    broken = tmp_path / "awards.zip"
    broken.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(ImportAborted, match="not a readable zip archive"):
        awards_import(documents=iter_documents([broken]), program=program, import_all=True)


# --- Containers ---------------------------------------------------------------------


def test_import_reads_zip_archives_and_directories(program, tmp_path):
    archive = tmp_path / "2017.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for name in ("nsf-xml-1709151.xml", "nsf-xml-1740741.xml"):
            zipped.write(FIXTURES / name, arcname=name)
    folder = tmp_path / "more" / "nested"
    folder.mkdir(parents=True)
    shutil.copy(FIXTURES / "nsf-xml-0814242.xml", folder)
    (folder / "notes.txt").write_text("not award data")
    summary = awards_import(
        documents=iter_documents([archive, tmp_path / "more"]), program=program, import_all=True
    )
    assert summary.documents == 3
    assert Award.objects.count() == 3


# --- Queries --------------------------------------------------------------------


def _write_queries(program, count: int, start: int) -> int:
    documents = [bulk_json_document(str(start + i)) for i in range(count)]
    with CaptureQueriesContext(connection) as ctx:
        awards_import(documents=documents, program=program, batch_size=100)
    return len(ctx.captured_queries)


# 30 rows keep every INSERT under SQLite's 999-parameter limit, so the count
# compares lookups, not the driver's splitting of large statements.
def test_import_query_count_does_not_grow_with_the_rows_in_a_batch(program):
    _write_queries(program, 1, 2000000)  # the shared institution and element now exist
    few = _write_queries(program, 3, 2100000)
    many = _write_queries(program, 30, 2200000)
    assert few == many


def test_reimport_query_count_does_not_grow_with_the_rows_in_a_batch(program):
    _write_queries(program, 3, 2300000)
    _write_queries(program, 30, 2400000)
    few = _write_queries(program, 3, 2300000)
    many = _write_queries(program, 30, 2400000)
    assert few == many


# --- Command ----------------------------------------------------------------------


def test_command_reports_progress_and_a_summary(program):
    out = io.StringIO()
    call_command("import_nsf_awards", str(FIXTURES / "nsf-xml-1740741.xml"), "--all", stdout=out)
    text = out.getvalue()
    assert "reading: 1/1 documents" in text
    assert "awards/s" in text
    assert "1 created" in text


def test_command_exits_non_zero_on_bad_input_and_names_the_file(program):
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing imported"):
        call_command(
            "import_nsf_awards",
            str(FIXTURES / "nsf-bad-1507053.xml"),
            "--all",
            stdout=io.StringIO(),
            stderr=err,
        )
    assert "nsf-bad-1507053.xml: malformed XML" in err.getvalue()
    assert not Award.objects.exists()


def test_command_refuses_a_missing_path(program):
    with pytest.raises(CommandError, match="No such file or directory"):
        call_command("import_nsf_awards", "/nonexistent/awards.zip", stdout=io.StringIO())


def test_command_dry_run_writes_nothing(program):
    out = io.StringIO()
    call_command(
        "import_nsf_awards",
        str(FIXTURES / "nsf-api-ncar-2015.json"),
        "--all",
        "--dry-run",
        stdout=out,
    )
    assert "Would import" in out.getvalue()
    assert not Award.objects.exists()


def test_document_sources_name_the_zip_member(tmp_path):
    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("x/1709151.xml", (FIXTURES / "nsf-xml-1709151.xml").read_bytes())
    [document] = list(iter_documents([archive]))
    assert isinstance(document, Document)
    assert document.source.endswith("a.zip!x/1709151.xml")
