"""A link checker whose own network is down: its checks say "not checked: no network" and
count against no link (no failure streak, no change of state), in the engine, the rules,
the records, the command's summary and the admin's history."""

from __future__ import annotations

import datetime as dt
import socket
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from io import StringIO
from typing import cast

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from artifacts import linkcheck, linkstate, netguard
from artifacts.models import Artifact, ArtifactLink, LinkCheck, LinkState
from artifacts.services import links
from tests.artifacts.factories import ArtifactFactory
from tests.linkserver import LinkServer

FAST = linkcheck.CheckerConfig(
    concurrency=10,
    per_host=2,
    host_interval=0,
    connect_timeout=1,
    total_timeout=1.5,
    retries=0,
    backoff=0.05,
    allowed_networks=netguard.parse_networks(["127.0.0.0/8"]),
)
DEAD = ["http://no-such-host-a.invalid/", "http://no-such-host-b.invalid/data"]


def _closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    return f"http://127.0.0.1:{port}/"


@pytest.fixture(scope="module")
def server() -> Iterator[LinkServer]:
    with LinkServer(hosts=2, tls=False) as running:
        yield running


# --- The engine ------------------------------------------------------------------------


def test_links_on_several_hosts_all_unreachable_are_not_checked():
    results = linkcheck.check_urls_sync(DEAD, FAST)

    assert [result.outcome for result in results] == ["no_network", "no_network"]
    assert all(result.error.startswith(linkcheck.NO_NETWORK_ERROR) for result in results)


def test_one_unreachable_host_alone_is_still_a_failure():
    results = linkcheck.check_urls_sync(DEAD[:1], FAST)

    assert results[0].outcome == "broken"


def test_an_unreachable_reference_url_marks_even_one_link_not_checked():
    config = replace(FAST, reference_url=_closed_port_url())

    results = linkcheck.check_urls_sync([_closed_port_url()], config)

    assert results[0].outcome == "no_network"


@pytest.mark.slow
def test_a_reachable_reference_url_keeps_failures_failures(server):
    config = replace(FAST, reference_url=server.url("/ok"))

    results = linkcheck.check_urls_sync(DEAD, config)

    assert [result.outcome for result in results] == ["broken", "broken"]


@pytest.mark.slow
def test_a_run_where_one_host_answers_counts_the_others_as_failures(server):
    results = linkcheck.check_urls_sync([server.url("/ok"), *DEAD], FAST)

    assert [result.outcome for result in results] == ["ok", "broken", "broken"]


@pytest.mark.slow
def test_an_http_error_is_an_answer_so_the_network_is_up(server):
    results = linkcheck.check_urls_sync([server.url("/status/404"), *DEAD], FAST)

    assert [result.outcome for result in results] == ["broken", "broken", "broken"]


# --- The rules ---------------------------------------------------------------------------


def test_a_check_without_network_leaves_a_links_status_as_it_was():
    since = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    status = linkstate.LinkStatus(
        state=linkstate.FAILING,
        state_since=since,
        consecutive_failures=2,
        failing_since=since,
        last_ok_at=None,
        proposed_url="",
        next_check_at=since + dt.timedelta(days=1),
    )
    result = linkcheck.CheckResult(url="https://a.example.org/", outcome=linkcheck.NO_NETWORK)
    rules = linkstate.LinkRules(healthy_days=7, failing_days=1, broken_after=3, broken_hours=48)

    assert linkstate.status_after(status, result, url=result.url, is_doi=False, rules=rules) == (
        status
    )


# --- The records -------------------------------------------------------------------------


def _link(**urls: str) -> ArtifactLink:
    artifact = cast(Artifact, ArtifactFactory(**{"landing_url": DEAD[0], **urls}))
    links.artifact_links_sync(artifact=artifact)
    return artifact.links.order_by("pk").first()  # type: ignore[return-value]


def _offline(link: ArtifactLink) -> linkcheck.CheckResult:
    return linkcheck.CheckResult(
        url=link.url,
        outcome=linkcheck.NO_NETWORK,
        error=linkcheck.NO_NETWORK_ERROR,
        checked_at=timezone.now(),
    )


@pytest.mark.django_db
def test_a_new_link_checked_without_network_stays_unchecked():
    link = _link()

    links.link_checks_record([(link, _offline(link))])

    link.refresh_from_db()
    assert (link.state, link.consecutive_failures, link.failing_since) == (
        LinkState.UNCHECKED,
        0,
        None,
    )


@pytest.mark.django_db
def test_a_failing_link_checked_without_network_keeps_its_failure_count():
    link = _link()
    failed = linkcheck.CheckResult(
        url=link.url, outcome="broken", status_code=404, checked_at=timezone.now()
    )
    links.link_checks_record([(link, failed)])
    link.refresh_from_db()

    links.link_checks_record([(link, _offline(link))])

    link.refresh_from_db()
    assert (link.state, link.consecutive_failures) == (LinkState.FAILING, 1)


@pytest.mark.django_db
def test_a_check_without_network_is_kept_in_the_links_history():
    link = _link()

    links.link_checks_record([(link, _offline(link))])

    assert list(LinkCheck.objects.values_list("outcome", flat=True)) == ["no_network"]


@pytest.mark.django_db
def test_the_admin_history_says_not_checked_no_network(staff_client):
    link = _link()
    links.link_checks_record([(link, _offline(link))])

    response = staff_client.get(reverse("admin:artifacts_artifactlink_change", args=[link.pk]))

    assert "Not checked: no network" in response.content.decode()


def test_the_check_report_says_how_many_were_not_checked():
    report = links.CheckReport(checked=3, outcomes=Counter(no_network=3), seconds=1.0)

    assert str(report).endswith(": 3 not checked: no network")


@pytest.mark.django_db
def test_check_links_offline_summarises_not_checked_and_changes_no_state():
    _link(repository_url=DEAD[1])
    out = StringIO()

    call_command("check_links", stdout=out)

    assert "2 not checked: no network." in out.getvalue()
    states = set(ArtifactLink.objects.values_list("state", "consecutive_failures"))
    assert states == {(LinkState.UNCHECKED, 0)}


@pytest.mark.django_db
def test_a_sweep_with_nothing_due_queues_no_check(monkeypatch):
    published: list[object] = []
    monkeypatch.setattr(links.queueing, "queue_now", lambda *a, **k: published.append(a))

    report = links.links_sweep()

    assert (report.due, report.batches, published) == (0, 0, [])
