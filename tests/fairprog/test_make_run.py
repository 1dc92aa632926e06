"""`make run` as a newcomer meets it: links follow the chosen port, a taken port stops it
loudly, and one Ctrl-C stops the web server, the worker and beat cleanly."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("SITE_URL", "DATABASE_URL", "HOST")}
    env.pop("CELERY_BROKER_URL", None)
    env.pop("LINKCHECK_CONTACT_URL", None)
    env.update(DEBUG="true", DJANGO_SETTINGS_MODULE="fairprog.settings", **extra)
    return env


def _setting(name: str, **extra: str) -> str:
    code = f"from django.conf import settings; print(settings.{name})"
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=_env(**extra),
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def _spare_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_site_url_follows_the_port_when_not_set():
    assert _setting("SITE_URL", PORT="9000") == "http://127.0.0.1:9000"


def test_link_checker_user_agent_names_the_chosen_port():
    assert _setting("LINKCHECK_CONTACT_URL", PORT="9000") == (
        "http://127.0.0.1:9000/about/link-checker/"
    )


def test_site_url_set_in_the_environment_wins_over_the_port():
    assert _setting("SITE_URL", PORT="9000", SITE_URL="https://fp.example.org/") == (
        "https://fp.example.org"
    )


def test_make_run_on_a_taken_port_fails_naming_the_port(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        done = subprocess.run(
            ["make", "--no-print-directory", "run", f"PORT={port}"],
            cwd=ROOT,
            env=_env(FAIRPROG_VAR_DIR=str(tmp_path)),
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode != 0
    assert f"Port {port} on 127.0.0.1 is already in use" in done.stderr
    assert "PORT=8001 make run" in done.stderr
    assert not (tmp_path / "db.sqlite3").exists()  # stopped before migrating anything


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.slow
def test_one_ctrl_c_stops_web_worker_and_beat_cleanly(tmp_path):
    port = _spare_port()
    log_path = tmp_path / "run.log"
    env = _env(
        FAIRPROG_VAR_DIR=str(tmp_path / "var"),
        OPEN_DATA_DIR=str(tmp_path / "var" / "opendata"),
        PORT=str(port),
        LINKCHECK_SWEEP_SECONDS="3600",
    )
    with log_path.open("w") as log:
        # Its own session, so the SIGINT below reaches make, honcho and every process as a
        # terminal's Ctrl-C does.
        run = subprocess.Popen(
            ["make", "--no-print-directory", "run"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 240
            pids: dict[str, int] = {}
            while time.monotonic() < deadline and run.poll() is None:
                text = log_path.read_text()
                pids = {
                    name: int(pid)
                    for name, pid in re.findall(r"(web|worker|beat)\.1 started \(pid=(\d+)\)", text)
                }
                if len(pids) == 3 and "celery@" in text and "Quit the server" in text:
                    break
                time.sleep(0.5)
            assert len(pids) == 3, log_path.read_text()[-3000:]
            time.sleep(2)  # the worker settles into waiting for tasks
            os.killpg(run.pid, signal.SIGINT)
            returncode = run.wait(timeout=15)
            gone_by = time.monotonic() + 5
            while any(_alive(pid) for pid in pids.values()) and time.monotonic() < gone_by:
                time.sleep(0.2)
        finally:
            if run.poll() is None:  # pragma: no cover - only when the test already failed
                os.killpg(run.pid, signal.SIGKILL)
    text = log_path.read_text()
    assert [name for name, pid in pids.items() if _alive(pid)] == []
    assert returncode in (0, 130, -signal.SIGINT)
    stopped = text.split("SIGINT received", 1)[1]
    assert "ERROR" not in stopped
    assert "SIGKILL" not in stopped
