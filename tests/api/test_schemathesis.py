"""schemathesis against a live server: the API holds to its own OpenAPI schema.

A real WSGI server (pytest-django's ``live_server``: a thread serving the app over HTTP on a
free port) answers schemathesis's engine, driven as ``st run`` drives it, with every check
and every phase: examples, coverage (the boundary values of every parameter and field, and
the methods an operation does not have), fuzzing, and stateful (sequences following the
links between operations: create an artifact, then read, change and publish it).

It runs anonymously, and with a staff token made as staff make theirs (``manage.py
drf_create_token <username>``), which sends the writes through: artifacts and awards
created and changed, artifacts published. The anonymous throttle is raised for the run
(throttling has tests of its own). Each run is derandomised (a fixed seed, deterministic
generation, one worker), so CI sends the same requests every time; a failure is reported
with the curl command that reproduces it.
"""

from __future__ import annotations

import io
import json
import re
import time
from collections import Counter, defaultdict
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import schemathesis
from schemathesis.core.failures import AcceptedNegativeData
from schemathesis.engine import Status, events, from_schema
from schemathesis.openapi.checks import RejectedPositiveData

SEED = 20240515
# Examples per operation in the fuzzing phase; the coverage phase adds its boundary cases
# (some 200 per write operation) whatever this is. Both runs together take a minute or two.
MAX_EXAMPLES = 8
STATEFUL_STEPS = 6
WRITES = "POST|PUT|PATCH"

# Fields of a write whose rule no schema can state: a reference to a record that must exist
# (award, people, vocabulary slugs, program, institution, cycle), a key no other record may
# have (slug, award number), an id of the SPDX list (licence, taken in any case), rules
# between fields or on the record's state (non_field_errors, __all__: an award ending before
# it starts, publishing an artifact twice or without a licence). A write the schema allows
# may be refused (400) for these alone; anything else it names is a failure.
RECORD_RULES = frozenset(
    {
        "__all__",
        "award",
        "award_number",
        "creators",
        "cycle",
        "dimensions",
        "institution",
        "license",
        "non_field_errors",
        "program",
        "slug",
        "tasks",
    }
)


@schemathesis.deserializer("application/x-bibtex")
def _bibtex(context: Any, response: Any) -> str:
    # BibTeX is text: the schema's string (one @misc entry) is checked against the body,
    # decoded with the charset the response names.
    return str(response.content.decode(response.encoding or "utf-8"))


def _lost_in_serialisation(failure: Any, case: Any, response: Any, comma_lists: set[str]) -> str:
    """A query parameter the negative phase mutated into an object or an array either
    vanished from the request (an empty one) or reached the server as plain strings (in an
    ``explode: false`` list any string is an item): the request as sent is valid."""
    if not isinstance(failure, AcceptedNegativeData) or case.method.upper() != "GET":
        return ""
    invalid = re.search(r"parameters? (.*?) in query", failure.message)
    names = re.findall(r"`([^`]+)`", invalid.group(1)) if invalid else []
    sent = parse_qs(urlsplit(str(response.request.url)).query, keep_blank_values=True)
    control = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
    for name in names:
        if name not in sent:
            continue
        if name not in comma_lists or any(control.search(value) for value in sent[name]):
            return ""
    return "mutation lost in serialisation: " + ", ".join(sorted(names)) if names else ""


def _excuse(failure: Any, case: Any, response: Any) -> str:
    """Why a failure of the positive-data check cannot hold for this case by design, or ""
    when it is a failure."""
    if not isinstance(failure, RejectedPositiveData) or response.status_code != 400:
        return ""
    try:
        named = set(response.json())
    except ValueError:
        return ""
    # A cursor is an opaque token that FairProg writes into the next and previous links;
    # one made up to fit the schema's pattern is still no position, and is refused.
    if named == {"cursor"} and "cursor" in (case.query or {}):
        return "made-up cursor"
    if re.fullmatch(WRITES, case.method.upper()) and named and named <= RECORD_RULES:
        return "record rule: " + ", ".join(sorted(named))
    return ""


def recorded_values() -> dict[str, list[Any]]:
    """What write bodies may name that the schema cannot list, by body field: the recorded
    awards, people, vocabulary, programs, organizations and cycles, and SPDX ids."""
    from artifacts.models import FairnessDimension, Task
    from proposals.models import Award, Cycle, Organization, Person, Program

    def column(model: Any, name: str) -> list[Any]:
        return list(model.objects.order_by(name).values_list(name, flat=True))

    return {
        "award": column(Award, "award_number"),
        "creators[*]": column(Person, "pk"),
        "dimensions[*]": column(FairnessDimension, "slug"),
        "tasks[*]": column(Task, "slug"),
        "program": column(Program, "short_name"),
        "institution": column(Organization, "pk"),
        "cycle": column(Cycle, "pk"),
        "license": ["MIT", "Apache-2.0", "CC-BY-4.0", "cc0-1.0"],
    }


def draft_slugs() -> list[str]:
    """The demo catalogue's drafts: each has a licence and a link, so it can be published."""
    from artifacts.models import Artifact

    return list(
        Artifact.objects.filter(status=Artifact.Status.DRAFT)
        .order_by("slug")
        .values_list("slug", flat=True)
    )


def _config(
    token: str | None, skip_coverage: str, records: dict[str, list[Any]], drafts: list[str]
) -> Any:
    records = {name: values for name, values in records.items() if values}
    parameters: dict[str, Any] = {
        f"body.{name}": {"dictionary": name, "probability": 1.0} for name in records
    }
    if drafts:
        # Drafts ready to publish, named now and then where an artifact's slug goes: the
        # publish operation has something it can carry out (once per draft).
        records["drafts"] = drafts
        parameters["path.slug"] = {"dictionary": "drafts", "probability": 0.3}
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            # One worker: the writes change what later requests see, so parallel workers
            # would make the run depend on timing.
            "workers": 1,
            "checks": {"enabled": True},
            "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True},
            "phases": {
                # The schema gives no examples: the phase makes one per operation from it.
                "examples": {"enabled": True, "fill-missing": True},
                "coverage": {"enabled": True},
                "fuzzing": {"enabled": True},
                "stateful": {"enabled": True, "max-steps": STATEFUL_STEPS},
            },
            "headers": {"Authorization": f"Token {token}"} if token else {},
            "operations": [
                {"include-method-regex": skip_coverage, "phases": {"coverage": {"enabled": False}}}
            ],
            # Recorded values, drawn for these body fields whenever the fuzzing and stateful
            # phases send them, so that writes can go through whatever else they draw; the
            # coverage phase still sends the schema's boundary values (names of no record,
            # refused for a record rule).
            "dictionaries": {name: {"values": values} for name, values in records.items()},
            "parameters": parameters,
        }
    )


def run_schemathesis(
    base_url: str,
    *,
    token: str | None = None,
    skip_coverage: str,
    records: dict[str, list[Any]] | None = None,
    drafts: list[str] | None = None,
) -> dict[str, Any]:
    """Every check and every phase against the API at ``base_url``.

    ``skip_coverage``: a regular expression of the methods whose operations the coverage
    phase leaves to the other run (anonymous writes all end at the 401, and reading with a
    token reads what anonymous clients read). Returns the failures (what failed, and the
    curl command reproducing it), the failures excused and why, each phase's outcome, the
    status codes each operation answered, and the number of cases and seconds.
    """
    schema = schemathesis.openapi.from_url(
        f"{base_url}/api/schema/", config=_config(token, skip_coverage, records or {}, drafts or [])
    )
    excused: Counter[str] = Counter()

    comma_lists = {
        parameter["name"]
        for path in schema.raw_schema["paths"].values()
        for operation in path.values()
        if isinstance(operation, dict)
        for parameter in operation.get("parameters", [])
        if parameter.get("in") == "query" and parameter.get("explode") is False
    }

    @schema.hook
    def filter_failure(context: Any, failure: Any, case: Any, response: Any) -> bool:
        why = _excuse(failure, case, response) or _lost_in_serialisation(
            failure, case, response, comma_lists
        )
        excused[why] += bool(why)
        return not why

    started = time.monotonic()
    failures: dict[str, str] = {}
    phases: dict[str, str] = {}
    statuses: defaultdict[str, Counter[int]] = defaultdict(Counter)
    # What writes were refused for, by operation: a run whose writes never go through
    # says why.
    refusals: defaultdict[str, Counter[str]] = defaultdict(Counter)
    cases = 0
    for event in from_schema(schema).execute():
        if isinstance(event, events.PhaseFinished):
            phases[event.phase.name.value] = event.status.value
        elif isinstance(event, events.ScenarioFinished):
            recorder = event.recorder
            cases += len(recorder.cases)
            for case_id, interaction in recorder.interactions.items():
                case = recorder.cases[case_id].value
                if interaction.response is not None:
                    label = f"{case.method.upper()} {case.operation.path}"
                    response = interaction.response
                    statuses[label][response.status_code] += 1
                    if response.status_code == 400 and case.method.upper() != "GET":
                        refusals[label][_named_fields(response.content)] += 1
            for checks in recorder.checks.values():
                for check in checks:
                    if check.status == Status.FAILURE and check.failure_info:
                        failure = check.failure_info.failure
                        key = f"{recorder.label}: {check.name}: {failure.title}"
                        failures.setdefault(
                            key, f"{failure.message}\n{check.failure_info.code_sample}"
                        )
        elif isinstance(event, events.NonFatalError):
            failures[f"error in {event.label}"] = str(event.value)
        elif isinstance(event, events.FatalError):
            failures["fatal error"] = str(event.exception)
    return {
        "failures": failures,
        "excused": {why: n for why, n in excused.items() if why},
        "phases": phases,
        "statuses": statuses,
        "refusals": refusals,
        "cases": cases,
        "seconds": round(time.monotonic() - started, 1),
    }


def _named_fields(body: bytes) -> str:
    """The fields a 400 names, as one key (``award_number,title``), or its detail."""
    try:
        error = json.loads(body)
    except ValueError:
        return body[:80].decode(errors="replace")
    if isinstance(error, dict):
        if "detail" in error:
            return str(error["detail"])[:80]
        first = sorted(error)[0]
        return f"{','.join(sorted(error))} ({first}: {str(error[first])[:60]})"
    return str(error)[:80]


def _report(result: dict[str, Any]) -> str:
    lines = [f"{len(result['failures'])} failures in {result['cases']} cases:"]
    for what, detail in result["failures"].items():
        lines += [f"- {what}", "    " + " ".join(detail.split())[:4000]]
    return "\n".join(lines)


PHASES = ("examples", "coverage", "fuzzing", "stateful")


@pytest.fixture
def live_api(live_server: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    """The live server's address, serving the demo catalogue, its throttle raised."""
    from django.core.management import call_command
    from rest_framework.throttling import AnonRateThrottle

    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "1000000/minute"})
    call_command("seed_demo", verbosity=0)
    return str(live_server.url)


@pytest.fixture
def staff_token(live_api: str) -> str:
    """A token made as staff make theirs: ``manage.py drf_create_token <username>``."""
    from django.contrib.auth.models import User
    from django.core.management import call_command

    from tests.conftest import program_staff_group

    user = User.objects.create_user("api-curator", is_staff=True)
    user.groups.add(program_staff_group())
    out = io.StringIO()
    call_command("drf_create_token", user.username, stdout=out)
    found = re.search(r"Generated token (\w+)", out.getvalue())
    assert found, out.getvalue()
    return found.group(1)


@pytest.mark.slow
def test_anonymous_clients_get_what_the_schema_promises(live_api: str) -> None:
    result = run_schemathesis(live_api, skip_coverage=WRITES)
    assert not result["failures"], _report(result)
    assert {phase: result["phases"].get(phase) for phase in PHASES} == dict.fromkeys(
        PHASES, "success"
    )
    statuses = result["statuses"]
    assert statuses["GET /api/v1/artifacts/{slug}/"][200] > 0
    # Anonymous writes are refused, whatever they send.
    for label in ("POST /api/v1/artifacts/", "PATCH /api/v1/awards/{award_number}/"):
        assert set(statuses[label]) <= {401, 405, 415}, statuses[label]


@pytest.mark.slow
def test_staff_writes_get_what_the_schema_promises(live_api: str, staff_token: str) -> None:
    result = run_schemathesis(
        live_api,
        token=staff_token,
        skip_coverage="GET",
        records=recorded_values(),
        drafts=draft_slugs(),
    )
    assert not result["failures"], _report(result)
    assert {phase: result["phases"].get(phase) for phase in PHASES} == dict.fromkeys(
        PHASES, "success"
    )
    # The writes went through, not only their refusals.
    statuses = result["statuses"]
    for label, done in (
        ("POST /api/v1/artifacts/", 201),
        ("PUT /api/v1/artifacts/{slug}/", 200),
        ("PATCH /api/v1/artifacts/{slug}/", 200),
        ("POST /api/v1/artifacts/{slug}/publish/", 200),
        ("POST /api/v1/awards/", 201),
        ("PUT /api/v1/awards/{award_number}/", 200),
        ("PATCH /api/v1/awards/{award_number}/", 200),
    ):
        assert statuses[label][done] > 0, (
            label,
            statuses[label],
            result["refusals"][label].most_common(8),
        )
