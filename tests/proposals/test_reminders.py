"""Deadline reminders: the scan, the send, change notices, unsubscribing (time frozen)."""

from __future__ import annotations

import datetime as dt
import smtplib
from collections.abc import Iterator

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command

from fairprog.errors import DomainError
from proposals.models import Deadline, Proposal, ReminderDelivery, ReminderSubscription
from proposals.reminders.mail import close_connection, unsubscribe_token
from proposals.selectors.recipients import deadline_recipients
from proposals.services import reminders
from proposals.services.programs import deadline_create, deadline_save
from tests.conftest import program_staff_group
from tests.proposals.factories import (
    AwardFactory,
    AwardInvestigatorFactory,
    CycleFactory,
    DeadlineFactory,
    PersonFactory,
    ProgramFactory,
    ProposalFactory,
    ProposalInvestigatorFactory,
)

pytestmark = pytest.mark.django_db
UTC = dt.UTC
State = ReminderDelivery.State
# A full-proposal deadline at 5 p.m. submitter's local time on 13 July 2030: 21:00 UTC in
# New York, 00:00 UTC next day in Los Angeles.
DUE_NY = dt.datetime(2030, 7, 13, 21, 0, tzinfo=UTC)
DUE_LA = dt.datetime(2030, 7, 14, 0, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fresh_mail_connection() -> Iterator[None]:
    close_connection()  # each test gets the e-mail backend its settings name
    yield
    close_connection()


@pytest.fixture
def cycle():
    return CycleFactory(year=2030, program=ProgramFactory())


@pytest.fixture
def deadline(cycle):
    return DeadlineFactory(cycle=cycle, reminder_offsets=[30, 7, 1])


def _staff(email: str = "officer@fai.example.org") -> User:
    user = User.objects.create_user(email, email, "pw", is_staff=True)
    user.groups.add(program_staff_group())
    return user


def _subscriber(program, *, cycle=None, email="reader@example.net", zone="", confirmed=True):
    return ReminderSubscription.objects.create(
        email=email,
        program=program,
        cycle=cycle,
        time_zone=zone,
        confirmed_at=dt.datetime(2030, 1, 1, tzinfo=UTC) if confirmed else None,
    )


def _scan(when: dt.datetime) -> reminders.ScanReport:
    with time_machine.travel(when, tick=False):
        return reminders.reminders_scan(queue=False)


def _send_all(when: dt.datetime) -> list[str]:
    outcomes = []
    with time_machine.travel(when, tick=False):
        for pk in reminders.reminders_scan(queue=False).waiting:
            outcomes.append(reminders.reminder_deliver(delivery_id=pk))
    return outcomes


def _rows(**filters) -> list[tuple[str, int | None, str]]:
    return sorted(
        ReminderDelivery.objects.filter(**filters).values_list("email", "offset_days", "state")
    )


# --- Who is reminded -------------------------------------------------------------


def test_cycle_deadline_reaches_staff_open_proposals_and_confirmed_subscribers(cycle, deadline):
    _staff()
    draft = ProposalFactory(cycle=cycle, pi__person__email="pi@uni.example.edu")
    ProposalInvestigatorFactory(proposal=draft, person__email="copi@uni.example.edu")
    declined = ProposalFactory(cycle=cycle, pi__person__email="declined@uni.example.edu")
    Proposal.objects.filter(pk=declined.pk).update(status=Proposal.Status.DECLINED)
    _subscriber(cycle.program, email="reader@example.net")
    _subscriber(cycle.program, email="unconfirmed@example.net", confirmed=False)
    _subscriber(cycle.program, cycle=CycleFactory(program=cycle.program), email="other@x.net")

    keys = {r.email: r.key.split(":")[0] for r in deadline_recipients(deadline)}
    assert keys == {
        "officer@fai.example.org": "staff",
        "pi@uni.example.edu": "person",
        "copi@uni.example.edu": "person",
        "reader@example.net": "subscriber",
    }


def test_staff_only_deadline_reaches_staff_alone(cycle):
    _staff()
    ProposalFactory(cycle=cycle)
    _subscriber(cycle.program)
    internal = DeadlineFactory(cycle=cycle, visibility=Deadline.Visibility.STAFF)
    assert [r.email for r in deadline_recipients(internal)] == ["officer@fai.example.org"]


def test_award_report_deadline_reaches_pi_co_pis_and_staff():
    _staff()
    award = AwardFactory()
    AwardInvestigatorFactory(award=award, person__email="pi@uni.example.edu")
    AwardInvestigatorFactory(award=award, person__email="copi@uni.example.edu", role="co_pi")
    AwardInvestigatorFactory(award=award, person__email="former@uni.example.edu", role="former_pi")
    report = DeadlineFactory(
        cycle=None, award=award, kind=Deadline.Kind.ANNUAL_REPORT, due_date=dt.date(2030, 7, 13)
    )
    assert sorted(r.email for r in deadline_recipients(report)) == [
        "copi@uni.example.edu",
        "officer@fai.example.org",
        "pi@uni.example.edu",
    ]


def test_one_address_gets_one_reminder_whatever_its_roles(cycle, deadline):
    _staff("both@fai.example.org")
    _subscriber(cycle.program, email="Both@FAI.example.org")
    assert len(deadline_recipients(deadline)) == 1


# --- The scan --------------------------------------------------------------------


def test_scan_creates_each_due_reminder_once(deadline):
    _staff()
    assert _scan(DUE_NY - dt.timedelta(days=31)).created == 0
    first = _scan(DUE_NY - dt.timedelta(days=30))
    again = _scan(DUE_NY - dt.timedelta(days=30) + dt.timedelta(minutes=5))
    assert (first.created, again.created) == (1, 0)
    assert _rows() == [("officer@fai.example.org", 30, State.PENDING)]


def test_local_time_deadline_is_reminded_in_each_recipients_zone(cycle, deadline):
    _subscriber(cycle.program, email="east@example.net", zone="America/New_York")
    _subscriber(cycle.program, email="west@example.net", zone="America/Los_Angeles")
    _scan(DUE_NY - dt.timedelta(days=7))  # 7 days before 5 p.m. in New York only
    assert [email for email, days, _ in _rows(offset_days=7)] == ["east@example.net"]
    _scan(DUE_LA - dt.timedelta(days=7))
    west = ReminderDelivery.objects.get(email="west@example.net", offset_days=7)
    assert west.due_at == DUE_LA


def test_reminders_whose_time_passed_unsent_are_missed_but_the_latest_still_goes(deadline):
    _staff()
    _scan(DUE_NY - dt.timedelta(days=3))  # everything was down for the 30- and 7-day times
    assert _rows() == [
        ("officer@fai.example.org", 7, State.PENDING),
        ("officer@fai.example.org", 30, State.MISSED),
    ]


def test_reminders_of_a_passed_deadline_are_recorded_as_missed(deadline):
    _staff()
    _scan(DUE_NY + dt.timedelta(hours=1))
    assert {state for _, _, state in _rows()} == {State.MISSED}
    assert _scan(DUE_NY + dt.timedelta(days=5)).created == 0  # long past: not looked at


def test_dry_run_writes_nothing(deadline):
    _staff()
    report = None
    with time_machine.travel(DUE_NY - dt.timedelta(days=7), tick=False):
        report = reminders.reminders_scan(dry_run=True)
    assert (report.created, report.missed, report.queued) == (1, 1, 1)
    assert not ReminderDelivery.objects.exists()


def test_scan_queues_again_what_was_lost(deadline, settings):
    _staff()
    start = DUE_NY - dt.timedelta(days=7)
    assert _scan(start).queued == 1
    assert _scan(start + dt.timedelta(minutes=1)).queued == 0  # queued, not yet lost
    later = start + dt.timedelta(seconds=settings.REMINDER_REQUEUE_SECONDS + 1)
    assert _scan(later).queued == 1  # still pending: the message was lost


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_delivery_locked_by_another_sender_is_skipped(deadline, mailoutbox):
    """While one worker holds a delivery (its send under way), another skips it."""
    import threading

    from django.db import connection, transaction

    _staff()
    pk = _scan(DUE_NY - dt.timedelta(days=1)).waiting[0]
    locked, release = threading.Event(), threading.Event()

    def hold() -> None:
        with transaction.atomic():
            ReminderDelivery.objects.select_for_update().get(pk=pk)
            locked.set()
            release.wait(10)
        connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    locked.wait(10)
    try:
        with time_machine.travel(DUE_NY - dt.timedelta(days=1), tick=False):
            assert reminders.reminder_deliver(delivery_id=pk) == "taken"
    finally:
        release.set()
        holder.join()
    assert mailoutbox == []


# --- Sending ---------------------------------------------------------------------


def test_send_states_the_deadline_in_the_readers_zone_and_utc(cycle, deadline, mailoutbox):
    subscription = _subscriber(cycle.program, zone="America/Los_Angeles")
    assert _send_all(DUE_LA - dt.timedelta(days=7)) == [State.SENT]
    [message] = mailoutbox
    assert message.to == ["reader@example.net"]
    assert "due in 7 days" in message.subject
    assert "Saturday 13 July 2030, 5:00 p.m. PDT" in message.body
    assert "2030-07-14 00:00 UTC" in message.body
    assert "submitter's local time" in message.body
    html = message.alternatives[0][0]
    assert "5:00 p.m. PDT" in html
    delivery = ReminderDelivery.objects.get(state=State.SENT)
    assert delivery.message_id == message.extra_headers["Message-ID"]
    assert delivery.sent_at is not None
    token = unsubscribe_token(f"subscriber:{subscription.pk}")
    assert message.extra_headers["List-Unsubscribe"].endswith(f"/reminders/unsubscribe/{token}/>")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_delivery_is_sent_once_however_often_its_task_runs(deadline, mailoutbox):
    _staff()
    pk = _scan(DUE_NY - dt.timedelta(days=1)).waiting[0]
    with time_machine.travel(DUE_NY - dt.timedelta(days=1), tick=False):
        outcomes = [reminders.reminder_deliver(delivery_id=pk) for _ in range(3)]
    assert outcomes == [State.SENT, "taken", "taken"]
    assert len(mailoutbox) == 1
    assert "List-Unsubscribe" not in mailoutbox[0].extra_headers  # staff: no list


def test_a_reminder_whose_deadline_passed_before_sending_is_missed(deadline, mailoutbox):
    _staff()
    pk = _scan(DUE_NY - dt.timedelta(days=1)).waiting[0]
    with time_machine.travel(DUE_NY + dt.timedelta(minutes=1), tick=False):
        assert reminders.reminder_deliver(delivery_id=pk) == State.MISSED
    assert mailoutbox == []


class FlakyBackend(BaseEmailBackend):
    """Fails every message with ``error`` (a class attribute the test sets)."""

    error: Exception = smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    def send_messages(self, email_messages) -> int:
        raise self.error


@pytest.mark.parametrize(
    ("error", "state", "transient"),
    [
        (ConnectionRefusedError(111, "Connection refused"), State.PENDING, True),
        (smtplib.SMTPDataError(451, b"Try again later"), State.PENDING, True),
        (smtplib.SMTPRecipientsRefused({"x@y": (550, b"No such user")}), State.FAILED, False),
        (smtplib.SMTPDataError(554, b"Message rejected"), State.FAILED, False),
    ],
)
def test_transient_failures_wait_for_a_retry_and_permanent_ones_are_recorded(
    deadline, settings, error, state, transient
):
    _staff()
    settings.EMAIL_BACKEND = "tests.proposals.test_reminders.FlakyBackend"
    FlakyBackend.error = error
    pk = _scan(DUE_NY - dt.timedelta(days=1)).waiting[0]
    with time_machine.travel(DUE_NY - dt.timedelta(days=1), tick=False):
        if transient:
            with pytest.raises(reminders.TransientDeliveryError):
                reminders.reminder_deliver(delivery_id=pk)
        else:
            assert reminders.reminder_deliver(delivery_id=pk) == State.FAILED
    delivery = ReminderDelivery.objects.get(pk=pk)
    assert (delivery.state, delivery.attempts) == (state, 1)
    assert delivery.last_error


def test_a_deadline_label_must_stay_on_one_line(cycle):
    for label in ("Full proposals\r\nBcc: everyone@example.org", "Full\tproposals", "A\u2028B"):
        with pytest.raises(DomainError) as refused:
            deadline_create(
                cycle=cycle, kind=Deadline.Kind.OTHER, due_date=dt.date(2030, 9, 1), label=label
            )
        assert "one line" in " ".join(refused.value.errors["label"])
    assert not Deadline.objects.filter(kind=Deadline.Kind.OTHER).exists()


def test_a_label_saved_with_a_line_break_before_the_rule_still_goes_out_on_one_line(
    deadline, mailoutbox
):
    _staff()
    Deadline.objects.filter(pk=deadline.pk).update(label="Full\r\nproposals")
    assert _send_all(DUE_NY - dt.timedelta(days=1)) == [State.SENT]
    assert mailoutbox[0].subject.startswith("Reminder: Full proposals, NSF ")


def test_a_reminder_that_cannot_be_built_fails_visibly_with_the_reason(deadline, mailoutbox):
    _staff()
    pk = _scan(DUE_NY - dt.timedelta(days=1)).waiting[0]
    # An address with a line break (entered before addresses were checked, or by hand in
    # the database): Django refuses to write such a To header.
    ReminderDelivery.objects.filter(pk=pk).update(email="officer@fai.example.org\nBcc: x@y.z")
    with time_machine.travel(DUE_NY - dt.timedelta(days=1), tick=False):
        assert reminders.reminder_deliver(delivery_id=pk) == State.FAILED
    delivery = ReminderDelivery.objects.get(pk=pk)
    assert (delivery.state, delivery.attempts) == (State.FAILED, 1)
    assert delivery.last_error.startswith("The message could not be built:")
    assert mailoutbox == []
    # Not pending, so no scan queues it again.
    assert _scan(DUE_NY - dt.timedelta(hours=20)).waiting == []


def test_retries_that_run_out_leave_a_failed_delivery(deadline):
    _staff()
    pk = _scan(DUE_NY - dt.timedelta(days=1)).waiting[0]
    reminders.reminder_give_up(delivery_id=pk, error="ConnectionRefusedError")
    delivery = ReminderDelivery.objects.get(pk=pk)
    assert delivery.state == State.FAILED
    assert "Gave up" in delivery.last_error


# --- Changes ---------------------------------------------------------------------


def test_a_moved_deadline_sends_a_notice_to_those_reminded_and_later_reminders_follow(
    deadline, mailoutbox, django_capture_on_commit_callbacks
):
    _staff()
    _send_all(DUE_NY - dt.timedelta(days=7))
    assert [m.subject for m in mailoutbox] == [
        f"Reminder: Full proposal, {deadline.cycle}, due in 7 days"
    ]
    with time_machine.travel(DUE_NY - dt.timedelta(days=6), tick=False):
        deadline.due_date = dt.date(2030, 7, 27)  # two weeks later
        with django_capture_on_commit_callbacks():
            deadline_save(deadline=deadline)
    _send_all(DUE_NY - dt.timedelta(days=6))
    notice = mailoutbox[1]
    assert notice.subject.startswith("Deadline changed: Full proposal")
    assert "Saturday 27 July 2030, 5:00 p.m. EDT" in notice.body
    assert "Saturday 13 July 2030, 5:00 p.m. EDT" in notice.body  # what it was
    # The 1-day reminder follows the new date; the 7-day one is not sent twice.
    new_due = DUE_NY + dt.timedelta(days=14)
    assert _send_all(DUE_NY - dt.timedelta(days=1)) == []
    assert _send_all(new_due - dt.timedelta(days=1)) == [State.SENT]
    assert len(mailoutbox) == 3
    assert _scan(new_due - dt.timedelta(days=1)).created == 0


def test_moving_a_deadline_nobody_was_reminded_of_sends_no_notice(deadline, mailoutbox):
    _staff()
    deadline.due_date = dt.date(2030, 8, 1)
    deadline_save(deadline=deadline)
    assert not ReminderDelivery.objects.exists()


def test_new_deadlines_take_the_programs_default_offsets(cycle):
    cycle.program.reminder_offsets = [14, 2]
    cycle.program.save()
    created = deadline_create(
        cycle=cycle, kind=Deadline.Kind.LETTER_OF_INTENT, due_date=dt.date(2030, 5, 1)
    )
    assert created.reminder_offsets == [14, 2]


# --- Unsubscribing and re-sending ------------------------------------------------


def test_unsubscribe_link_stops_the_subscription_and_its_waiting_reminders(
    cycle, deadline, mailoutbox
):
    subscription = _subscriber(cycle.program)
    pk = _scan(DUE_NY - dt.timedelta(days=1)).waiting[0]
    token = unsubscribe_token(f"subscriber:{subscription.pk}")
    assert reminders.recipient_unsubscribe(token=token) == "reminders of Fairness in AI"
    subscription.refresh_from_db()
    assert subscription.unsubscribed_at is not None
    assert ReminderDelivery.objects.get(pk=pk).state == State.CANCELLED
    assert reminders.reminder_deliver(delivery_id=pk) == "taken"
    assert mailoutbox == []


def test_an_investigator_can_unsubscribe_too(cycle, deadline):
    person = PersonFactory()
    reminders.recipient_unsubscribe(token=unsubscribe_token(f"person:{person.pk}"))
    person.refresh_from_db()
    assert person.reminders_opt_out is True


def test_a_tampered_unsubscribe_link_is_refused():
    token = unsubscribe_token("subscriber:1")
    with pytest.raises(DomainError, match="not valid"):
        reminders.recipient_unsubscribe(token=token[:-2] + "xx")
    with pytest.raises(DomainError):
        reminders.recipient_unsubscribe(token=unsubscribe_token("staff:1"))


def test_staff_resend_goes_out_again_with_a_new_message_id(deadline, mailoutbox):
    _staff()
    when = DUE_NY - dt.timedelta(days=1)
    _send_all(when)
    delivery = ReminderDelivery.objects.get(state=State.SENT)
    reminders.delivery_resend(delivery=delivery)
    delivery.refresh_from_db()
    with pytest.raises(DomainError, match="already on its way"):
        reminders.delivery_resend(delivery=delivery)  # pending again: not twice
    with time_machine.travel(when, tick=False):
        assert reminders.reminder_deliver(delivery_id=delivery.pk) == State.SENT
    first, second = (m.extra_headers["Message-ID"] for m in mailoutbox)
    assert first != second


# --- The command -----------------------------------------------------------------


def test_send_reminders_command_dry_run_and_inline(deadline, mailoutbox, capsys):
    _staff()
    with time_machine.travel(DUE_NY - dt.timedelta(days=1), tick=False):
        call_command("send_reminders", "--dry-run")
        assert "2 missed would be recorded" in capsys.readouterr().out
        assert not ReminderDelivery.objects.exists()
        call_command("send_reminders", "--inline")
    out = capsys.readouterr().out
    assert "1 deliveries were sent from here" in out
    assert "Done: 1 sent." in out
    assert len(mailoutbox) == 1


# --- The admin -------------------------------------------------------------------


@pytest.mark.parametrize("rows", [1, 15])
def test_delivery_changelist_query_count_is_constant(
    staff_client, django_assert_num_queries, cycle, rows
):
    for n in range(rows):
        _subscriber(cycle.program, email=f"reader{n}@example.net")
    DeadlineFactory(cycle=cycle)
    _scan(DUE_NY - dt.timedelta(days=1))
    with django_assert_num_queries(11):
        response = staff_client.get("/admin/proposals/reminderdelivery/")
    assert response.status_code == 200
    assert "reader0@example.net" in response.content.decode()


def test_admin_resend_action_queues_the_delivery(staff_client, deadline, mailoutbox):
    _staff()
    _send_all(DUE_NY - dt.timedelta(days=1))
    delivery = ReminderDelivery.objects.filter(state=State.SENT).first()
    response = staff_client.post(
        "/admin/proposals/reminderdelivery/",
        {"action": "resend", "_selected_action": [delivery.pk]},
        follow=True,
    )
    assert "1 reminder delivery queued to send again." in response.content.decode()
    delivery.refresh_from_db()
    assert (delivery.state, delivery.resends) == (State.PENDING, 1)
