"""SSRF guard for the artifact link checker: which URLs and addresses it may fetch."""

from __future__ import annotations

import asyncio
import re
import socket
import unicodedata
from collections.abc import Iterable, Sequence
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network
from typing import TypeAlias

from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

Address: TypeAlias = IPv4Address | IPv6Address
Network: TypeAlias = IPv4Network | IPv6Network

ALLOWED_SCHEMES = frozenset({"http", "https"})

# Reason, then the clause that follows the address in a message ("... is <clause>").
_Verdict: TypeAlias = tuple[str, str]

# Ranges refused outright; the first match wins, so narrower ranges come before the ranges
# that contain them. IPv6 prefixes that embed an IPv4 address (::ffff:0:0/96, ::/96,
# 64:ff9b::/96, 2002::/16) are judged in _ipv6_verdict before this table is consulted.
_REFUSED_RANGES: tuple[tuple[Network, str, str], ...] = tuple(
    (ip_network(cidr), reason, what)
    for cidr, reason, what in (
        # Linux treats 0.0.0.0 as "this host", so it reaches local services.
        ("0.0.0.0/8", "unspecified", "an unspecified ('this host') address"),
        ("127.0.0.0/8", "loopback", "a loopback address"),
        ("10.0.0.0/8", "private", "a private (RFC 1918) address"),
        ("172.16.0.0/12", "private", "a private (RFC 1918) address"),
        ("192.168.0.0/16", "private", "a private (RFC 1918) address"),
        ("169.254.0.0/16", "link-local", "a link-local address (cloud metadata lives here)"),
        ("100.64.0.0/10", "shared (CGNAT)", "a shared carrier-grade NAT address"),
        ("224.0.0.0/4", "multicast", "a multicast address"),
        ("255.255.255.255/32", "reserved", "the broadcast address"),
        ("240.0.0.0/4", "reserved", "a reserved (former class E) address"),
        ("192.0.0.0/24", "reserved", "an IETF protocol-assignment address"),
        ("192.0.2.0/24", "reserved", "a documentation address"),
        ("198.51.100.0/24", "reserved", "a documentation address"),
        ("203.0.113.0/24", "reserved", "a documentation address"),
        ("198.18.0.0/15", "reserved", "a benchmarking address"),
        ("192.88.99.0/24", "reserved", "a retired 6to4 relay address"),
        # RFC 8215 local-use prefix: the translator is on the local network by definition.
        ("64:ff9b:1::/48", "NAT64", "a local-use NAT64 address"),
        ("2001::/32", "Teredo", "a Teredo tunnel address"),
        ("fe80::/10", "link-local", "a link-local address"),
        ("fc00::/7", "private", "a unique local (private) address"),
        ("fec0::/10", "private", "a deprecated site-local (private) address"),
        ("ff00::/8", "multicast", "a multicast address"),
        ("100::/64", "reserved", "a discard-only address"),
        ("2001:db8::/32", "reserved", "a documentation address"),
        ("3fff::/20", "reserved", "a documentation address"),
        ("2001:2::/48", "reserved", "a benchmarking address"),
    )
)

_IPV4_MAPPED = IPv6Network("::ffff:0:0/96")
_IPV4_COMPATIBLE = IPv6Network("::/96")
_NAT64 = IPv6Network("64:ff9b::/96")
_GLOBAL_UNICAST = IPv6Network("2000::/3")

# The characters a numeric IPv4 host can hold in any base inet_aton reads. Checked first
# because glibc's inet_aton also accepts "127.0.0.1 anything" (stopping at whitespace).
_NUMERIC_IPV4 = re.compile(r"[0-9A-Fa-fXx.]+")
# The label separators Python's idna codec splits on before a name reaches the resolver.
_DOTS = re.compile("[\u002e\u3002\uff0e\uff61]")
_NUMERIC_FLAGS = socket.AI_NUMERICHOST | socket.AI_NUMERICSERV


class UnsafeURL(OSError):
    """A URL or address the link checker must not fetch; ``str()`` says what and why.

    An OSError so that aiohttp, which wraps resolver OSErrors in its connector errors,
    keeps it in the exception chain.
    """

    def __init__(self, target: str, *, reason: str, detail: str) -> None:
        message = f"Refused {target}: {detail}"
        super().__init__(message)
        # aiohttp's ClientConnectorError repeats strerror, so the sentence survives there.
        self.strerror = message
        self.target = target
        self.reason = reason


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """Parse CIDR strings such as "127.0.0.0/8"; host bits are allowed and dropped."""
    if isinstance(values, str):
        # Iterating a lone string would "parse" each character and blame "1" or "/".
        raise TypeError(f"Expected a list of CIDR strings, got the single string {values!r}.")
    networks: list[Network] = []
    for value in values:
        try:
            networks.append(ip_network(value.strip(), strict=False))
        except ValueError as exc:
            raise ValueError(
                f"{value!r} is not a network in CIDR notation (such as 127.0.0.0/8)."
            ) from exc
    return tuple(networks)


def allowed_networks_from_setting() -> tuple[Network, ...]:
    """The operator's exceptions to the guard, from settings.LINKCHECK_ALLOWED_NETWORKS."""
    from django.conf import settings

    return parse_networks(getattr(settings, "LINKCHECK_ALLOWED_NETWORKS", ()))


def _range_verdict(address: Address) -> _Verdict | None:
    for network, reason, what in _REFUSED_RANGES:
        if address.version == network.version and address in network:
            return reason, f"is {what}, not a public one"
    return None


def _embedded_verdict(reason: str, kind: str, inner: IPv4Address) -> _Verdict | None:
    """Judge the IPv4 address inside a translation prefix; the allow-list does not apply."""
    verdict = _range_verdict(inner) or _global_verdict(inner)
    if verdict is None:
        return None
    return reason, f"is {kind} for {inner}, which {verdict[1]}"


def _ipv6_verdict(address: IPv6Address) -> _Verdict | None:
    if address.is_unspecified:
        return "unspecified", "is the unspecified address, not a public one"
    if address.is_loopback:
        return "loopback", "is a loopback address, not a public one"
    if address in _IPV4_MAPPED:
        # Refused whatever they map to: a public host always has a plain A record, so
        # mapped answers only come from odd literals or AAAA records built to slip past
        # an IPv4 check, and whether they reach IPv4 at all depends on the socket options.
        return "IPv4-mapped", (
            f"is an IPv4-mapped form of {address.ipv4_mapped}, and mapped addresses "
            "are never contacted whatever they map to"
        )
    if address in _IPV4_COMPATIBLE:
        return "reserved", "is a deprecated IPv4-compatible address, not a public one"
    if address in _NAT64:
        # Judged by the IPv4 inside: on an IPv6-only host behind DNS64 every public
        # IPv4-only site resolves into this prefix.
        inner = IPv4Address(int(address) & 0xFFFFFFFF)
        return _embedded_verdict("NAT64", "a NAT64 address", inner)
    if address.sixtofour is not None:
        # Refused even when the IPv4 inside is public: 6to4 is deprecated (RFC 7526),
        # it depends on anycast relays, and newer Pythons no longer call it global.
        verdict = _embedded_verdict("6to4", "a 6to4 address", address.sixtofour)
        return verdict or ("6to4", "is a deprecated 6to4 address, not a public one")
    verdict = _range_verdict(address)
    if verdict is not None:
        return verdict
    if address not in _GLOBAL_UNICAST:
        return "reserved", "is outside the global unicast range 2000::/3, not a public one"
    return None


def _global_verdict(address: Address) -> _Verdict | None:
    # A backstop for special-purpose ranges the tables above do not name.
    if address.is_global:
        return None
    return "not global", "is a special-purpose address that is not globally routable"


def _verdict(address: Address, allowed: Sequence[Network]) -> _Verdict | None:
    if any(address.version == net.version and address in net for net in allowed):
        return None
    if isinstance(address, IPv4Address):
        return _range_verdict(address) or _global_verdict(address)
    return _ipv6_verdict(address) or _global_verdict(address)


def address_problem(address: Address, allowed: Sequence[Network]) -> str:
    """Why the address must not be contacted ("loopback", "private", ...), or "" if it may.

    An address inside an allowed network is always accepted. An allowed network must
    contain the address as connected to: allowing 127.0.0.0/8 does not admit
    ::ffff:127.0.0.1 or 64:ff9b::7f00:1.
    """
    verdict = _verdict(address, allowed)
    return "" if verdict is None else verdict[0]


def check_url(url: str | URL) -> tuple[str, str, int]:
    """The (scheme, host, port) a fetch of the URL would use, or UnsafeURL if it must not run.

    The host is yarl's raw (IDNA-encoded) host, the string aiohttp itself resolves.
    """
    try:
        parsed = url if isinstance(url, URL) else URL(url)
    except (TypeError, ValueError) as exc:
        raise UnsafeURL(
            str(url), reason="malformed", detail=f"it is not a valid URL ({exc})."
        ) from exc
    if parsed.scheme not in ALLOWED_SCHEMES:
        found = f"the scheme is {parsed.scheme}:" if parsed.scheme else "it has no scheme"
        raise UnsafeURL(
            str(url), reason="scheme", detail=f"{found}, and only http and https are fetched."
        )
    if parsed.user is not None or parsed.password is not None:
        # The refusal names the URL without its credentials, which may be real secrets.
        raise UnsafeURL(
            str(parsed.with_user(None)),
            reason="credentials",
            detail="the link carries user:password credentials, which are never sent.",
        )
    host, port = parsed.raw_host, parsed.port
    if not host or port is None:
        raise UnsafeURL(str(url), reason="no host", detail="the URL names no host to fetch.")
    return parsed.scheme, host, port


def literal_address(host: str) -> Address | None:
    """The address a host names if it is an IP literal in any spelling the C resolver takes.

    IPv4 follows inet_aton, so "127.1", "2130706433", "0x7f.0.0.1" and "0177.0.0.1" are
    all 127.0.0.1. IPv6 may be bracketed and may carry a zone id. Names give None.
    """
    candidate = _DOTS.sub(".", unicodedata.normalize("NFKC", host))
    if candidate.startswith("[") and candidate.endswith("]"):
        candidate = candidate[1:-1]
    if ":" in candidate:
        try:
            return IPv6Address(candidate)
        except ValueError:
            return None
    if not _NUMERIC_IPV4.fullmatch(candidate):
        return None
    try:
        return IPv4Address(socket.inet_aton(candidate))
    except OSError:
        return None


async def resolve_public(
    host: str,
    port: int,
    *,
    allowed: Sequence[Network] = (),
    loop: asyncio.AbstractEventLoop | None = None,
) -> list[str]:
    """The addresses to connect to for host, each checked; UnsafeURL if any is not public.

    IP literals are judged without a DNS lookup. A name is refused if even one of its
    addresses is not public, since a client may connect to any of them and a rebinding
    name mixes public and private answers on purpose.
    """
    literal = literal_address(host)
    if literal is not None:
        verdict = _verdict(literal, allowed)
        if verdict is not None:
            reason, clause = verdict
            raise UnsafeURL(host, reason=reason, detail=f"{literal} {clause}.")
        return [str(literal)]

    loop = loop or asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, ValueError) as exc:
        # ValueError covers names the idna codec cannot encode, such as an empty label.
        raise UnsafeURL(
            host, reason="unresolvable", detail=f"the name does not resolve ({exc})."
        ) from exc

    addresses = list(dict.fromkeys(ip_address(info[4][0]) for info in infos))
    if not addresses:
        raise UnsafeURL(host, reason="unresolvable", detail="the name has no addresses.")
    for address in addresses:
        verdict = _verdict(address, allowed)
        if verdict is not None:
            reason, clause = verdict
            among = f" (one of {len(addresses)} answers)" if len(addresses) > 1 else ""
            raise UnsafeURL(
                host, reason=reason, detail=f"it resolves to {address}{among}, which {clause}."
            )
    return [str(address) for address in addresses]


class GuardedResolver(AbstractResolver):
    """An aiohttp resolver that hands the connector only addresses resolve_public accepted.

    aiohttp skips the resolver for hosts that look like IP literals (all digits and dots,
    or anything with a colon), so this alone does not guard http://127.0.0.1/ or
    http://[::1]/. Callers must also run check_url and resolve_public on every URL and
    on every redirect hop (fetch with allow_redirects=False) before requesting it.
    """

    def __init__(self, allowed: Sequence[Network] = ()) -> None:
        self._allowed = tuple(allowed)

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        addresses = await resolve_public(host, port, allowed=self._allowed)
        results: list[ResolveResult] = []
        for address in addresses:
            address_family = socket.AF_INET6 if ":" in address else socket.AF_INET
            # The connector asks for AF_UNSPEC (0) unless it was pinned to one family.
            if family not in (socket.AF_UNSPEC, address_family):
                continue
            # Numeric flags and the checked address itself: the connector must not look
            # the name up a second time and get a different (rebound) answer.
            results.append(
                ResolveResult(
                    hostname=host,
                    host=address,
                    port=port,
                    family=address_family,
                    proto=socket.IPPROTO_TCP,
                    flags=_NUMERIC_FLAGS,
                )
            )
        if not results:
            raise socket.gaierror(
                socket.EAI_NONAME, f"{host} has no {socket.AddressFamily(family).name} address"
            )
        return results

    async def close(self) -> None:
        pass
