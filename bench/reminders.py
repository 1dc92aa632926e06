"""Benchmark: 10,000 reminder deliveries through a real Celery worker to a local SMTP sink.

On PostgreSQL and Redis, with one worker of two processes (prefork, as `make run` starts
it), one deadline and 10,000 confirmed subscribers: runs the reminder scan (which
creates the deliveries and queues one
task each) and waits until the SMTP server on loopback has every message. Prints
deliveries per second, and the duplicates and losses counted at the server and in the
database.

    .venv/bin/python bench/reminders.py [--deliveries 10000] [--processes 2] [--threads N]

With --threads N, each of the processes is a worker of Celery's threads pool with N threads
(sends overlap their waits on the database and the SMTP server) instead of one prefork
worker with that many processes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/fairprog_bench_reminders")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/14")
os.environ.setdefault("SECRET_KEY", "benchmark-only-key")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fairprog.settings")
os.environ["REMINDER_REQUEUE_SECONDS"] = "3600"  # measure the first pass, not the safety net

from bench._scratch_db import reset_database  # noqa: E402 - needs the environment above


def setup(deliveries: int) -> None:
    import django

    reset_database()
    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from proposals.models import Cycle, Deadline, Program, ReminderSubscription

    call_command("migrate", verbosity=0)
    program = Program.objects.create(name="Fairness in AI", short_name="FAI", slug="fai")
    cycle = Cycle.objects.create(program=program, year=2030, solicitation_number="NSF 30-590")
    due = timezone.now() + dt.timedelta(days=3)
    Deadline.objects.create(
        cycle=cycle,
        kind=Deadline.Kind.FULL_PROPOSAL,
        due_date=due.date(),
        due_time=dt.time(23, 0),
        time_rule=Deadline.TimeRule.FIXED_ZONE,
        time_zone="UTC",
        due_at=dt.datetime.combine(due.date(), dt.time(23, 0), tzinfo=dt.UTC),
        reminder_offsets=[7],
    )
    now = timezone.now()
    ReminderSubscription.objects.bulk_create(
        (
            ReminderSubscription(
                email=f"reader{n:05d}@example.net", program=program, confirmed_at=now
            )
            for n in range(deliveries)
        ),
        batch_size=2000,
    )


def start_worker(queue: str, pool: list[str], smtp_url: str) -> subprocess.Popen[bytes]:
    log = open(ROOT / "var" / "bench-reminders-worker.log", "ab")  # noqa: SIM115
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "fairprog",
            "worker",
            *pool,
            f"--queues={queue}",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=WARNING",
        ],
        env={**os.environ, "EMAIL_URL": smtp_url},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


class Sink:
    """The SMTP server in a process of its own (bench/_sink.py), so that publishing the
    tasks here does not slow its answers; what arrived is read from the file it writes."""

    def __init__(self) -> None:
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.log = ROOT / "var" / "bench-reminders-sink.log"
        self.log.unlink(missing_ok=True)
        self.log.touch()
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "_sink.py"), str(self.port), str(self.log)],
            stdout=subprocess.PIPE,
        )
        assert self.process.stdout is not None
        self.process.stdout.readline()  # "ready"
        self.url = f"smtp://127.0.0.1:{self.port}"
        self.transmissions: Counter[str] = Counter()
        self.first_at = self.last_at = 0.0
        self._offset = 0

    def read(self) -> None:
        with self.log.open() as log:
            log.seek(self._offset)
            for line in log:
                if not line.endswith("\n"):
                    break
                self._offset += len(line.encode())
                message_id, _, when = line.rstrip("\n").partition("\t")
                self.transmissions[message_id] += 1
                self.last_at = float(when)
                self.first_at = self.first_at or self.last_at

    @property
    def received(self) -> int:
        self.read()
        return len(self.transmissions)

    @property
    def retransmitted(self) -> int:
        return sum(n - 1 for n in self.transmissions.values())

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=10_000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--threads", type=int, default=0, help="threads per worker process")
    args = parser.parse_args()

    print(f"setting up {args.deliveries:,} subscribers …", flush=True)
    setup(args.deliveries)
    from fairprog.celery import app
    from proposals.models import ReminderDelivery
    from proposals.reminders.mail import message_id
    from proposals.services import reminders

    sink = Sink()
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    app.conf.task_default_queue = queue
    if args.threads:
        pool = ["--pool=threads", f"--concurrency={args.threads}"]
        workers = [start_worker(queue, pool, sink.url) for _ in range(args.processes)]
    else:
        workers = [start_worker(queue, ["--pool=prefork", f"-c{args.processes}"], sink.url)]
    try:
        for _ in range(60):  # until every worker answers
            if len(app.control.ping(timeout=1.0) or []) >= len(workers):
                break
        else:
            raise SystemExit("the worker did not start; see var/bench-reminders-worker.log")
        started = time.perf_counter()
        report = reminders.reminders_scan()
        queued = time.perf_counter()
        print(f"scan: {report} in {queued - started:.1f} s", flush=True)
        last, last_change = 0, time.perf_counter()
        while sink.received < report.queued and time.perf_counter() - last_change < 60:
            time.sleep(1)
            received = sink.received
            if received != last:
                last, last_change = received, time.perf_counter()
            elapsed = time.perf_counter() - started
            rate = received / elapsed
            left = (report.queued - received) / rate if rate else 0
            print(
                f"\r{received:,}/{report.queued:,} delivered "
                f"({rate:,.0f}/s, about {left:,.0f} s left)",
                end="",
                flush=True,
            )
        finished = last_change
        print()
        # The server may hold a message a moment before its row is marked sent.
        settle = time.perf_counter() + 30
        while time.perf_counter() < settle and (
            ReminderDelivery.objects.filter(state=ReminderDelivery.State.SENT).count()
            < report.queued
        ):
            time.sleep(0.2)
    finally:
        for worker in workers:
            os.killpg(worker.pid, signal.SIGTERM)
        for worker in workers:
            worker.wait(timeout=30)
        sink.stop()
    sink.read()

    sent = ReminderDelivery.objects.filter(state=ReminderDelivery.State.SENT).count()
    expected = {message_id("reminder", pk) for pk in report.waiting}
    lost = len(expected - set(sink.transmissions))
    total = finished - started
    sending = sink.last_at - sink.first_at
    how = f"{args.threads} threads each" if args.threads else "prefork"
    print(f"deliveries: {report.queued:,} through {args.processes} worker processes ({how})")
    print(f"  end to end (scan, queue, send): {total:.1f} s = {report.queued / total:,.0f}/s")
    print(
        f"  first to last arrival:          {sending:.1f} s = "
        f"{sink.received / sending:,.0f}/s (queueing went on for the first "
        f"{queued - started:.1f} s)"
    )
    print(f"  rows marked sent: {sent:,}; messages at the server: {sink.received:,}")
    print(f"  duplicates (same message twice at the server): {sink.retransmitted}")
    print(f"  losses (deliveries that never arrived): {lost}")


if __name__ == "__main__":
    main()
