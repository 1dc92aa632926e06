"""A local HTTP(S) server that plays every kind of website a link checker meets, and counts."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import socket
import ssl
import struct
import threading
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, cast

from aiohttp import web

if TYPE_CHECKING:
    import trustme

REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
CHUNK = b"x" * 65536  # one shared buffer, so a 50 MB body costs 64 KiB of memory
KEEPALIVE_SECONDS = 60.0  # aiohttp's default (an hour) would keep idle test connections open
SHUTDOWN_SECONDS = 0.25  # stop() should not wait out a /slow?seconds=30 still in progress
TCP_ESTABLISHED = 1  # tcpi_state in Linux's struct tcp_info


@dataclass(slots=True)
class _Address:
    """Counters for one listening address (ip:port)."""

    open_connections: int = 0
    max_connections: int = 0
    connections: int = 0  # accepted over the lifetime: tells reuse from reconnection
    in_flight: int = 0
    max_in_flight: int = 0
    requests: int = 0


class _Counters:
    """Written by the server's loop, read from any thread; one lock keeps snapshots whole."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.addresses: dict[str, _Address] = {}
        self._open: dict[str, set[_Connection]] = {}
        self.requests: Counter[tuple[str, str, str]] = Counter()  # (address, method, raw path)
        self.attempts: Counter[tuple[str, str]] = Counter()  # (address, raw path) → seen so far
        self.bytes_sent: Counter[str] = Counter()

    def add_address(self, address: str) -> None:
        with self._lock:
            self.addresses.setdefault(address, _Address())

    def connection_opened(self, connection: _Connection) -> None:
        with self._lock:
            counts = self.addresses.setdefault(connection.address, _Address())
            open_here = self._open.setdefault(connection.address, set())
            # asyncio can accept a connection before it reads the EOF of one the client
            # closed earlier (the accept loop drains what arrived after the poll), and
            # reports it lost an iteration later still: ask the kernel, so that a client
            # closing one connection and then opening another is never seen holding both.
            open_here -= {other for other in open_here if other.peer_closed()}
            open_here.add(connection)
            counts.connections += 1
            counts.open_connections = len(open_here)
            counts.max_connections = max(counts.max_connections, counts.open_connections)

    def connection_closed(self, connection: _Connection) -> None:
        with self._lock:
            open_here = self._open[connection.address]
            open_here.discard(connection)
            self.addresses[connection.address].open_connections = len(open_here)

    def request_started(self, address: str, method: str, raw_path: str) -> int:
        """Count a request; return how many came before it to this path on this address."""
        with self._lock:
            counts = self.addresses[address]
            counts.requests += 1
            counts.in_flight += 1
            counts.max_in_flight = max(counts.max_in_flight, counts.in_flight)
            self.requests[address, method, raw_path] += 1
            earlier = self.attempts[address, raw_path]
            self.attempts[address, raw_path] = earlier + 1
            return earlier

    def request_finished(self, address: str) -> None:
        with self._lock:
            self.addresses[address].in_flight -= 1

    def add_bytes(self, path: str, sent: int) -> None:
        with self._lock:
            self.bytes_sent[path] += sent

    def reset(self) -> None:
        """Forget history; what is open right now stays counted, as it is still open."""
        with self._lock:
            for counts in self.addresses.values():
                counts.max_connections = counts.connections = counts.open_connections
                counts.max_in_flight = counts.in_flight
                counts.requests = 0
            self.requests.clear()
            self.attempts.clear()
            self.bytes_sent.clear()

    def address(self, address: str) -> _Address:
        with self._lock:
            counts = self.addresses.get(address, _Address())
            return _Address(**asdict(counts))

    def count_requests(self, address: str | None, path: str | None, method: str | None) -> int:
        with self._lock:
            items = list(self.requests.items())
        return sum(
            n
            for (a, m, raw), n in items
            if (address is None or a == address)
            and (method is None or m == method.upper())
            # A path with a query must match exactly; without one it matches any query.
            and (path is None or raw == path or ("?" not in path and raw.split("?")[0] == path))
        )

    def snapshot(self, *, per_path: bool = True) -> dict[str, Any]:
        with self._lock:
            data: dict[str, Any] = {
                "addresses": {a: asdict(c) for a, c in self.addresses.items()},
                "total_requests": sum(self.requests.values()),
                "bytes_sent": dict(self.bytes_sent),
            }
            if per_path:
                data["requests"] = [[*key, n] for key, n in self.requests.items()]
            return data


class _Connection(web.RequestHandler):
    """aiohttp's per-connection protocol, counted per local address it was accepted on.

    asyncio calls connection_made and connection_lost once each per connection (for TLS,
    made only after a completed handshake). The address stays on the protocol so that
    requests still finishing after the client left are booked where they came in.
    """

    __slots__ = ("_counters", "address")

    def __init__(self, manager: web.Server, counters: _Counters, **kwargs: Any) -> None:
        super().__init__(manager, **kwargs)
        self._counters = counters
        self.address = ""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        host, port = transport.get_extra_info("sockname")[:2]
        self.address = f"{host}:{port}"
        self._counters.connection_opened(self)  # before super() starts the request loop
        super().connection_made(transport)

    def connection_lost(self, exc: BaseException | None) -> None:
        self._counters.connection_closed(self)
        super().connection_lost(exc)

    def peer_closed(self) -> bool:
        """Whether the kernel already has the client's FIN or RST for this connection."""
        sock = None if self.transport is None else self.transport.get_extra_info("socket")
        if sock is None:
            return True
        if not hasattr(socket, "TCP_INFO"):  # Linux only; elsewhere wait for connection_lost
            return False
        try:
            state = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 1)[0]
        except OSError:
            return True
        return bool(state != TCP_ESTABLISHED)


def _int_param(request: web.BaseRequest, name: str, default: int) -> int:
    try:
        return int(request.query.get(name, default))
    except ValueError:
        raise web.HTTPBadRequest(text=f"{name} must be an integer") from None


def _float_param(request: web.BaseRequest, name: str, default: float) -> float:
    try:
        return float(request.query.get(name, default))
    except ValueError:
        raise web.HTTPBadRequest(text=f"{name} must be a number") from None


def _redirect(request: web.BaseRequest, code: int, target: str) -> web.Response:
    if target.startswith("/"):
        # Absolute, on the host the client asked for, so every hop names its host.
        target = f"{request.scheme}://{request.host}{target}"
    return web.Response(status=code, text=f"redirecting to {target}", headers={"Location": target})


def _ok() -> web.Response:
    return web.Response(text="ok")


class LinkServer:
    """Listens on ``hosts`` loopback addresses (127.0.0.<first_host>…) on one port, plus
    TLS on the first address with a certificate from ``ca``, which no client trusts.

    Counters are per listening address, written "ip:port"; methods taking ``host`` accept
    a bare ip for the plain-HTTP port (``server.hosts[0]``) or "ip:port" (the TLS one).
    """

    def __init__(
        self,
        hosts: int = 4,
        *,
        latency_ms: float = 0,
        tls: bool = True,
        first_host: int = 2,
        uvloop: bool = False,
    ) -> None:
        if hosts < 1 or first_host < 1 or first_host + hosts > 255:
            raise ValueError("hosts must fit in 127.0.0.1 … 127.0.0.254")
        self.hosts = [f"127.0.0.{first_host + i}" for i in range(hosts)]
        self.port = 0
        self.tls_port = 0
        self.latency = latency_ms / 1000
        self.ca: trustme.CA | None = None  # set by start() when tls
        self._tls = tls
        self._uvloop = uvloop
        self._counters = _Counters()
        self._routes: dict[str, Callable[[web.BaseRequest, int], Awaitable[web.StreamResponse]]]
        self._routes = {
            "/ok": self._serve_ok,
            "/redirect-to": self._serve_redirect_to,
            "/loop": self._serve_loop,
            "/loop2": self._serve_loop,
            "/challenge": self._serve_challenge,
            "/ratelimited": self._serve_ratelimited,
            "/flaky": self._serve_flaky,
            "/nohead": self._serve_nohead,
            "/slow": self._serve_slow,
            "/reset": self._serve_reset,
            "/big-headers": self._serve_big_headers,
        }
        self._servers: list[asyncio.AbstractServer] = []
        self._manager: web.Server | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_event: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    # --- URLs and counters, for tests ---

    def url(self, path: str, host: int = 0, *, tls: bool = False) -> str:
        """``path`` on the ``host``-th address; TLS listens on the first address only."""
        if tls:
            if host != 0 or not self._tls:
                raise ValueError("TLS listens on hosts[0] only, and only with tls=True")
            return f"https://{self.hosts[0]}:{self.tls_port}{path}"
        return f"http://{self.hosts[host]}:{self.port}{path}"

    def _address(self, host: str) -> str:
        return host if ":" in host else f"{host}:{self.port}"

    def max_connections(self, host: str) -> int:
        """Most TCP connections open at once on that address."""
        return self._counters.address(self._address(host)).max_connections

    def open_connections(self, host: str) -> int:
        return self._counters.address(self._address(host)).open_connections

    def connections(self, host: str) -> int:
        """Connections accepted on that address since start (or reset_counters)."""
        return self._counters.address(self._address(host)).connections

    def max_in_flight(self, host: str) -> int:
        """Most requests being handled at once on that address."""
        return self._counters.address(self._address(host)).max_in_flight

    def in_flight(self, host: str) -> int:
        return self._counters.address(self._address(host)).in_flight

    def requests(
        self, host: str | None = None, path: str | None = None, method: str | None = None
    ) -> int:
        """Requests received; ``path`` with a query matches exactly, without one any query."""
        address = None if host is None else self._address(host)
        return self._counters.count_requests(address, path, method)

    def bytes_sent(self, path: str) -> int:
        """Body bytes of ``path`` (e.g. "/nohead") the kernel took before the client left."""
        return self._counters.bytes_sent[path]

    def stats(self, *, per_path: bool = True) -> dict[str, Any]:
        """What GET /_stats returns; without the per-path list when ``per_path`` is false."""
        return self._counters.snapshot(per_path=per_path)

    def reset_counters(self) -> None:
        """Clear maxima, request counts, bytes sent and /ratelimited, /flaky progress."""
        self._counters.reset()

    # --- running in a thread, for tests ---

    def start(self) -> None:
        """Serve from a daemon thread with its own event loop; return once listening."""
        if self._thread is not None:
            raise RuntimeError("already started")
        self._thread = threading.Thread(target=self._run, name="linkserver", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout=30):
            raise RuntimeError("link server did not start within 30 s")
        if self._error is not None:
            raise RuntimeError("link server failed to start") from self._error

    def stop(self) -> None:
        if self._thread is None:
            return
        if self._loop is not None and self._stop_event is not None:
            with contextlib.suppress(RuntimeError):  # the loop already ended
                self._loop.call_soon_threadsafe(self._stop_event.set)
        self._thread.join(timeout=10)
        self._thread = None

    def __enter__(self) -> LinkServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _run(self) -> None:
        loop = _new_event_loop(self._uvloop)
        self._loop = loop
        try:
            loop.run_until_complete(self._serve_until_stopped())
        finally:
            loop.close()

    async def _serve_until_stopped(self) -> None:
        self._stop_event = asyncio.Event()
        try:
            await self.open()
        except BaseException as exc:
            self._error = exc
            raise
        finally:
            self._ready.set()
        try:
            await self._stop_event.wait()
        finally:
            await self.close()

    # --- listening ---

    async def open(self) -> None:
        """Bind and listen, on the running loop (start() does this in its own thread)."""
        loop = asyncio.get_running_loop()
        self._manager = manager = web.Server(self._handle, loop=loop)
        counters = self._counters

        def protocol() -> _Connection:
            return _Connection(
                manager,
                counters,
                loop=loop,
                access_log=None,
                keepalive_timeout=KEEPALIVE_SECONDS,
            )

        context = self._tls_context() if self._tls else None
        plain = _bind_same_port(self.hosts)
        self.port = plain[0].getsockname()[1]
        listeners: list[tuple[socket.socket, ssl.SSLContext | None]] = [(s, None) for s in plain]
        if context is not None:
            tls_sock = _bind(self.hosts[0], 0)
            self.tls_port = tls_sock.getsockname()[1]
            listeners.append((tls_sock, context))
        for sock, context in listeners:
            host, port = sock.getsockname()[:2]
            counters.add_address(f"{host}:{port}")
            self._servers.append(
                await loop.create_server(protocol, sock=sock, ssl=context, backlog=1024)
            )

    def _tls_context(self) -> ssl.SSLContext:
        import trustme  # a test dependency; only TLS needs it

        self.ca = ca = trustme.CA()
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert(*self.hosts, "localhost").configure_cert(context)
        return context

    async def close(self) -> None:
        for server in self._servers:
            server.close()
        if self._manager is not None:
            # Let requests already accepted start, as aiohttp's own runner does, then
            # close idle connections and give busy ones a moment before cancelling them.
            await asyncio.sleep(0)
            self._manager.pre_shutdown()
            await self._manager.shutdown(SHUTDOWN_SECONDS)
        for server in self._servers:
            await server.wait_closed()
        self._servers.clear()

    # --- requests ---

    async def _handle(self, request: web.BaseRequest) -> web.StreamResponse:
        path = request.path
        if path.startswith("/_"):
            return self._serve_control(request, path)
        address = cast(_Connection, request.protocol).address
        earlier = self._counters.request_started(address, request.method, request.raw_path)
        try:
            if self.latency:
                await asyncio.sleep(self.latency)
            route = self._routes.get(path)
            if route is not None:
                return await route(request, earlier)
            return self._serve_pattern(request, path)
        finally:
            # Before aiohttp writes the response, so a client never sees a request it
            # could follow with another still counted here.
            self._counters.request_finished(address)

    def _serve_control(self, request: web.BaseRequest, path: str) -> web.StreamResponse:
        if path == "/_stats":
            return web.json_response(self._counters.snapshot())
        if path == "/_reset":
            self._counters.reset()
            return web.Response(status=204)
        return web.Response(status=404, text="not found")

    def _serve_pattern(self, request: web.BaseRequest, path: str) -> web.StreamResponse:
        _, first, *rest = path.split("/")
        try:
            numbers = [int(part) for part in rest]
        except ValueError:
            numbers = []
        if first == "redirect" and len(numbers) == 2 and numbers[0] in REDIRECT_CODES:
            code, hops = numbers
            if hops <= 0:
                return _ok()
            return _redirect(request, code, f"/redirect/{code}/{hops - 1}" if hops > 1 else "/ok")
        if first == "status" and len(numbers) == 1 and 200 <= numbers[0] <= 599:
            code = numbers[0]
            if code in (204, 304):
                return web.Response(status=code)
            return web.Response(status=code, text=f"status {code}")
        if first == "get-only" and len(numbers) == 1 and 200 <= numbers[0] <= 599:
            if request.method == "HEAD":
                return web.Response(status=numbers[0])
            return _ok()
        return web.Response(status=404, text="not found")

    async def _serve_ok(self, request: web.BaseRequest, earlier: int) -> web.StreamResponse:
        return _ok()

    async def _serve_redirect_to(self, request: web.BaseRequest, earlier: int) -> web.Response:
        target = request.query.get("url")
        if not target:
            raise web.HTTPBadRequest(text="url is required")
        return _redirect(request, 302, target)

    async def _serve_loop(self, request: web.BaseRequest, earlier: int) -> web.Response:
        return _redirect(request, 302, "/loop2" if request.path == "/loop" else "/loop")

    async def _serve_challenge(self, request: web.BaseRequest, earlier: int) -> web.Response:
        body = (
            "<!DOCTYPE html><html><head><title>Just a moment...</title></head><body></body></html>"
        )
        return web.Response(
            status=403,
            text=body,
            content_type="text/html",
            headers={"cf-mitigated": "challenge", "Server": "cloudflare"},
        )

    async def _serve_ratelimited(self, request: web.BaseRequest, earlier: int) -> web.Response:
        # Without "after" the limit never lifts; Retry-After is passed through, so a
        # test can send a date as well as seconds.
        after = _int_param(request, "after", -1)
        if after < 0 or earlier < after:
            retry_after = request.query.get("retry_after", "1")
            return web.Response(status=429, text="slow down", headers={"Retry-After": retry_after})
        return _ok()

    async def _serve_flaky(self, request: web.BaseRequest, earlier: int) -> web.Response:
        if earlier < _int_param(request, "fail", 1):
            return web.Response(status=503, text="try again")
        return _ok()

    async def _serve_nohead(self, request: web.BaseRequest, earlier: int) -> web.StreamResponse:
        if request.method == "HEAD":
            return web.Response(status=405, headers={"Allow": "GET"})
        size = _int_param(request, "mb", 50) * 1024 * 1024
        response = web.StreamResponse(headers={"Content-Type": "application/octet-stream"})
        response.content_length = size
        await response.prepare(request)
        transport = request.transport
        written = on_socket = 0
        try:
            while written < size:
                chunk = CHUNK if size - written >= len(CHUNK) else CHUNK[: size - written]
                await response.write(chunk)
                written += len(chunk)
                # What asyncio still buffers has not reached the socket; aiohttp drains
                # past 64 KiB, so this is the kernel's share to within that.
                if transport is not None:
                    on_socket = written - transport.get_write_buffer_size()
            await response.write_eof()
            on_socket = written
        except ConnectionError:
            pass  # the client closed: what it did not read is the point of this route
        finally:
            self._counters.add_bytes(request.path, on_socket)
        return response

    async def _serve_slow(self, request: web.BaseRequest, earlier: int) -> web.Response:
        await asyncio.sleep(_float_param(request, "seconds", 1.0))
        return _ok()

    async def _serve_reset(self, request: web.BaseRequest, earlier: int) -> web.Response:
        transport = request.transport
        if transport is not None:
            sock = transport.get_extra_info("socket")
            if sock is not None:
                # Linger 0 makes close send RST rather than FIN: a reset, not an empty reply.
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            transport.abort()
        # aiohttp finds the transport closed and drops this quietly.
        return web.Response(status=500)

    async def _serve_big_headers(self, request: web.BaseRequest, earlier: int) -> web.Response:
        kib = _int_param(request, "kib", 64)
        filler = "x" * 1000  # with name and CRLF, about 1 KiB a line
        headers = {f"X-Filler-{i:04d}": filler for i in range(kib)}
        return web.Response(text="ok", headers=headers)


def _bind(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def _bind_same_port(hosts: list[str], attempts: int = 20) -> list[socket.socket]:
    """One socket per host on one port: the kernel picks it for the first, the rest follow."""
    for _ in range(attempts):
        socks = [_bind(hosts[0], 0)]
        port = socks[0].getsockname()[1]
        try:
            socks.extend(_bind(host, port) for host in hosts[1:])
        except OSError:
            for sock in socks:
                sock.close()
            continue  # someone holds that port on another address: try another
        return socks
    raise OSError(f"no port free on all of {hosts[0]} … {hosts[-1]}")


def _new_event_loop(use_uvloop: bool) -> asyncio.AbstractEventLoop:
    if use_uvloop:
        import uvloop

        return cast(asyncio.AbstractEventLoop, uvloop.new_event_loop())
    return asyncio.new_event_loop()


def _uvloop_installed() -> bool:
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return False
    return True


async def _serve_cli(server: LinkServer) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await server.open()
    try:
        ready = {"hosts": server.hosts, "port": server.port, "tls_port": server.tls_port or None}
        print(json.dumps(ready), flush=True)
        await stop.wait()
        return server.stats(per_path=False)
    finally:
        await server.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="Serve link-checker test routes until SIGTERM or SIGINT."
    )
    parser.add_argument("--hosts", type=int, default=20, help="loopback addresses (default 20)")
    parser.add_argument("--first-host", type=int, default=2, help="127.0.0.N to start at")
    parser.add_argument("--latency-ms", type=float, default=0, help="delay before each answer")
    parser.add_argument("--no-tls", action="store_true", help="skip the TLS listener")
    parser.add_argument(
        "--loop",
        choices=["auto", "asyncio", "uvloop"],
        default="auto",
        help="event loop; auto takes uvloop when installed",
    )
    args = parser.parse_args(argv)
    if args.loop == "uvloop" and not _uvloop_installed():
        parser.error("uvloop is not installed")
    use_uvloop = args.loop == "uvloop" or (args.loop == "auto" and _uvloop_installed())
    server = LinkServer(
        args.hosts, latency_ms=args.latency_ms, tls=not args.no_tls, first_host=args.first_host
    )
    loop = _new_event_loop(use_uvloop)
    try:
        final = loop.run_until_complete(_serve_cli(server))
    finally:
        loop.close()
    print(json.dumps(final), flush=True)


if __name__ == "__main__":
    main()
