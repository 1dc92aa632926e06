"""The link checker's engine against a local server that plays every kind of website:
classification, politeness (per-host limits, spacing), HEAD/GET, retries, and SSRF safety."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import replace

import pytest

from artifacts import linkcheck, netguard
from tests.linkserver import LinkServer

pytestmark = pytest.mark.slow

LOOPBACK = netguard.parse_networks(["127.0.0.0/8"])
FAST = linkcheck.CheckerConfig(
    concurrency=20,
    per_host=4,
    host_interval=0,
    connect_timeout=1,
    total_timeout=1.5,
    retries=1,
    backoff=0.05,
    max_retry_after=2,
    allowed_networks=LOOPBACK,
)


@pytest.fixture(scope="module")
def server() -> Iterator[LinkServer]:
    with LinkServer(hosts=4) as running:
        yield running


@pytest.fixture
def fresh(server: LinkServer) -> LinkServer:
    server.reset_counters()
    return server


def check(url: str, config: linkcheck.CheckerConfig = FAST) -> linkcheck.CheckResult:
    return linkcheck.check_urls_sync([url], config)[0]


@pytest.mark.parametrize(
    ("path", "outcome", "status"),
    [
        ("/ok", "ok", 200),
        ("/redirect/302/2", "redirected", 200),
        ("/redirect/301/1", "redirected", 200),
        ("/loop", "broken", 302),
        ("/status/404", "broken", 404),
        ("/status/410", "broken", 410),
        ("/challenge", "blocked", 403),
        ("/ratelimited", "blocked", 429),
        ("/status/500", "server_error", 500),
        ("/slow?seconds=5", "timeout", None),
        ("/reset", "broken", None),
    ],
)
def test_check_classifies_each_kind_of_answer(fresh, path, outcome, status):
    result = check(fresh.url(path))

    assert (result.outcome, result.status_code) == (outcome, status)


def test_check_reports_a_bad_certificate_as_a_tls_error(fresh):
    result = check(fresh.url("/ok", tls=True))

    assert result.outcome == "tls_error"
    assert "certificate" in result.error


def test_check_records_the_redirect_chain_and_where_it_ends(fresh):
    result = check(fresh.url("/redirect/302/3"))

    assert [status for status, _ in result.redirects] == [302, 302, 302]
    assert result.final_url == fresh.url("/ok")
    assert result.redirects[-1][1] == fresh.url("/ok")


def test_only_permanent_redirects_propose_a_new_address(fresh):
    assert check(fresh.url("/redirect/301/2")).moved_to == fresh.url("/ok")
    assert check(fresh.url("/redirect/308/1")).moved_to == fresh.url("/ok")
    assert check(fresh.url("/redirect/302/1")).moved_to == ""


def test_a_redirect_loop_is_broken_after_one_round(fresh):
    result = check(fresh.url("/loop"))

    assert result.error == "Redirect loop."
    assert len(result.redirects) == 2


def test_too_many_redirects_is_broken(fresh):
    result = check(fresh.url("/redirect/302/5"), replace(FAST, max_redirects=3))

    assert result.outcome == "broken"
    assert "More than 3 redirects" in result.error


def test_head_refused_falls_back_to_get_reading_only_the_headers(fresh):
    result = check(fresh.url("/nohead"))

    assert result.outcome == "ok"
    host = fresh.hosts[0]
    assert fresh.requests(host, "/nohead", "HEAD") == 1
    assert fresh.requests(host, "/nohead", "GET") == 1
    # The body is 50 MB; what left the server before the client hung up is only what the
    # loopback socket buffers took (a few MB, depending on the kernel's autotuning).
    assert fresh.bytes_sent("/nohead") < 20_000_000


@pytest.mark.parametrize("code", [400, 403, 501])
def test_other_head_refusals_fall_back_to_get(fresh, code):
    result = check(fresh.url(f"/get-only/{code}"))

    assert result.outcome == "ok"
    assert fresh.requests(fresh.hosts[0], f"/get-only/{code}", "GET") == 1


def test_retry_after_is_honoured_before_retrying(fresh):
    started = time.monotonic()
    result = check(fresh.url("/ratelimited?after=1&retry_after=1"))

    assert result.outcome == "ok"
    assert result.attempts == 2
    assert time.monotonic() - started >= 1.0


def test_a_retry_after_beyond_the_limit_is_not_waited_for(fresh):
    started = time.monotonic()
    result = check(fresh.url("/ratelimited?after=5&retry_after=3600"))

    assert result.outcome == "blocked"
    assert result.attempts == 1
    assert time.monotonic() - started < 1.0


def test_server_errors_are_retried(fresh):
    result = check(fresh.url("/flaky?fail=1"))

    assert (result.outcome, result.attempts) == ("ok", 2)


def test_timeouts_are_retried_then_reported(fresh):
    result = check(fresh.url("/slow?seconds=3"))

    assert (result.outcome, result.attempts) == ("timeout", 2)


def test_not_found_is_not_retried(fresh):
    assert check(fresh.url("/status/404")).attempts == 1


def test_a_name_that_does_not_resolve_is_broken():
    result = check("http://no-such-host.invalid/")

    assert result.outcome == "broken"
    assert "does not resolve" in result.error


def test_a_refused_connection_is_broken():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    result = check(f"http://127.0.0.1:{port}/")

    assert result.outcome == "broken"
    assert "refused" in result.error.lower()


def test_the_per_host_limit_is_never_exceeded():
    config = replace(FAST, per_host=3, concurrency=50, total_timeout=5)
    # A server of its own: earlier tests' abandoned slow requests would still count.
    with LinkServer(hosts=4, tls=False) as server:
        urls = [
            server.url(f"/slow?seconds=0.05&n={n}", host=h) for h in range(4) for n in range(30)
        ]

        results = linkcheck.check_urls_sync(urls, config)

        assert {r.outcome for r in results} == {"ok"}
        for host in server.hosts:
            assert server.max_in_flight(host) == 3  # used to the full, never beyond
            assert server.max_connections(host) <= 3


def test_requests_to_one_host_are_spaced_by_the_minimum_interval(fresh):
    config = replace(FAST, per_host=5, host_interval=0.2)
    urls = [fresh.url(f"/ok?n={n}") for n in range(5)]

    started = time.monotonic()
    linkcheck.check_urls_sync(urls, config)

    assert time.monotonic() - started >= 0.8  # four gaps of 0.2 s


def test_hosts_are_checked_side_by_side_despite_the_interval(fresh):
    config = replace(FAST, per_host=1, host_interval=0.3)
    urls = [fresh.url("/ok", host=h) for h in range(4)]

    started = time.monotonic()
    linkcheck.check_urls_sync(urls, config)

    assert time.monotonic() - started < 0.3


def test_the_user_agent_names_fairprog_and_a_contact_url(fresh, settings):
    settings.LINKCHECK_CONTACT_URL = "https://fairprog.example/about/link-checker/"
    settings.LINKCHECK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    config = linkcheck.CheckerConfig.from_settings()

    assert config.user_agent.startswith("FairProg-linkcheck/")
    assert "(+https://fairprog.example/about/link-checker/)" in config.user_agent
    assert check(fresh.url("/ok"), config).outcome == "ok"


def test_duplicate_urls_are_checked_once(fresh):
    results = linkcheck.check_urls_sync([fresh.url("/ok")] * 3, FAST)

    assert len(results) == 1
    assert fresh.requests(fresh.hosts[0], "/ok") == 1


# --- SSRF: with the allow-list off, nothing inside is ever contacted --------------------


class Listener:
    """A bare TCP listener on 127.0.0.1 that counts connections it accepts."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)
        self.socket.settimeout(0.2)
        self.port = self.socket.getsockname()[1]
        self.accepted = 0
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while self.running:
            try:
                connection, _ = self.socket.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted += 1
            connection.close()

    def close(self) -> None:
        self.running = False
        self.thread.join()
        self.socket.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    running = Listener()
    yield running
    running.close()


LOOPBACK_SPELLINGS = [
    "127.0.0.1",
    "127.1",
    "127.0.1",
    "2130706433",
    "0x7f000001",
    "0x7f.0.0.1",
    "0177.0.0.1",
    "017700000001",
    "localhost",
    "[::ffff:127.0.0.1]",
]


@pytest.mark.parametrize("host", LOOPBACK_SPELLINGS)
def test_every_loopback_spelling_is_refused_before_connecting(listener, host):
    config = replace(FAST, allowed_networks=())

    result = check(f"http://{host}:{listener.port}/", config)

    assert result.outcome == "refused"
    assert listener.accepted == 0


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.1/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.64.0.1/",
        "http://[::1]/",
        "http://[fe80::1]/",
        "http://0.0.0.0/",
    ],
)
def test_private_and_metadata_addresses_are_refused(url):
    result = check(url, replace(FAST, allowed_networks=()))

    assert result.outcome == "refused"
    assert "not a public one" in result.error


@pytest.mark.parametrize("url", ["ftp://example.org/x", "file:///etc/passwd", "gopher://x/"])
def test_other_schemes_are_refused(url):
    assert check(url, replace(FAST, allowed_networks=())).outcome == "refused"


def test_a_redirect_from_an_allowed_host_to_loopback_is_refused(fresh, listener):
    # Only the test server's first address is allowed: its redirect to 127.0.0.1 is not.
    allowed = netguard.parse_networks([f"{fresh.hosts[0]}/32"])
    target = f"http://127.0.0.1:{listener.port}/"

    result = check(fresh.url(f"/redirect-to?url={target}"), replace(FAST, allowed_networks=allowed))

    assert result.outcome == "refused"
    assert result.redirects == [(302, target)]
    assert listener.accepted == 0
