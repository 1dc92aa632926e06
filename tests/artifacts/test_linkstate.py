"""The rules that turn a link's checks into its state, without a database."""

import datetime as dt

from artifacts import linkcheck, linkstate
from artifacts.models import LinkState

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
RULES = linkstate.LinkRules(healthy_days=7, failing_days=1, broken_after=3, broken_hours=48)
UNCHECKED = linkstate.LinkStatus(
    state=linkstate.UNCHECKED,
    state_since=NOW,
    consecutive_failures=0,
    failing_since=None,
    last_ok_at=None,
    proposed_url="",
    next_check_at=NOW,
)
URL = "https://data.example.org/set"


def after(status, outcome, *, hours=0.0, is_doi=False, **fields):
    result = linkcheck.CheckResult(
        url=URL, outcome=outcome, checked_at=NOW + dt.timedelta(hours=hours), **fields
    )
    return linkstate.status_after(status, result, url=URL, is_doi=is_doi, rules=RULES)


def test_the_rules_know_every_state_the_models_store():
    assert {*linkstate.SEVERITY, linkstate.NONE} == set(LinkState.values)


def test_an_artifacts_health_is_its_worst_link_state_or_none_without_links():
    assert linkstate.health_of(["ok", "broken", "redirected"]) == "broken"
    assert linkstate.health_of(["ok", "unchecked"]) == "unchecked"
    assert linkstate.health_of([]) == linkstate.NONE


def test_failures_make_a_link_broken_only_when_enough_of_them_span_long_enough():
    status = UNCHECKED
    for hours in (0, 24, 47):
        status = after(status, linkcheck.BROKEN, hours=hours)
    assert (status.state, status.consecutive_failures) == (linkstate.FAILING, 3)
    assert status.state_since == NOW  # failing since the first failure

    status = after(status, linkcheck.TIMEOUT, hours=48)
    assert status.state == linkstate.BROKEN
    assert status.state_since == NOW + dt.timedelta(hours=48)


def test_a_blocked_answer_changes_nothing_but_the_state():
    failing = after(UNCHECKED, linkcheck.BROKEN)
    blocked = after(failing, linkcheck.BLOCKED, hours=1)
    assert blocked.state == linkstate.BLOCKED
    assert (blocked.consecutive_failures, blocked.failing_since) == (1, NOW)


def test_a_doi_that_redirects_is_ok_and_proposes_no_new_address():
    moved = {"redirects": [(301, "https://zenodo.org/records/1")], "status_code": 200}
    doi = after(UNCHECKED, linkcheck.REDIRECTED, is_doi=True, **moved)
    page = after(UNCHECKED, linkcheck.REDIRECTED, **moved)
    assert (doi.state, doi.proposed_url) == (linkstate.OK, "")
    assert (page.state, page.proposed_url) == (linkstate.REDIRECTED, "https://zenodo.org/records/1")


def test_the_next_check_is_spread_around_the_interval():
    working = after(UNCHECKED, linkcheck.OK)
    assert working.next_check_at is not None
    assert NOW + dt.timedelta(days=6.3) <= working.next_check_at <= NOW + dt.timedelta(days=7.7)
    assert working.last_ok_at == NOW
