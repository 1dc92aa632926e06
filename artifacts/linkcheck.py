"""The link checker's engine: checks many URLs concurrently with aiohttp, politely and safely.

Knows nothing of the database: it takes URLs and returns one classified result per URL.
artifacts/services/links.py records the results, by the rules of artifacts/linkstate.py.

- Concurrency: at most ``concurrency`` requests in flight, at most ``per_host`` to any one
  host, and requests to one host started at least ``host_interval`` seconds apart. A
  request waits for its host's slot before taking a global one, so a busy host never holds
  global slots that other hosts could use.
- HEAD first; GET when a server refuses HEAD (405, 403, 400, 501), reading only the
  headers. Redirects are followed by hand, up to ``max_redirects``, so every hop is
  recorded and checked.
- Safety: every hop's URL goes through artifacts.netguard before it is requested; the
  session's resolver refuses non-public addresses and hands aiohttp exactly the addresses
  it checked.
- Retries with exponential backoff and jitter on timeouts, resets, 5xx and 429 (honouring
  Retry-After up to ``max_retry_after``).
- A checker whose own network is down says so instead of failing every link: when no URL
  of a run got an answer (DNS or connection failures) and either the ``reference_url``
  cannot be reached either or, without one, the run spans several hosts, every result is
  "no_network" (not checked), which counts against no link.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import random
import ssl
import time
from collections import defaultdict
from collections.abc import Callable, Coroutine, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit

import aiohttp

from artifacts import netguard

# What a final answer means. "refused" is the checker's own refusal (not a public address).
OK, REDIRECTED, BROKEN, BLOCKED = "ok", "redirected", "broken", "blocked"
TLS_ERROR, TIMEOUT, SERVER_ERROR, REFUSED = "tls_error", "timeout", "server_error", "refused"
NO_NETWORK = "no_network"  # not checked: the checker itself could reach no host
NO_NETWORK_ERROR = "Not checked: no network (no host could be reached)."

GET_FALLBACK = frozenset({400, 403, 405, 501})  # servers that refuse or botch HEAD
BLOCKED_STATUSES = frozenset({401, 403, 429, 999})  # 999: LinkedIn's "no robots"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
PERMANENT = frozenset({301, 308})
T = TypeVar("T")


@dataclass(frozen=True)
class CheckerConfig:
    concurrency: int = 50
    per_host: int = 2
    host_interval: float = 1.0  # seconds between request starts to one host
    connect_timeout: float = 10.0
    total_timeout: float = 30.0  # per request
    max_redirects: int = 10
    retries: int = 2
    backoff: float = 2.0  # first retry after about this many seconds, then doubling
    max_retry_after: float = 60.0  # a longer Retry-After is not waited for: blocked
    max_bytes: int = 65_536  # the most of a body ever read (challenge pages)
    user_agent: str = "FairProg-linkcheck/1.0"
    allowed_networks: tuple[Any, ...] = ()
    reference_url: str = ""  # reachable whenever the network is up; "": judge by the hosts

    @classmethod
    def from_settings(cls, **overrides: Any) -> CheckerConfig:
        from django.conf import settings

        config = cls(
            concurrency=settings.LINKCHECK_CONCURRENCY,
            per_host=settings.LINKCHECK_PER_HOST,
            host_interval=settings.LINKCHECK_HOST_INTERVAL,
            connect_timeout=settings.LINKCHECK_CONNECT_TIMEOUT,
            total_timeout=settings.LINKCHECK_TIMEOUT,
            max_redirects=settings.LINKCHECK_MAX_REDIRECTS,
            retries=settings.LINKCHECK_RETRIES,
            backoff=settings.LINKCHECK_BACKOFF,
            max_bytes=settings.LINKCHECK_MAX_BYTES,
            user_agent=f"FairProg-linkcheck/1.0 (+{settings.LINKCHECK_CONTACT_URL})",
            allowed_networks=netguard.parse_networks(settings.LINKCHECK_ALLOWED_NETWORKS),
            reference_url=settings.LINKCHECK_REFERENCE_URL,
        )
        return replace(config, **overrides)


@dataclass
class CheckResult:
    url: str
    outcome: str
    status_code: int | None = None
    final_url: str = ""
    redirects: list[tuple[int, str]] = field(default_factory=list)  # (status, location)
    latency_ms: int = 0
    attempts: int = 0
    error: str = ""
    checked_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    no_answer: bool = False  # no host answered: its name did not resolve or it was unreachable

    @property
    def moved_to(self) -> str:
        """Where the URL permanently moved: the target of the last hop in the chain's leading
        run of permanent redirects (301/308), if that run exists and the link works."""
        if self.outcome != REDIRECTED:
            return ""
        target = ""
        for status, location in self.redirects:
            if status not in PERMANENT:
                break
            target = location
        return target


@dataclass
class _Answer:
    status: int
    location: str = ""
    blocked_marker: str = ""
    retry_after: float | None = None


class _Hosts:
    """Per-host politeness: a semaphore and the earliest start of the next request."""

    def __init__(self, per_host: int, interval: float) -> None:
        self.interval = interval
        self.slots: defaultdict[str, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(per_host)
        )
        self.next_start: defaultdict[str, float] = defaultdict(float)

    async def wait_turn(self, host: str) -> None:
        if self.interval <= 0:
            return
        loop = asyncio.get_running_loop()
        now = loop.time()
        start = max(now, self.next_start[host])
        self.next_start[host] = start + self.interval
        if start > now:
            await asyncio.sleep(start - now)


class Checker:
    """Check URLs with one aiohttp session; use ``async with Checker(config) as checker``."""

    def __init__(self, config: CheckerConfig) -> None:
        self.config = config
        self.hosts = _Hosts(config.per_host, config.host_interval)
        self.slots = asyncio.Semaphore(config.concurrency)
        self.session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Checker:
        config = self.config
        connector = aiohttp.TCPConnector(
            limit=config.concurrency,
            limit_per_host=config.per_host,
            resolver=netguard.GuardedResolver(allowed=config.allowed_networks),
            ttl_dns_cache=300,
            ssl=ssl.create_default_context(),
        )
        self.session = aiohttp.ClientSession(
            connector=connector,
            headers={"User-Agent": config.user_agent, "Accept": "*/*"},
            timeout=aiohttp.ClientTimeout(
                total=config.total_timeout, sock_connect=config.connect_timeout
            ),
            auto_decompress=False,
            cookie_jar=aiohttp.DummyCookieJar(),
            trust_env=False,
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.session is not None:
            await self.session.close()

    async def check(self, url: str) -> CheckResult:
        """Follow ``url`` to its end and classify what was found."""
        started = time.perf_counter()
        result = CheckResult(url=url, outcome=BROKEN)
        current, seen = url, {url}
        try:
            while True:
                answer = await self._request(current, result)
                result.status_code = answer.status
                if 300 <= answer.status < 400 and answer.location:
                    target = urljoin(current, answer.location)
                    result.redirects.append((answer.status, target))
                    if target in seen:
                        result.outcome, result.error = BROKEN, "Redirect loop."
                        break
                    if len(result.redirects) > self.config.max_redirects:
                        result.outcome = BROKEN
                        result.error = f"More than {self.config.max_redirects} redirects."
                        break
                    seen.add(target)
                    current = target
                    continue
                result.final_url = current
                result.outcome, result.error = self._classify(answer)
                if result.outcome == OK and result.redirects:
                    result.outcome = REDIRECTED
                break
        except netguard.UnsafeURL as exc:
            result.final_url = current
            if exc.reason == "unresolvable":  # a broken link, not a refusal
                result.outcome, result.no_answer = BROKEN, True
                result.error = f"The host name {exc.target} does not resolve."
            else:
                result.outcome, result.error = REFUSED, str(exc)
        except _Failure as exc:
            result.outcome, result.error, result.final_url = exc.outcome, exc.message, current
            result.no_answer = exc.no_answer
        result.latency_ms = round((time.perf_counter() - started) * 1000)
        result.checked_at = dt.datetime.now(dt.UTC)
        return result

    def _classify(self, answer: _Answer) -> tuple[str, str]:
        status = answer.status
        if answer.blocked_marker:
            return BLOCKED, f"HTTP {status}: {answer.blocked_marker}"
        if 200 <= status < 300:
            return OK, ""
        if status in BLOCKED_STATUSES:
            return BLOCKED, f"HTTP {status}: the site refused the checker."
        if status >= 500:
            return SERVER_ERROR, f"HTTP {status}."
        if 300 <= status < 400:
            return BROKEN, f"HTTP {status} without a Location header."
        return BROKEN, f"HTTP {status}."

    async def _request(self, url: str, result: CheckResult) -> _Answer:
        """One hop, with retries; raises _Failure or UnsafeURL when there is no answer."""
        _scheme, host, port = netguard.check_url(url)
        if netguard.literal_address(host) is not None:
            # aiohttp skips the resolver for literal addresses: judge them here (no DNS).
            await netguard.resolve_public(host, port, allowed=self.config.allowed_networks)
        config = self.config
        for attempt in range(config.retries + 1):
            result.attempts += 1
            try:
                answer = await self._fetch(url, host.lower())
            except _Failure as exc:
                if not exc.retry or attempt == config.retries:
                    raise
                await asyncio.sleep(self._backoff(attempt))
                continue
            if answer.status in RETRY_STATUSES and attempt < config.retries:
                wait = answer.retry_after
                if wait is not None and wait > config.max_retry_after:
                    return answer  # told to come back much later: report it as it is
                await asyncio.sleep(max(wait or 0.0, self._backoff(attempt)))
                continue
            return answer
        raise AssertionError("unreachable")  # the loop returns or raises  # pragma: no cover

    def _backoff(self, attempt: int) -> float:
        return self.config.backoff * (2**attempt) * random.uniform(0.5, 1.5)  # noqa: S311

    async def _fetch(self, url: str, host: str) -> _Answer:
        async with self.hosts.slots[host]:
            await self.hosts.wait_turn(host)
            async with self.slots:
                answer = await self._send("HEAD", url)
                if answer.status in GET_FALLBACK:
                    await self.hosts.wait_turn(host)
                    answer = await self._send("GET", url)
                return answer

    async def _send(self, method: str, url: str) -> _Answer:
        assert self.session is not None  # noqa: S101 - only used inside ``async with``
        try:
            async with self.session.request(method, url, allow_redirects=False) as response:
                answer = _Answer(
                    status=response.status,
                    location=response.headers.get("Location", ""),
                    retry_after=_retry_after(response.headers.get("Retry-After")),
                )
                if response.headers.get("cf-mitigated"):
                    answer.blocked_marker = "a bot challenge (cf-mitigated)."
                elif method == "GET" and response.status in (403, 503):
                    head = await response.content.read(self.config.max_bytes)
                    if _looks_like_challenge(head):
                        answer.blocked_marker = "a bot challenge page."
                if method == "GET":
                    response.close()  # never read the rest of a body
                return answer
        except netguard.UnsafeURL:
            raise
        except aiohttp.ClientConnectorCertificateError as exc:
            message = f"TLS certificate not valid: {exc.certificate_error}"
            raise _Failure(TLS_ERROR, message) from exc
        except aiohttp.ClientSSLError as exc:
            raise _Failure(TLS_ERROR, f"TLS error: {exc}") from exc
        except aiohttp.ClientConnectorError as exc:
            unsafe = _unsafe_cause(exc)
            if unsafe is not None:
                raise unsafe from exc
            if isinstance(exc.os_error, ssl.SSLError):
                raise _Failure(TLS_ERROR, f"TLS error: {exc.os_error}") from exc
            if isinstance(exc.os_error, TimeoutError):
                message = "Connecting timed out."
                raise _Failure(TIMEOUT, message, retry=True, no_answer=True) from exc
            message = f"Connection refused or unreachable: {exc.os_error}"
            raise _Failure(BROKEN, message, no_answer=True) from exc
        except (TimeoutError, aiohttp.ServerTimeoutError) as exc:
            raise _Failure(TIMEOUT, "No answer in time.", retry=True) from exc
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError) as exc:
            raise _Failure(BROKEN, f"Connection reset: {exc}", retry=True) from exc
        except aiohttp.TooManyRedirects as exc:  # pragma: no cover - redirects are manual
            raise _Failure(BROKEN, str(exc)) from exc
        except (aiohttp.ClientResponseError, aiohttp.ClientPayloadError, ValueError) as exc:
            raise _Failure(BROKEN, f"Invalid answer: {exc}") from exc


class _Failure(Exception):
    def __init__(
        self, outcome: str, message: str, *, retry: bool = False, no_answer: bool = False
    ) -> None:
        super().__init__(message)
        self.outcome, self.message, self.retry = outcome, message, retry
        self.no_answer = no_answer


def _unsafe_cause(exc: BaseException) -> netguard.UnsafeURL | None:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, netguard.UnsafeURL):
            return seen
        os_error = getattr(seen, "os_error", None)
        if isinstance(os_error, netguard.UnsafeURL):
            return os_error
        seen = seen.__cause__ or seen.__context__
    return None


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    if value.strip().isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


_CHALLENGE_MARKERS = (b"just a moment", b"captcha", b"cf-chl", b"challenge-platform")


def _looks_like_challenge(head: bytes) -> bool:
    lowered = head.lower()
    return any(marker in lowered for marker in _CHALLENGE_MARKERS)


async def check_urls(
    urls: Iterable[str],
    config: CheckerConfig,
    *,
    on_result: Callable[[CheckResult], None] | None = None,
) -> list[CheckResult]:
    """Check every URL (duplicates once each); results in the order of ``urls``."""
    unique = list(dict.fromkeys(urls))
    async with Checker(config) as checker:

        async def one(url: str) -> CheckResult:
            result = await checker.check(url)
            if on_result is not None:
                on_result(result)
            return result

        results = list(await asyncio.gather(*(one(url) for url in unique)))
        if await _network_down(checker, results):
            results = [_not_checked(result) for result in results]
    return results


async def _network_down(checker: Checker, results: Sequence[CheckResult]) -> bool:
    """Whether the run failed because the checker's own network is down: no URL got an
    answer, and the reference URL cannot be reached either (without one: the failures span
    several hosts, which are seldom all down at once while the network is up)."""
    if not results or not all(result.no_answer for result in results):
        return False
    if checker.config.reference_url:
        return (await checker.check(checker.config.reference_url)).no_answer
    return len({host_of(result.url) for result in results}) > 1


def _not_checked(result: CheckResult) -> CheckResult:
    return replace(
        result, outcome=NO_NETWORK, error=f"{NO_NETWORK_ERROR} {result.error}".strip()[:500]
    )


def check_urls_sync(
    urls: Sequence[str],
    config: CheckerConfig,
    *,
    on_result: Callable[[CheckResult], None] | None = None,
) -> list[CheckResult]:
    """check_urls for synchronous callers (tasks, management commands). From a thread that
    already runs an event loop (an async caller, or a test session driving a browser), the
    check runs on a loop of its own in another thread."""
    return run_sync(lambda: check_urls(urls, config, on_result=on_result))


def run_sync(coroutine: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run the coroutine made by ``coroutine`` to completion and return its result."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine())
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(coroutine())).result()


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()
