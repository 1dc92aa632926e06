"""Reminders through real Celery workers to a real SMTP server on loopback: exactly once,
through worker crashes and a broker that is down."""

from __future__ import annotations

import datetime as dt
import socket
import time
from collections.abc import Callable, Iterator

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from kombu import pools

from fairprog.celery import app as celery_app
from proposals.models import Deadline, ReminderDelivery, ReminderSubscription
from proposals.services import reminders
from tests.conftest import program_staff_group, wait_until
from tests.proposals.factories import (
    AwardFactory,
    AwardInvestigatorFactory,
    CycleFactory,
    DeadlineFactory,
    ProgramFactory,
    ProposalFactory,
)

pytestmark = pytest.mark.slow
Sent = ReminderDelivery.State.SENT


def _deadline_in(days: float, **fields):
    """A fixed-zone deadline ``days`` from now whose 7-day reminder is due at once."""
    due = timezone.now() + dt.timedelta(days=days)
    return DeadlineFactory(
        due_date=due.date(),
        due_time=due.time().replace(microsecond=0),
        time_zone="UTC",
        time_rule=Deadline.TimeRule.FIXED_ZONE,
        reminder_offsets=[7, 1],
        **fields,
    )


def _subscribers(program, count: int) -> None:
    now = timezone.now()
    ReminderSubscription.objects.bulk_create(
        ReminderSubscription(email=f"reader{n}@example.net", program=program, confirmed_at=now)
        for n in range(count)
    )


def _worker_env(sink) -> dict[str, str]:
    return {
        "EMAIL_URL": sink.url,
    }


def test_reminders_arrive_exactly_once_through_a_real_worker(celery_workers, smtp_sink):
    user = User.objects.create_user("officer", "officer@fai.example.org", "pw", is_staff=True)
    user.groups.add(program_staff_group())
    cycle = CycleFactory(program=ProgramFactory())
    ProposalFactory(cycle=cycle, pi__person__email="pi@uni.example.edu")
    _subscribers(cycle.program, 3)
    award = AwardFactory(program=cycle.program)
    AwardInvestigatorFactory(award=award, person__email="awardee@uni.example.edu")
    _deadline_in(3, cycle=cycle)
    _deadline_in(5, cycle=None, award=award, kind=Deadline.Kind.ANNUAL_REPORT)
    celery_workers.start(env=_worker_env(smtp_sink))

    report = reminders.reminders_scan()
    # cycle deadline: staff, the PI, 3 subscribers; award report: staff and the awardee
    assert report.queued == 7
    assert wait_until(lambda: smtp_sink.received == 7, timeout=60)
    reminders.reminders_scan()  # a later scan (as beat runs) finds nothing more to send
    time.sleep(2)
    assert smtp_sink.received == 7
    assert smtp_sink.retransmitted == 0
    assert set(ReminderDelivery.objects.values_list("state", flat=True)) == {Sent}
    assert sorted(smtp_sink.mailbox) == sorted(
        ReminderDelivery.objects.values_list("message_id", flat=True)
    )
    recipients = sorted(m["To"] for m in smtp_sink.mailbox.values())
    assert recipients.count("officer@fai.example.org") == 2


@pytest.mark.parametrize("kill_at", [(0.1, 0.5, 0.85), (0.3, 0.6)])
def test_killed_workers_lose_nothing_and_send_nothing_twice(
    celery_workers, smtp_sink, settings, kill_at
):
    total = 240
    cycle = CycleFactory(program=ProgramFactory())
    _subscribers(cycle.program, total)
    _deadline_in(3, cycle=cycle)
    settings.REMINDER_REQUEUE_SECONDS = 3  # the scan, as beat runs it, re-queues lost work
    env = _worker_env(smtp_sink)
    celery_workers.start(concurrency=2, env=env)
    assert reminders.reminders_scan().queued == total

    last_scan = time.monotonic()

    def scan_now_and_then() -> None:
        nonlocal last_scan
        if time.monotonic() - last_scan > 1:
            reminders.reminders_scan()
            last_scan = time.monotonic()

    for share in kill_at:
        reached = wait_until(
            lambda share=share: (scan_now_and_then(), smtp_sink.received >= share * total)[1],
            timeout=90,
            interval=0.005,
        )
        assert reached, f"only {smtp_sink.received} of {total} arrived"
        celery_workers.kill()  # SIGKILL, in the middle of the batch
        assert smtp_sink.received < total, "the batch finished before the kill"
        celery_workers.start(concurrency=2, env=env)

    assert wait_until(lambda: (scan_now_and_then(), smtp_sink.received == total)[1], timeout=120), (
        f"lost: only {smtp_sink.received} of {total} arrived"
    )
    # A row whose message the server took just before its worker died is still pending:
    # it goes out again (same Message-ID) and is marked sent then.
    sent = ReminderDelivery.objects.filter(state=Sent)
    assert wait_until(lambda: (scan_now_and_then(), sent.count() == total)[1], timeout=60)
    # Every reminder in the mailbox exactly once, each one a delivery row marked sent.
    assert smtp_sink.received == total
    assert set(ReminderDelivery.objects.values_list("state", flat=True)) == {Sent}
    assert sorted(smtp_sink.mailbox) == sorted(
        ReminderDelivery.objects.values_list("message_id", flat=True)
    )
    # A kill between the server's acceptance and the row being marked sent makes the
    # message go out again, with its Message-ID: at most one per process in flight.
    assert smtp_sink.retransmitted <= len(kill_at) * 2


@pytest.fixture
def broker_down(monkeypatch) -> Iterator[Callable[[], None]]:
    """Point publishing at a port where nothing listens; call the result to restore it."""
    original = celery_app.conf.broker_url

    def use(url: str) -> None:
        monkeypatch.setenv("CELERY_BROKER_URL", url)
        celery_app.conf["broker_url"] = url
        # Connections already open would still reach the old broker: drop them all.
        celery_app.pool.force_close_all()  # type: ignore[attr-defined]
        celery_app._pool = None  # type: ignore[attr-defined]
        celery_app.amqp._producer_pool = None  # type: ignore[attr-defined]
        pools.reset()

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = probe.getsockname()[1]
    use(f"redis://127.0.0.1:{dead}/0")
    yield lambda: use(original)
    use(original)


def test_a_deadline_saved_while_the_broker_is_down_is_reminded_once_it_is_back(
    celery_workers, smtp_sink, broker_down, staff_user, client
):
    client.force_login(staff_user)
    cycle = CycleFactory(program=ProgramFactory())
    due = timezone.now() + dt.timedelta(days=3)
    started = time.monotonic()
    response = client.post(
        "/admin/proposals/deadline/add/",
        {
            "cycle": cycle.pk,
            "kind": Deadline.Kind.FULL_PROPOSAL,
            "label": "Full proposals",
            "due_date": due.date().isoformat(),
            "due_time": "17:00",
            "time_rule": Deadline.TimeRule.FIXED_ZONE,
            "time_zone": "UTC",
            "visibility": Deadline.Visibility.PUBLIC,
            "reminder_offsets": "7, 1",
        },
    )
    elapsed = time.monotonic() - started
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Deadline.objects.filter(label="Full proposals").exists()
    assert elapsed < 5, f"saving took {elapsed:.1f} s with the broker down"
    assert not ReminderDelivery.objects.exists()  # nothing could be queued

    broker_down()  # the broker is back; beat's next scan is the safety net
    celery_workers.start(env=_worker_env(smtp_sink))
    reminders.reminders_scan()
    assert wait_until(lambda: smtp_sink.received == 1, timeout=60)
    assert ReminderDelivery.objects.get().state == Sent
    message = next(iter(smtp_sink.mailbox.values()))
    assert message["To"] == "officer@example.org"
