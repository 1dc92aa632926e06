"""The link checker's SSRF guard: IP literals, name resolution, URLs and aiohttp's resolver."""

import asyncio
import socket
from ipaddress import IPv4Address, IPv4Network, ip_address

import aiohttp
import pytest

from artifacts.linkcheck import run_sync
from artifacts.netguard import (
    GuardedResolver,
    UnsafeURL,
    address_problem,
    allowed_networks_from_setting,
    check_url,
    literal_address,
    parse_networks,
    resolve_public,
)

LOOPBACK_SPELLINGS = [
    ("127.0.0.1", "loopback"),
    ("127.1", "loopback"),
    ("127.0.1", "loopback"),
    ("2130706433", "loopback"),
    ("0x7f000001", "loopback"),
    ("0x7f.0.0.1", "loopback"),
    ("0177.0.0.1", "loopback"),
    ("017700000001", "loopback"),
    ("[::1]", "loopback"),
    ("[::ffff:127.0.0.1]", "IPv4-mapped"),
    ("[::ffff:7f00:1]", "IPv4-mapped"),
    ("0.0.0.0", "unspecified"),  # noqa: S104 - a refused target, not a bind address
    ("[::]", "unspecified"),
]

NON_PUBLIC = [
    ("10.0.0.1", "private"),
    ("0xa000001", "private"),
    ("172.16.5.4", "private"),
    ("192.168.1.1", "private"),
    ("169.254.169.254", "link-local"),
    ("100.64.0.1", "shared (CGNAT)"),
    ("224.0.0.1", "multicast"),
    ("239.255.255.250", "multicast"),
    ("240.0.0.1", "reserved"),
    ("255.255.255.255", "reserved"),
    ("192.0.2.1", "reserved"),
    ("[fe80::1]", "link-local"),
    ("[fe80::1%eth0]", "link-local"),
    ("[fc00::1]", "private"),
    ("[ff02::1]", "multicast"),
    ("[::ffff:8.8.8.8]", "IPv4-mapped"),
    ("[::8.8.8.8]", "reserved"),
    ("[64:ff9b::7f00:1]", "NAT64"),
    ("[64:ff9b:1::1]", "NAT64"),
    ("[2002:7f00:1::]", "6to4"),
    ("[2002:808:808::]", "6to4"),
    ("[2001::1]", "Teredo"),
    ("[2001:db8::1]", "reserved"),
    ("[2001:20::1]", "not global"),
]

PUBLIC = ["93.184.215.14", "1.1.1.1", "[2606:4700:4700::1111]", "[64:ff9b::808:808]"]

LOCAL = parse_networks(["127.0.0.0/8", "::1/128"])


def run(make_coroutine, monkeypatch=None, getaddrinfo=None):
    """Run a coroutine on a fresh loop, with the loop's getaddrinfo replaced if given."""

    async def main():
        if getaddrinfo is not None:
            monkeypatch.setattr(asyncio.get_running_loop(), "getaddrinfo", getaddrinfo)
        return await make_coroutine()

    return run_sync(main)


async def no_dns(host, *args, **kwargs):
    pytest.fail(f"looked {host!r} up in DNS")


def answers(*addresses):
    """A getaddrinfo stand-in that returns the given addresses, in order."""

    async def getaddrinfo(host, port, **kwargs):
        return [
            (
                socket.AF_INET6 if ":" in address else socket.AF_INET,
                socket.SOCK_STREAM,
                socket.IPPROTO_TCP,
                "",
                (address, port),
            )
            for address in addresses
        ]

    return getaddrinfo


def refusal(make_coroutine, **run_kwargs) -> UnsafeURL:
    with pytest.raises(UnsafeURL) as caught:
        run(make_coroutine, **run_kwargs)
    return caught.value


def exception_chain(exc):
    while exc is not None:
        yield exc
        exc = exc.__cause__ or exc.__context__


@pytest.mark.parametrize(("host", "reason"), LOOPBACK_SPELLINGS)
def test_address_problem_refuses_every_loopback_spelling(host, reason):
    address = literal_address(host)

    assert address is not None
    assert address_problem(address, ()) == reason


@pytest.mark.parametrize(("host", "reason"), LOOPBACK_SPELLINGS)
def test_resolve_public_refuses_every_loopback_spelling_without_dns(host, reason, monkeypatch):
    error = refusal(lambda: resolve_public(host, 80), monkeypatch=monkeypatch, getaddrinfo=no_dns)

    assert error.reason == reason


FULLWIDTH_LOOPBACK = "\uff11\uff12\uff17\u3002\uff10\u3002\uff10\u3002\uff11"  # 127.0.0.1


@pytest.mark.parametrize(
    "host", ["127.1", "2130706433", "0x7f.0.0.1", "0177.0.0.1", FULLWIDTH_LOOPBACK]
)
def test_literal_address_reads_legacy_ipv4_spellings(host):
    assert literal_address(host) == IPv4Address("127.0.0.1")


@pytest.mark.parametrize(
    "host",
    ["example.com", "1e100.net", "cafe.be", "deadbeef", "0x7f.example", "127.0.0.1 x", "[foo]"],
)
def test_literal_address_leaves_host_names_alone(host):
    assert literal_address(host) is None


@pytest.mark.parametrize(("host", "reason"), NON_PUBLIC)
def test_address_problem_names_why_an_address_is_not_public(host, reason):
    address = literal_address(host)

    assert address is not None
    assert address_problem(address, ()) == reason


@pytest.mark.parametrize(("host", "reason"), NON_PUBLIC)
def test_resolve_public_refuses_non_public_literals_without_dns(host, reason, monkeypatch):
    error = refusal(lambda: resolve_public(host, 80), monkeypatch=monkeypatch, getaddrinfo=no_dns)

    assert error.reason == reason


@pytest.mark.parametrize("host", PUBLIC)
def test_resolve_public_accepts_public_literals_without_dns(host, monkeypatch):
    addresses = run(lambda: resolve_public(host, 443), monkeypatch=monkeypatch, getaddrinfo=no_dns)

    assert addresses == [host.strip("[]")]
    assert address_problem(ip_address(addresses[0]), ()) == ""


def test_unsafe_url_says_what_was_refused_and_why():
    error = refusal(lambda: resolve_public("127.1", 80))

    assert str(error) == "Refused 127.1: 127.0.0.1 is a loopback address, not a public one."
    assert error.strerror == str(error)


def test_resolve_public_refuses_a_name_resolving_to_loopback():
    error = refusal(lambda: resolve_public("localhost", 80))

    assert error.reason == "loopback"
    assert "it resolves to" in str(error)


def test_resolve_public_refuses_a_name_with_mixed_public_and_private_answers(monkeypatch):
    error = refusal(
        lambda: resolve_public("rebind.example", 80),
        monkeypatch=monkeypatch,
        getaddrinfo=answers("93.184.215.14", "10.0.0.1"),
    )

    assert error.reason == "private"
    assert "10.0.0.1 (one of 2 answers)" in str(error)


def test_resolve_public_returns_unique_public_answers_in_resolver_order(monkeypatch):
    addresses = run(
        lambda: resolve_public("example.org", 443),
        monkeypatch=monkeypatch,
        getaddrinfo=answers("93.184.215.14", "2606:4700:4700::1111", "93.184.215.14"),
    )

    assert addresses == ["93.184.215.14", "2606:4700:4700::1111"]


def test_resolve_public_refuses_an_unresolvable_name(monkeypatch):
    async def fail(host, *args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    error = refusal(
        lambda: resolve_public("nowhere.invalid", 80), monkeypatch=monkeypatch, getaddrinfo=fail
    )

    assert error.reason == "unresolvable"


def test_allowed_networks_admit_loopback():
    allowed = parse_networks(["127.0.0.0/8"])

    assert address_problem(IPv4Address("127.0.0.1"), allowed) == ""
    assert run(lambda: resolve_public("127.1", 8000, allowed=allowed)) == ["127.0.0.1"]


def test_allowed_networks_do_not_extend_to_ipv4_mapped_forms():
    allowed = parse_networks(["127.0.0.0/8"])

    assert address_problem(ip_address("::ffff:127.0.0.1"), allowed) == "IPv4-mapped"


def test_parse_networks_drops_host_bits():
    assert parse_networks(["10.1.2.3/8"]) == (IPv4Network("10.0.0.0/8"),)


def test_parse_networks_names_the_value_it_cannot_read():
    with pytest.raises(ValueError, match="'not-a-cidr' is not a network"):
        parse_networks(["127.0.0.0/8", "not-a-cidr"])


def test_parse_networks_refuses_a_lone_string():
    with pytest.raises(TypeError, match="single string"):
        parse_networks("127.0.0.0/8")


def test_allowed_networks_from_setting_reads_linkcheck_allowed_networks(settings):
    settings.LINKCHECK_ALLOWED_NETWORKS = ["127.0.0.0/8"]

    assert allowed_networks_from_setting() == (IPv4Network("127.0.0.0/8"),)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.org/file",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "gopher://example.org:70/_",
        "example.org/no-scheme",
    ],
)
def test_check_url_refuses_schemes_other_than_http_and_https(url):
    with pytest.raises(UnsafeURL) as caught:
        check_url(url)

    assert caught.value.reason == "scheme"


@pytest.mark.parametrize("url", ["http://", "http:///path"])
def test_check_url_refuses_a_url_with_no_host(url):
    with pytest.raises(UnsafeURL) as caught:
        check_url(url)

    assert caught.value.reason == "no host"


def test_check_url_refuses_credentials_without_repeating_them():
    with pytest.raises(UnsafeURL) as caught:
        check_url("http://user:s3cret@example.org/")

    assert caught.value.reason == "credentials"
    assert "s3cret" not in str(caught.value)


def test_check_url_refuses_a_malformed_url():
    with pytest.raises(UnsafeURL) as caught:
        check_url("http://example.org:99999/")

    assert caught.value.reason == "malformed"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.org:8443/x", ("https", "example.org", 8443)),
        ("http://Example.ORG/", ("http", "example.org", 80)),
        ("https://bücher.de/", ("https", "xn--bcher-kva.de", 443)),
        ("http://[::1]:8000/", ("http", "::1", 8000)),
    ],
)
def test_check_url_returns_the_scheme_host_and_port_aiohttp_would_use(url, expected):
    assert check_url(url) == expected


def test_guarded_resolver_returns_numeric_results_for_an_allowed_address():
    results = run(lambda: GuardedResolver(allowed=LOCAL).resolve("127.1", 8000))

    assert results == [
        {
            "hostname": "127.1",
            "host": "127.0.0.1",
            "port": 8000,
            "family": socket.AF_INET,
            "proto": socket.IPPROTO_TCP,
            "flags": socket.AI_NUMERICHOST | socket.AI_NUMERICSERV,
        }
    ]


def test_guarded_resolver_refuses_a_non_public_address():
    error = refusal(lambda: GuardedResolver(allowed=()).resolve("0x7f.0.0.1", 8000))

    assert error.reason == "loopback"


def test_guarded_resolver_keeps_to_the_family_the_connector_asks_for(monkeypatch):
    results = run(
        lambda: GuardedResolver().resolve("example.org", 443, family=socket.AF_INET6),
        monkeypatch=monkeypatch,
        getaddrinfo=answers("93.184.215.14", "2606:4700:4700::1111"),
    )

    assert [result["host"] for result in results] == ["2606:4700:4700::1111"]


async def fetch_from_local_server(resolver):
    """GET http://localhost:<port>/ from a server on 127.0.0.1; (status or error, peers)."""
    peers = []

    async def handle(reader, writer):
        peers.append(writer.get_extra_info("peername"))
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        connector = aiohttp.TCPConnector(resolver=resolver)
        async with aiohttp.ClientSession(connector=connector) as session:
            try:
                async with session.get(f"http://localhost:{port}/") as response:
                    outcome = response.status
            except aiohttp.ClientError as exc:
                outcome = exc
    return outcome, peers


def test_aiohttp_with_guarded_resolver_never_connects_to_localhost():
    outcome, peers = run_sync(lambda: fetch_from_local_server(GuardedResolver(allowed=())))

    assert isinstance(outcome, aiohttp.ClientConnectorError)
    refusals = [exc for exc in exception_chain(outcome) if isinstance(exc, UnsafeURL)]
    assert [exc.reason for exc in refusals] == ["loopback"]
    assert peers == []


def test_aiohttp_with_guarded_resolver_reaches_an_allowed_local_server():
    outcome, peers = run_sync(lambda: fetch_from_local_server(GuardedResolver(allowed=LOCAL)))

    assert outcome == 200
    assert len(peers) == 1
