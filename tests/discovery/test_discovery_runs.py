"""Discovery end to end against a loopback stand-in for the four indexes serving recorded
bodies: the awards searched, each source's run record, the suggestions made and why, a failing
source kept apart, the command (progress, summary, --json, --from-file, bad arguments) and the
weekly task on a real worker."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from artifacts.discovery.awards import NSF
from artifacts.discovery.records import Source
from artifacts.models import DiscoveryRun, Suggestion
from artifacts.services.discovery import suggestion_reject
from artifacts.services.discovery_runs import (
    award_funder_identity,
    discovery_awards,
    discovery_run,
)
from fairprog.errors import DomainError
from proposals.models import Organization
from tests.conftest import wait_until
from tests.discovery.conftest import Answer, StandIn
from tests.proposals.factories import AwardFactory, ProgramFactory

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "discovery"
# What the stand-in answers to every search of each source (see SOURCES.md).
BODIES = {
    Source.DATACITE: FIXTURES / "datacite/doi-10.5063-f1m61h5x-software-nsf-2026.json",
    Source.CROSSREF: FIXTURES / "crossref/funders-10.13039-100000001-works-rows5.json",
    Source.OPENALEX: FIXTURES
    / "openalex/work-doi-10.1145-3448016.3452841-grants-and-awards-2025-12.json",
    Source.ZENODO: FIXTURES / "zenodo/records-search-keyword-cldf-2023-10.json",
}
# The portfolio: three awards the recorded works cite, and one nothing cites.
SOFTWARE, PHYSICS, DATABASES, UNCITED = "2042102", "1203100", "1724745", "2040800"
EXPECTED = [
    {"award_number": PHYSICS, "identifier": "10.1103/physrevc.91.057301", "source": "crossref",
     "type": "article"},
    {"award_number": DATABASES, "identifier": "10.1145/3448016.3452841", "source": "openalex",
     "type": "article"},
    {"award_number": SOFTWARE, "identifier": "10.5063/f1m61h5x", "source": "datacite",
     "type": "software"},
]  # fmt: skip


def recorded(request: web.Request, count: int) -> Answer:
    source = Source(request.path.strip("/").split("/")[0])
    return Answer(body=BODIES[source].read_bytes())


def discovery_settings(origin: str) -> dict[str, Any]:
    values: dict[str, Any] = {
        "DISCOVERY_TIMEOUT": 5.0,
        "DISCOVERY_RETRIES": 0,
        "DISCOVERY_PAGE_SIZE": 5,
        "DISCOVERY_CONTACT": "discovery@fairprog.example.org",
    }
    for source in Source:
        prefix = f"DISCOVERY_{source.name}"
        values.update(
            {
                # GitHub is off unless a token is set, as by default.
                f"{prefix}_ENABLED": source is not Source.GITHUB,
                f"{prefix}_URL": f"{origin}/{source.value}",
                f"{prefix}_RATE": 50.0,
                f"{prefix}_CONCURRENCY": 2,
            }
        )
    return values


@pytest.fixture
def indexes(index: StandIn, settings: Any) -> StandIn:
    index.route = recorded
    for name, value in discovery_settings(index.origin).items():
        setattr(settings, name, value)
    settings.DISCOVERY_YEARS = 3
    return index


@pytest.fixture
def portfolio(db: None) -> dict[str, Any]:
    nsf = Organization.objects.create(
        name="U.S. National Science Foundation",
        kind=Organization.Kind.FUNDER,
        ror_id="021nxhr62",
        funder_id="100000001",
    )
    program = ProgramFactory(award_funder=nsf)
    today = timezone.localdate()
    return {
        number: AwardFactory(
            award_number=number,
            program=program,
            start_date=today - dt.timedelta(days=700),
            end_date=today + dt.timedelta(days=400),
        )
        for number in (SOFTWARE, PHYSICS, DATABASES, UNCITED)
    }


def _entries() -> list[dict[str, str]]:
    return sorted(
        (
            {
                "award_number": s.award.award_number,
                "identifier": s.doi or s.url,
                "source": s.sources[0],
                "type": s.work_type,
            }
            for s in Suggestion.objects.select_related("award")
        ),
        key=lambda entry: entry["award_number"],
    )


@pytest.mark.django_db
def test_a_run_suggests_each_work_citing_an_award_with_why_it_matched(indexes, portfolio):
    runs = discovery_run()

    by_source = {run.source: run for run in runs}
    assert set(by_source) == {"datacite", "crossref", "openalex", "zenodo"}
    for run in runs:
        assert run.status == DiscoveryRun.Status.SUCCEEDED, run.error
        assert (run.awards_searched, run.requests) == (4, 4)
        assert run.finished_at is not None
    assert by_source["zenodo"].works_read == 40  # ten records for each award, none citing NSF
    assert [by_source[s].suggestions_made for s in ("datacite", "crossref", "openalex")] == [
        1,
        1,
        1,
    ]
    assert _entries() == EXPECTED
    physics = Suggestion.objects.get(award__award_number=PHYSICS)
    assert physics.matches == [
        {
            "source": "crossref",
            "raw_award": "PHY-1203100 (USNA)",
            "funder_as_given": "National Science Foundation (10.13039/100000001)",
            "award_number": PHYSICS,
        }
    ]
    assert physics.source_records["crossref"]["DOI"] == "10.1103/physrevc.91.057301"


@pytest.mark.django_db
def test_a_source_answering_garbage_fails_its_run_alone_and_writes_nothing(indexes, portfolio):
    def route(request: web.Request, count: int) -> Answer:
        if request.path.startswith("/crossref/"):
            return Answer(body=b"<html><body>Service temporarily unavailable</body></html>")
        return recorded(request, count)

    indexes.route = route

    runs = {run.source: run for run in discovery_run()}

    crossref = runs["crossref"]
    assert crossref.status == DiscoveryRun.Status.FAILED
    assert crossref.error.startswith(f"Crossref: {indexes.origin}/crossref/works?")
    assert "unreadable answer: Crossref answer is not JSON" in crossref.error
    assert crossref.suggestions_made == 0
    assert not Suggestion.objects.filter(award__award_number=PHYSICS).exists()
    assert all(runs[s].status == DiscoveryRun.Status.SUCCEEDED for s in ("datacite", "zenodo"))
    assert Suggestion.objects.count() == 2


@pytest.mark.django_db
def test_a_source_whose_daily_limit_is_spent_fails_its_run_naming_the_setting(
    indexes, portfolio, settings
):
    settings.DISCOVERY_OPENALEX_DAILY_LIMIT = 6
    now = timezone.now()
    for hours_ago, requests in [(23, 3), (25, 100)]:  # the run of 25 hours ago counts no more
        DiscoveryRun.objects.create(
            source="openalex", started_at=now - dt.timedelta(hours=hours_ago), requests=requests
        )

    runs = {run.source: run for run in discovery_run()}

    openalex = runs["openalex"]
    assert openalex.status == DiscoveryRun.Status.FAILED
    assert openalex.error == (
        "OpenAlex: the daily limit of requests is spent (DISCOVERY_OPENALEX_DAILY_LIMIT; 3 were "
        "left for this run); the awards not yet searched wait for the next run."
    )
    assert openalex.requests == 3
    assert not Suggestion.objects.filter(award__award_number=DATABASES).exists()
    assert all(runs[s].status == DiscoveryRun.Status.SUCCEEDED for s in ("datacite", "crossref"))


@pytest.mark.django_db
def test_a_source_token_goes_as_the_source_asks_and_stays_out_of_the_record(
    indexes, portfolio, settings
):
    settings.DISCOVERY_OPENALEX_TOKEN = "openalex-key-0123456789"
    settings.DISCOVERY_CROSSREF_TOKEN = "crossref-plus-0123456789"
    indexes.route = lambda request, count: (
        Answer(status=400, body=b"{}") if request.path.startswith("/openalex/")
        else recorded(request, count)
    )  # fmt: skip

    runs = {run.source: run for run in discovery_run()}

    openalex = [seen for seen in indexes.seen if seen.path_qs.startswith("/openalex/")]
    assert "api_key=openalex-key-0123456789" in openalex[0].path_qs
    assert "openalex-key" not in runs["openalex"].error
    assert "api_key=…" in runs["openalex"].error
    crossref = [seen for seen in indexes.seen if seen.path_qs.startswith("/crossref/")]
    assert crossref[0].headers["Crossref-Plus-API-Token"] == "Bearer crossref-plus-0123456789"
    datacite = [seen for seen in indexes.seen if seen.path_qs.startswith("/datacite/")]
    assert "Authorization" not in datacite[0].headers


@pytest.mark.django_db
def test_github_suggests_a_repository_whose_citation_cff_names_the_award(
    indexes, portfolio, settings
):
    from tests.discovery.test_github import METPY_CFF, contents, item, search

    AwardFactory(award_number="1344155", program=portfolio[SOFTWARE].program)
    settings.DISCOVERY_GITHUB_ENABLED = True
    settings.DISCOVERY_GITHUB_TOKEN = "ghp_example0123456789"

    def route(request: web.Request, count: int) -> Answer:
        if request.path == "/github/search/code":
            found = "1344155" in request.query_string
            items = [item(f"{indexes.origin}/github", "CITATION.cff")] if found else []
            return Answer(body=search(items))
        return Answer(body=contents("CITATION.cff", METPY_CFF))

    indexes.route = route

    (run,) = discovery_run(sources=[Source.GITHUB])

    assert (run.status, run.suggestions_made, run.awards_searched) == ("succeeded", 1, 5)
    suggestion = Suggestion.objects.get()
    assert (suggestion.award.award_number, suggestion.work_type, suggestion.doi) == (
        "1344155",
        "software",
        "10.5065/d6ww7g29",
    )
    assert suggestion.matches[0]["raw_award"] == "AGS-1344155"
    assert suggestion.matches[0]["funder_as_given"] == "National Science Foundation"
    assert suggestion.creators[0]["orcid"] == "0000-0003-2907-038X"


@pytest.mark.django_db
def test_running_twice_makes_no_duplicates(indexes, portfolio):
    discovery_run()

    again = discovery_run()

    assert Suggestion.objects.count() == 3
    assert [run.suggestions_made for run in again] == [0, 0, 0, 0]
    assert DiscoveryRun.objects.count() == 8


@pytest.mark.django_db
def test_a_rejected_suggestion_never_returns(indexes, portfolio, staff_user):
    discovery_run(sources=[Source.DATACITE])
    software = Suggestion.objects.get()
    suggestion_reject(suggestion=software, user=staff_user, reason="A platform, not our output.")

    (run,) = discovery_run(sources=[Source.DATACITE])

    assert run.suggestions_made == 0
    software.refresh_from_db()
    assert software.state == Suggestion.State.REJECTED
    assert Suggestion.objects.count() == 1


@pytest.mark.django_db
def test_named_awards_are_searched_exactly(indexes, portfolio):
    runs = discovery_run(sources=[Source.CROSSREF], award_numbers=[PHYSICS])

    assert [(run.source, run.awards_searched, run.requests) for run in runs] == [("crossref", 1, 1)]
    assert "award.number:1203100," in indexes.seen[0].path_qs


@pytest.mark.django_db
def test_awards_in_scope_are_active_or_ended_within_the_configured_years(settings):
    settings.DISCOVERY_YEARS = 3
    today = timezone.localdate()
    days = dt.timedelta(days=1)
    # (number, days from today to its start, to its end): None for no date.
    for number, start, end in [
        ("2000001", -400, 1),
        ("2000002", None, None),
        ("2000003", -2000, -700),
        ("2000004", -3000, -1200),
        ("2000005", 30, 900),
    ]:
        AwardFactory(
            award_number=number,
            start_date=None if start is None else today + start * days,
            end_date=None if end is None else today + end * days,
        )

    in_scope = [award.award_number for award in discovery_awards()]
    named = [award.award_number for award in discovery_awards(award_numbers=["2000004"])]

    assert in_scope == ["2000001", "2000002", "2000003"]
    assert named == ["2000004"]


@pytest.mark.django_db
def test_an_unknown_award_number_is_refused_by_name():
    AwardFactory(award_number="2000001")

    with pytest.raises(DomainError, match="No award numbered 1999999"):
        discovery_awards(award_numbers=["2000001", "1999999"])


@pytest.mark.django_db
def test_an_awards_funder_is_its_programs_award_funder():
    snsf = Organization.objects.create(
        name="Swiss National Science Foundation",
        kind=Organization.Kind.FUNDER,
        funder_id="501100001711",
    )
    swiss = AwardFactory(program=ProgramFactory(short_name="CH", slug="ch", award_funder=snsf))
    unnamed = AwardFactory()

    identity = award_funder_identity(swiss)

    assert identity.crossref_funder_ids == frozenset({"10.13039/501100001711"})
    assert identity.names == frozenset({"swiss national science foundation"})
    assert award_funder_identity(unnamed) is NSF


def _command(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("discover_outputs", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_the_command_shows_progress_then_a_summary_and_prints_json(indexes, portfolio):
    out, err = _command("--json")

    made = json.loads(out)
    assert sorted(made, key=lambda entry: entry["award_number"]) == EXPECTED
    assert "DataCite: 4/4 awards (" in err
    assert "s left), 4 requests, 4 works read" in err
    summary = [line for line in err.splitlines() if line.startswith("Zenodo ")]
    assert summary == ["Zenodo    succeeded        4         40           0"]


@pytest.mark.django_db
def test_the_command_without_json_prints_the_summary_on_stdout(indexes, portfolio):
    out, err = _command("--source", "openalex", "--award", DATABASES)

    assert out.splitlines()[0].startswith("source    status    requests works read suggestions")
    assert out.splitlines()[1] == "OpenAlex  succeeded        1          1           1"
    assert "OpenAlex: 1/1 awards (" in err


FROM_FILE = [
    (Source.DATACITE, BODIES[Source.DATACITE], [(SOFTWARE, "10.5063/f1m61h5x")]),
    (Source.CROSSREF, BODIES[Source.CROSSREF], [(PHYSICS, "10.1103/physrevc.91.057301")]),
    (Source.OPENALEX, BODIES[Source.OPENALEX], [(DATABASES, "10.1145/3448016.3452841")]),
    (Source.ZENODO, BODIES[Source.ZENODO], []),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("source", "path", "expected"), FROM_FILE, ids=lambda v: str(v)[-20:])
def test_from_file_reads_a_saved_answer_of_each_source(portfolio, source, path, expected):
    out, _ = _command("--from-file", str(path), "--source", source.value, "--json")

    made = [(entry["award_number"], entry["identifier"]) for entry in json.loads(out)]
    assert made == expected
    run = DiscoveryRun.objects.get()
    assert (run.source, run.status, run.requests) == (source.value, "succeeded", 0)
    assert run.suggestions_made == len(expected)
    assert run.works_read == {Source.CROSSREF: 5, Source.ZENODO: 10}.get(source, 1)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--source", "figshare"], 'Unknown source "figshare": choose from datacite, crossref'),
        (["--from-file", "x.json"], "give exactly one --source (datacite, crossref, openalex, "),
        (
            ["--from-file", "x.json", "--source", "zenodo", "--source", "datacite"],
            "give exactly one --source",
        ),
        (["--from-file", "/nonexistent/answer.json", "--source", "zenodo"], "Cannot read "),
        (["--award", "1999999"], "No award numbered 1999999"),
    ],
)
def test_bad_arguments_are_refused_naming_what_was_wrong(portfolio, args, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(")):
        _command(*args)
    assert not DiscoveryRun.objects.exists()


@pytest.mark.django_db
def test_a_saved_answer_that_is_not_the_sources_shape_writes_nothing(portfolio, tmp_path):
    saved = tmp_path / "answer.json"
    saved.write_bytes(BODIES[Source.CROSSREF].read_bytes())

    with pytest.raises(CommandError) as refused:
        _command("--from-file", str(saved), "--source", "zenodo")

    assert str(refused.value).startswith(f"{saved} is not a Zenodo answer FairProg can read: ")
    assert not DiscoveryRun.objects.exists()
    assert not Suggestion.objects.exists()


@pytest.mark.django_db
def test_naming_a_source_that_is_switched_off_is_refused(indexes, portfolio, settings):
    settings.DISCOVERY_ZENODO_ENABLED = False

    with pytest.raises(CommandError, match=r"Zenodo \(DISCOVERY_ZENODO_ENABLED\)"):
        _command("--source", "zenodo")


def test_beat_runs_discovery_weekly_at_a_quiet_hour(settings):
    from artifacts.tasks import discovery_run_task

    entry = settings.CELERY_BEAT_SCHEDULE["discovery"]
    schedule = entry["schedule"]

    assert entry["task"] == discovery_run_task.name
    assert (schedule.day_of_week, schedule.hour, schedule.minute) == ({0}, {2}, {15})


@pytest.mark.slow
def test_the_weekly_task_runs_discovery_on_a_real_worker(celery_workers, indexes, portfolio):
    from artifacts.tasks import discovery_run_task

    env = {name: str(value) for name, value in discovery_settings(indexes.origin).items()}
    celery_workers.start(env=env)

    discovery_run_task.delay(["datacite", "openalex"])

    finished = DiscoveryRun.objects.exclude(status=DiscoveryRun.Status.RUNNING)
    assert wait_until(lambda: finished.count() == 2, timeout=60)
    assert set(finished.values_list("source", "status")) == {
        ("datacite", "succeeded"),
        ("openalex", "succeeded"),
    }
    assert _entries() == EXPECTED[1:]


@pytest.mark.django_db
def test_from_file_suggests_a_zenodo_record_funded_by_nsf(portfolio, tmp_path):
    # The recorded InvenioRDM record names the European Commission: NSF's funding in the same
    # shape (ROR id, award number) is put in its place.
    record = json.loads(
        (FIXTURES / "zenodo/inveniordm-rogue-scholar-record-ddhjk-a8f36-funding.json").read_bytes()
    )
    record["metadata"]["funding"] = [
        {"funder": {"id": "021nxhr62", "name": "U.S. National Science Foundation"},
         "award": {"number": f"IIS-{SOFTWARE}"}},
        {"funder": {"id": "00k4n6c32", "name": "European Commission"},
         "award": {"number": PHYSICS}},
    ]  # fmt: skip
    saved = tmp_path / "zenodo-record.json"
    saved.write_text(json.dumps(record))

    out, _ = _command("--from-file", str(saved), "--source", "zenodo", "--json")

    assert [(e["award_number"], e["source"]) for e in json.loads(out)] == [(SOFTWARE, "zenodo")]
    suggestion = Suggestion.objects.get()
    assert suggestion.doi == "10.53731/r79s4nh-97aq74v-ag4t1"
    (why,) = suggestion.matches
    assert why["raw_award"] == f"IIS-{SOFTWARE}"
    assert why["funder_as_given"] == "U.S. National Science Foundation (021nxhr62)"
