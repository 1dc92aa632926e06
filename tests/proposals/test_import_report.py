"""The import report: each skipped award named with why, "Import anyway" from a run's
page, awards outside the program left out of its totals, and API JSON matched by the
program's name (fundProgramName)."""

import json
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from fairprog.errors import DomainError
from proposals.models import Award, ImportRun, ProgramElement
from proposals.nsf.documents import Document, DocumentSet
from proposals.nsf.records import record_as_json, record_from_json
from proposals.nsf.report import SKIP_BAD, SKIP_NO_ELEMENT, SKIP_OLDER, SKIP_OTHER_PROGRAM
from proposals.nsf.xml import parse_xml
from proposals.services import import_batches
from proposals.services.import_runs import import_run_execute, import_run_import_anyway
from proposals.services.imports import awards_import
from tests.proposals.factories import AwardFactory, ProgramFactory
from tests.proposals.nsf_builders import bulk_json_document

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "nsf"
CASSETTE = "nsf-api-cassette-qualitative-offset26.json"
TRIPODS = "Foundations of Model Driven Discovery from Massive Data"


@pytest.fixture
def program():
    program = ProgramFactory()
    program.program_elements.add(
        ProgramElement.objects.create(code="114Y", name="Fairness in Artificial Intelligence")
    )
    return program


def _import(program, *names, **options):
    return awards_import(
        documents=DocumentSet([FIXTURES / name for name in names]), program=program, **options
    )


def _only(summary):
    (entry,) = summary.skipped
    return entry


def _api_document(*awards) -> Document:
    return Document(source="api.json", data=json.dumps({"response": {"award": awards}}).encode())


def _cassette_award(number: str) -> dict:
    awards = json.loads((FIXTURES / CASSETTE).read_text())["response"]["award"]
    return next(award for award in awards if award["id"] == number)


def _stored_run(program, name: str) -> ImportRun:
    run = ImportRun(program=program, filename=name)
    run.upload.save(name, ContentFile((FIXTURES / name).read_bytes()), save=True)
    return run


# --- Each reason named ------------------------------------------------------------------


def test_an_award_of_another_program_is_named_with_its_program_elements(program):
    entry = _only(_import(program, "nsf-xml-1740741.xml"))
    assert (entry["award_number"], entry["title"]) == ("1740741", TRIPODS)
    assert entry["reason"] == SKIP_OTHER_PROGRAM
    assert "041Y TRIPODS Transdisciplinary Rese" in entry["why"]
    assert "the program's are 114Y" in entry["why"]


def test_an_award_whose_record_names_no_program_element_is_named_as_such(program):
    entry = _only(_import(program, "nsf-edge-1249215.xml"))
    assert entry["award_number"] == "1249215"
    assert entry["reason"] == SKIP_NO_ELEMENT


def test_an_api_award_without_codes_names_the_program_it_is_funded_from(program):
    summary = _import(program, CASSETTE)
    assert len(summary.skipped) == summary.skipped_no_program_element == 12
    entry = next(e for e in summary.skipped if e["award_number"] == "1845771")
    assert entry["reason"] == SKIP_NO_ELEMENT
    assert entry["why"].endswith("it is funded from Robust Intelligence")


def test_an_award_older_than_the_one_stored_is_named(program):
    _import(program, "nsf-xml-1740741.xml", anyway={"1740741"})
    Award.objects.update(nsf_last_amended="2030-01-01")
    entry = _only(_import(program, "nsf-xml-1740741.xml", anyway={"1740741"}))
    assert (entry["award_number"], entry["reason"]) == ("1740741", SKIP_OLDER)
    assert "older than the one stored (last amended 2030-01-01)" in entry["why"]


def test_a_malformed_award_file_is_named_with_its_parse_error(program):
    entry = _only(_import(program, "nsf-bad-1507053.xml", skip_bad=True))
    assert entry["reason"] == SKIP_BAD
    assert entry["award_number"] == "1507053"
    assert entry["title"] == "RUI - Understanding Vibrations in Dysprosium"
    assert entry["why"].startswith("malformed XML (not well-formed (invalid token)) at line 26")


def test_a_bad_field_in_a_record_names_its_award_and_title(program):
    document = bulk_json_document("2147000", awd_eff_date="31/31/2021")
    summary = awards_import(documents=[document], program=program, skip_bad=True)
    entry = _only(summary)
    assert (entry["award_number"], entry["reason"]) == ("2147000", SKIP_BAD)
    assert entry["title"] == "FAI: Fair learning project 2147000"
    assert "awd_eff_date '31/31/2021' is not a date" in entry["why"]


def test_the_list_of_skipped_awards_is_capped_and_counts_the_rest(program, monkeypatch):
    monkeypatch.setattr(import_batches, "SKIPPED_LISTED", 5)
    summary = _import(program, CASSETTE)
    assert (len(summary.skipped), summary.skipped_unlisted) == (5, 7)


def test_an_import_run_keeps_its_skipped_awards(program):
    run = _stored_run(program, "nsf-xml-1740741.xml")
    import_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == ImportRun.Status.SUCCEEDED
    assert [(e["award_number"], e["title"]) for e in run.skipped] == [("1740741", TRIPODS)]
    assert "1 skipped" in run.message
    assert "listed below" in run.message


def test_the_command_summary_names_each_skipped_award_and_why(program):
    out = StringIO()
    call_command("import_nsf_awards", str(FIXTURES / "nsf-xml-1740741.xml"), stdout=out)
    assert f"1740741 “{TRIPODS}”: another program's: its program elements are 041Y" in (
        out.getvalue()
    )


def test_the_command_names_the_bad_award_it_skipped(program):
    out = StringIO()
    with pytest.raises(CommandError, match="1 bad input"):
        call_command(
            "import_nsf_awards", str(FIXTURES / "nsf-bad-1507053.xml"), "--skip-bad", stdout=out
        )
    assert "1507053 “RUI - Understanding Vibrations in Dysprosium”: bad record: malformed" in (
        out.getvalue()
    )


# --- Import anyway ------------------------------------------------------------------------


def test_a_kept_record_reads_back_as_the_record_it_was():
    (record,) = parse_xml((FIXTURES / "nsf-xml-1740741.xml").read_bytes(), source="a.xml")
    assert record_from_json(json.loads(json.dumps(record_as_json(record)))) == record


def test_the_anyway_flag_imports_the_award_marked_outside_the_program(program):
    summary = _import(program, "nsf-xml-1740741.xml", "nsf-xml-1709151.xml", anyway={"1740741"})
    assert summary.created == 1
    assert [e["award_number"] for e in summary.skipped] == ["1709151"]
    award = Award.objects.get()
    assert (award.award_number, award.outside_program) == ("1740741", True)


def test_an_award_of_the_program_is_never_marked_outside_it(program):
    _import(program, "nsf-xml-1740741.xml", element_codes={"041Y"}, anyway={"1740741"})
    assert Award.objects.get().outside_program is False


def test_import_anyway_from_the_run_page_imports_the_award_from_its_kept_record(
    program, staff_client
):
    run = _stored_run(program, "nsf-xml-1740741.xml")
    import_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert not run.upload  # the file is gone once imported: the kept record is used
    response = staff_client.post(
        reverse("admin:proposals_importrun_import_anyway", args=[run.pk]),
        {"award_number": "1740741"},
        follow=True,
    )
    assert b"Award 1740741 imported, marked outside the program." in response.content
    award = Award.objects.get(award_number="1740741")
    assert award.outside_program
    assert award.title == TRIPODS
    assert award.investigators.count() == 7
    assert b"Imported anyway" in response.content


def test_import_anyway_twice_is_refused_with_a_message(program):
    run = _stored_run(program, "nsf-xml-1740741.xml")
    import_run_execute(run_id=run.pk)
    run.refresh_from_db()
    import_run_import_anyway(run=run, award_number="1740741")
    with pytest.raises(DomainError, match="already imported anyway"):
        import_run_import_anyway(run=run, award_number="1740741")


def test_import_anyway_of_an_award_not_skipped_is_a_message_not_an_error(program, staff_client):
    run = _stored_run(program, "nsf-xml-1740741.xml")
    import_run_execute(run_id=run.pk)
    response = staff_client.post(
        reverse("admin:proposals_importrun_import_anyway", args=[run.pk]),
        {"award_number": "9999999"},
        follow=True,
    )
    assert response.status_code == 200
    assert b"did not skip award 9999999" in response.content
    assert not Award.objects.exists()


def test_import_anyway_takes_only_a_post(program, staff_client):
    run = _stored_run(program, "nsf-xml-1740741.xml")
    url = reverse("admin:proposals_importrun_import_anyway", args=[run.pk])
    assert staff_client.get(url).status_code == 405


def test_import_anyway_keeps_a_newer_stored_award_and_can_be_tried_again(program):
    run = _stored_run(program, "nsf-xml-1740741.xml")
    import_run_execute(run_id=run.pk)
    AwardFactory(award_number="1740741", title="Newer", nsf_last_amended="2030-01-01")
    summary = import_run_import_anyway(run=run, award_number="1740741")
    assert summary.skipped_older == 1
    assert Award.objects.get(award_number="1740741").title == "Newer"
    run.refresh_from_db()
    assert "imported_anyway" not in run.skipped[0]


def test_import_anyway_is_refused_for_a_bad_record(program):
    run = _stored_run(program, "nsf-bad-1507053.xml")
    ImportRun.objects.filter(pk=run.pk).update(skip_bad=True)
    import_run_execute(run_id=run.pk)
    run.refresh_from_db()
    with pytest.raises(DomainError, match="did not skip award 1507053"):
        import_run_import_anyway(run=run, award_number="1507053")


def test_the_run_page_lists_skipped_awards_in_a_fixed_number_of_queries(
    program, staff_client, django_assert_max_num_queries
):
    run = _stored_run(program, CASSETTE)
    import_run_execute(run_id=run.pk)
    url = reverse("admin:proposals_importrun_change", args=[run.pk])
    with django_assert_max_num_queries(12):
        page = staff_client.get(url)
    text = page.content.decode()
    assert text.count(">Import anyway</button>") == 12
    assert "SBIR Phase I:  A SWING-ASSIST KNEE PROSTHESIS" in text or "1843764" in text
    assert "no program element in the record" in text


def test_the_run_page_counts_the_skipped_awards_it_does_not_list(
    program, staff_client, monkeypatch
):
    monkeypatch.setattr(import_batches, "SKIPPED_LISTED", 3)
    run = _stored_run(program, CASSETTE)
    import_run_execute(run_id=run.pk)
    page = staff_client.get(reverse("admin:proposals_importrun_change", args=[run.pk]))
    assert b"9 more skipped awards are counted but not listed." in page.content


# --- Outside the program: public, but not in its totals ---------------------------------


def test_the_numbers_page_leaves_awards_outside_the_program_out_of_its_totals(client):
    AwardFactory.create_batch(2, awarded_amount=Decimal("100"))
    AwardFactory(outside_program=True, awarded_amount=Decimal("5000"))
    totals = client.get(reverse("numbers")).context["totals"]
    assert (totals["projects"], totals["awarded"]) == (2, Decimal("200"))


def test_the_dashboards_active_awards_leave_out_awards_outside_the_program(staff_client):
    AwardFactory.create_batch(2, start_date="2020-01-01", end_date="2099-12-31")
    AwardFactory(outside_program=True, start_date="2020-01-01", end_date="2099-12-31")
    page = staff_client.get(reverse("admin:index"))
    (figure,) = [f for f in page.context["figures"] if f.key == "awards_active"]
    assert figure.value == 2
    listed = staff_client.get(figure.url)
    assert listed.context["cl"].result_count == 2


def test_an_award_outside_the_program_is_a_public_project_that_says_so(client):
    award = AwardFactory(outside_program=True)
    page = client.get(reverse("artifacts:project-detail", args=[award.award_number]))
    assert page.status_code == 200
    assert b"Outside the program: NSF funds this project from another program." in page.content


# --- API JSON: the program by name -----------------------------------------------------


def test_an_api_award_funded_from_a_program_element_by_name_is_the_programs(program):
    program.program_elements.add(
        ProgramElement.objects.create(code="7495", name="Robust Intelligence")
    )
    summary = _import(program, CASSETTE)
    assert summary.created == 1
    award = Award.objects.get()
    assert (award.award_number, award.outside_program) == ("1845771", False)
    assert summary.skipped_no_program_element == 11


def test_an_api_award_funded_from_the_programs_name_cut_by_nsf_is_the_programs(program):
    award = {**_cassette_award("1845771"), "fundProgramName": "Fairness in Artificial Intelli"}
    summary = awards_import(documents=[_api_document(award)], program=program)
    assert summary.created == 1
    assert not summary.skipped


def test_an_api_award_funded_from_another_program_by_name_is_skipped(program):
    summary = awards_import(documents=[_api_document(_cassette_award("1855477"))], program=program)
    assert summary.created == 0
    assert _only(summary)["why"].endswith("it is funded from Sociology")
