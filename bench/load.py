"""Benchmark: the public site under load, over HTTP, through gunicorn as deployed.

Loads 100,000 synthetic artifacts into a scratch PostgreSQL database (bench/search.py's
catalogue), collects the static files, and starts two gunicorn servers configured by
fairprog/gunicorn_config.py: one as in production (Redis cache, the page cache on) and one
with no cache at all (Django's dummy cache: no page cache, no cached facet counts or
vocabularies), so every request there is a cold one. wrk, in its own process, loads each URL
at 16 and 64 connections; the table gives requests/s, p50 and p99, and each rate as a ratio to
the static file's rate measured in the same run.

    .venv/bin/python bench/load.py [--artifacts 100000] [--seconds 10] [--keep]

Needs wrk (Debian: apt-get install wrk). DATABASE_URL names the database (default: a scratch
PostgreSQL database ``fairprog_bench_load``, dropped and created anew unless --keep).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/fairprog_bench_load")
os.environ.setdefault("SECRET_KEY", "benchmark-only-key")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fairprog.settings")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")  # plain HTTP on loopback

from bench.search import prepare_catalogue  # noqa: E402 - needs the environment above

REDIS_CACHE = os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/13")
CONNECTIONS = (16, 64)
GOALS = (
    "Goals: cached >= 0.5 of the static file's rate and p99 <= 50 ms at 64 connections; "
    "cold pages and API >= 0.1 of it and p99 <= 250 ms at 64 connections."
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "python:fairprog.gunicorn_config",
         "fairprog.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--access-logfile", "/dev/null", "--log-level", "warning"],
        cwd=ROOT, env={**os.environ, **env}, start_new_session=True,
    )  # fmt: skip
    for _ in range(150):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return server
        except OSError:
            time.sleep(0.2)
    os.killpg(server.pid, signal.SIGTERM)
    sys.exit("gunicorn did not start")


def _cpu_ticks(server: subprocess.Popen[bytes]) -> int:
    """CPU time (clock ticks) the server's master and workers have used so far."""
    pids = [str(server.pid)]
    pids += Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:  # a worker that restarted meanwhile
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks


def _settle(server: subprocess.Popen[bytes]) -> None:
    """Wait until the server is idle: wrk closes its connections when its time is up, but
    requests it left queued are still worked through, and would slow the next measurement."""
    before = _cpu_ticks(server)
    for _ in range(300):
        time.sleep(0.5)
        now = _cpu_ticks(server)
        if now - before <= 2:
            return
        before = now


def _stop(server: subprocess.Popen[bytes]) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def wrk(url: str, *, connections: int, seconds: int, accept: str) -> tuple[float, float, float]:
    """Requests/s, p50 and p99 in ms of ``url`` under ``connections`` connections."""
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s",
         "-H", f"Accept: {accept}", url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if errors:
        sys.exit(f"{url}: {errors.group(1)} answers were errors:\n{out}")
    return rate, p50, p99


def _targets() -> list[tuple[str, str, str]]:
    """(label, path, Accept) of each URL loaded, from the catalogue as it stands."""
    from django.contrib.staticfiles.storage import staticfiles_storage

    from artifacts.models import Artifact

    slug = Artifact.objects.filter(status="published").order_by("pk").values_list("slug", flat=True)
    artifact = slug[len(slug) // 2]
    html = "text/html"
    return [
        ("static file (CSS)", staticfiles_storage.url("fairprog/site.css"), "text/css"),
        ("/", "/", html),
        ("/artifacts/", "/artifacts/", html),
        ("search", "/artifacts/?q=fairness", html),
        ("faceted search", "/artifacts/?q=bias&kind=dataset&dimension=gender", html),
        ("artifact page", f"/artifacts/{artifact}/", html),
        ("API list", "/api/v1/artifacts/", "application/json"),
        ("API detail", f"/api/v1/artifacts/{artifact}/", "application/json"),
        ("Atom feed", "/feeds/artifacts.atom", "application/atom+xml"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--artifacts", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=10, help="each wrk run's duration")
    parser.add_argument("--keep", action="store_true", help="reuse the loaded database")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian: apt-get install wrk)")

    static_root = Path(tempfile.mkdtemp(prefix="fairprog-bench-static-"))
    os.environ["STATIC_ROOT"] = str(static_root)
    prepare_catalogue(total=args.artifacts, keep=args.keep)
    from django.core.management import call_command

    call_command("collectstatic", "--noinput", verbosity=0)
    targets = _targets()
    import redis

    redis.Redis.from_url(REDIS_CACHE).flushdb()
    common = {"ALLOWED_HOSTS": "127.0.0.1,localhost", "DEBUG": "false"}
    ports = {"cached": _free_port(), "cold": _free_port()}
    servers = {
        "cached": _serve(ports["cached"], {**common, "CACHE_URL": REDIS_CACHE}),
        "cold": _serve(
            ports["cold"], {**common, "CACHE_URL": "dummycache://", "PAGE_CACHE_SECONDS": "0"}
        ),
    }
    try:
        rows = []
        for label, path, accept in targets:
            for mode in ("cached", "cold"):
                url = f"http://127.0.0.1:{ports[mode]}{path}"
                urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": accept}))
                for connections in CONNECTIONS:
                    rate, p50, p99 = wrk(
                        url, connections=connections, seconds=args.seconds, accept=accept
                    )
                    rows.append((label, mode, connections, rate, p50, p99))
                    _settle(servers[mode])
                    print(
                        f"  {label}, {mode}, {connections} connections: {rate:,.0f}/s", flush=True
                    )
    finally:
        for server in servers.values():
            _stop(server)
        shutil.rmtree(static_root, ignore_errors=True)

    static = {
        c: r for label, mode, c, r, _, _ in rows if label.startswith("static") and mode == "cached"
    }
    print()
    header = ("URL", "mode", "conns", "req/s", "x static", "p50 ms", "p99 ms")
    print("{:<20} {:<7} {:>5} {:>9} {:>9} {:>8} {:>8}".format(*header))
    for label, mode, connections, rate, p50, p99 in rows:
        ratio = rate / static[connections]
        print(
            f"{label:<20} {mode:<7} {connections:>5} {rate:>9,.0f} {ratio:>9.2f} "
            f"{p50:>8.1f} {p99:>8.1f}"
        )
    print()
    print(GOALS)


if __name__ == "__main__":
    main()
