"""Reminders of a reviews-due deadline: a staff-only deadline that also reaches each reviewer
who owes a review by it (in their own time zone, once), never one who submitted, one who is
not assigned, a subscriber or an investigator; and the reviewer's address stays off every
public page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.urls import reverse

from proposals.models import (
    Deadline,
    Proposal,
    ReminderDelivery,
    ReminderSubscription,
    Review,
    ReviewAssignment,
    ReviewerProfile,
)
from proposals.reminders.mail import close_connection
from proposals.selectors.recipients import deadline_recipients, review_owed
from proposals.services import reminders
from proposals.services.researchers import researcher_user
from proposals.services.reviews import review_deadline
from tests.conftest import program_staff_group
from tests.proposals.factories import (
    CycleFactory,
    DeadlineFactory,
    PersonFactory,
    ProgramFactory,
    ProposalFactory,
)

pytestmark = pytest.mark.django_db
UTC = dt.UTC
State = ReminderDelivery.State
DUE = dt.date(2030, 7, 13)  # reviews due at 5 p.m. in each reviewer's zone
WEEK_BEFORE = dt.datetime(2030, 7, 7, 12, 0, tzinfo=UTC)  # inside the 7-day mark
CANARY = "canary-r3v13w"


@pytest.fixture(autouse=True)
def fresh_mail_connection() -> Iterator[None]:
    close_connection()
    yield
    close_connection()


@pytest.fixture
def cycle() -> Any:
    return CycleFactory(year=2030, program=ProgramFactory())


@pytest.fixture
def due(cycle: Any) -> Deadline:
    deadline = review_deadline(cycle=cycle, due_date=DUE)
    Deadline.objects.filter(pk=deadline.pk).update(reminder_offsets=[7, 1])
    deadline.refresh_from_db()
    return deadline


def _staff(email: str = "officer@fai.example.org") -> User:
    user = User.objects.create_user(email, email, "pw", is_staff=True)
    user.groups.add(program_staff_group())
    return user


def _proposal(cycle: Any, *, status: str = Proposal.Status.UNDER_REVIEW, **kwargs: Any) -> Any:
    proposal: Any = ProposalFactory(cycle=cycle, **kwargs)
    Proposal.objects.filter(pk=proposal.pk).update(status=status)
    proposal.status = status
    return proposal


def _reviewer(email: str, *, zone: str = "", **fields: Any) -> ReviewerProfile:
    person: Any = PersonFactory(email=email, time_zone=zone, **fields)
    return ReviewerProfile.objects.create(person=person, expertise=["fairness"])


def _assign(proposal: Any, reviewer: ReviewerProfile, due: Deadline | None) -> ReviewAssignment:
    return ReviewAssignment.objects.create(proposal=proposal, reviewer=reviewer, due=due)


def _review(assignment: ReviewAssignment, status: str) -> Review:
    return Review.objects.create(
        assignment=assignment,
        status=status,
        submitted_at=dt.datetime(2030, 7, 1, tzinfo=UTC) if status == "submitted" else None,
    )


def _subscriber(program: Any, *, cycle: Any = None, email: str) -> ReminderSubscription:
    return ReminderSubscription.objects.create(
        email=email, program=program, cycle=cycle, confirmed_at=dt.datetime(2030, 1, 1, tzinfo=UTC)
    )


def _send_all(when: dt.datetime) -> list[str]:
    with time_machine.travel(when, tick=False):
        waiting = reminders.reminders_scan(queue=False).waiting
        return [reminders.reminder_deliver(delivery_id=pk) for pk in waiting]


# --- Who is reminded -------------------------------------------------------------


def test_a_review_deadline_reaches_staff_and_reviewers_who_owe_a_review(cycle, due):
    _staff()
    proposal = _proposal(cycle, pi__person__email="pi@uni.example.edu")
    _assign(proposal, _reviewer("fresh@rev.example.org"), due)
    _review(_assign(proposal, _reviewer("drafting@rev.example.org"), due), "draft")
    _review(_assign(proposal, _reviewer("done@rev.example.org"), due), "submitted")
    _reviewer("idle@rev.example.org")  # a reviewer with no assignment
    other = review_deadline(cycle=cycle, due_date=DUE + dt.timedelta(days=30))
    _assign(proposal, _reviewer("later@rev.example.org"), other)
    _assign(proposal, _reviewer("undated@rev.example.org"), None)

    keys = {r.email: r.key.split(":")[0] for r in deadline_recipients(due)}
    assert keys == {
        "officer@fai.example.org": "staff",
        "fresh@rev.example.org": "person",
        "drafting@rev.example.org": "person",
    }


def test_a_reviewer_who_submitted_one_review_is_still_reminded_of_another(cycle, due):
    reviewer = _reviewer("busy@rev.example.org")
    _review(_assign(_proposal(cycle), reviewer, due), "submitted")
    _assign(_proposal(cycle), reviewer, due)
    assert [r.email for r in deadline_recipients(due)] == ["busy@rev.example.org"]


def test_no_reminder_for_a_proposal_withdrawn_or_decided(cycle, due):
    _assign(_proposal(cycle, status=Proposal.Status.WITHDRAWN), _reviewer("a@rev.example.org"), due)
    _assign(_proposal(cycle, status=Proposal.Status.DECLINED), _reviewer("b@rev.example.org"), due)
    _assign(_proposal(cycle, status=Proposal.Status.SUBMITTED), _reviewer("c@rev.example.org"), due)
    assert [r.email for r in deadline_recipients(due)] == ["c@rev.example.org"]


def test_a_reviewer_who_opted_out_or_has_no_address_is_not_reminded(cycle, due):
    proposal = _proposal(cycle)
    _assign(proposal, _reviewer("quiet@rev.example.org", reminders_opt_out=True), due)
    _assign(proposal, _reviewer(""), due)
    assert deadline_recipients(due) == []


def test_subscribers_and_investigators_never_get_a_review_deadline(cycle, due):
    _subscriber(cycle.program, email="program-reader@example.net")
    _subscriber(cycle.program, cycle=cycle, email="cycle-reader@example.net")
    proposal = _proposal(cycle, pi__person__email="pi@uni.example.edu")
    _assign(proposal, _reviewer("rev@rev.example.org"), due)

    assert [r.email for r in deadline_recipients(due)] == ["rev@rev.example.org"]
    for days in (7, 1):
        _send_all(dt.datetime(2030, 7, 13 - days, 22, 0, tzinfo=UTC))
    reached = set(ReminderDelivery.objects.values_list("email", flat=True))
    assert reached == {"rev@rev.example.org"}


def test_a_reviewer_is_one_recipient_however_many_assignments(cycle, due):
    reviewer = _reviewer("many@rev.example.org")
    for _ in range(3):
        _assign(_proposal(cycle), reviewer, due)
    [recipient] = deadline_recipients(due)
    assert recipient.key == f"person:{reviewer.person_id}"
    assert recipient.person_id == reviewer.person_id


def test_choosing_reviewers_takes_the_same_queries_for_one_or_many(
    cycle, due, django_assert_num_queries
):
    _staff()
    _assign(_proposal(cycle), _reviewer("first@rev.example.org"), due)
    due = Deadline.objects.get(pk=due.pk)  # the cycle and program read afresh each time
    # The cycle, its program, the staff, the reviewers.
    with django_assert_num_queries(4):
        assert len(deadline_recipients(due)) == 2
    for n in range(6):
        reviewer = _reviewer(f"r{n}@rev.example.org")
        _review(_assign(_proposal(cycle), reviewer, due), "draft" if n % 2 else "submitted")
    due = Deadline.objects.get(pk=due.pk)
    with django_assert_num_queries(4):
        assert len(deadline_recipients(due)) == 5


# --- Delivery --------------------------------------------------------------------


def test_the_reviewer_is_reminded_once_in_their_own_time_zone(cycle, due, mailoutbox):
    reviewer = _reviewer("west@rev.example.org", zone="America/Los_Angeles")
    _assign(_proposal(cycle), reviewer, due)
    # 5 p.m. PDT on 13 July is 00:00 UTC on the 14th; a week before, the 7-day reminder is due.
    assert _send_all(dt.datetime(2030, 7, 7, 1, 0, tzinfo=UTC)) == [State.SENT]
    assert _send_all(dt.datetime(2030, 7, 7, 2, 0, tzinfo=UTC)) == []  # a later scan: nothing
    [message] = mailoutbox
    assert message.to == ["west@rev.example.org"]
    assert "Reviews due" in message.subject
    assert "5:00 p.m. PDT" in message.body
    delivery = ReminderDelivery.objects.get()
    assert (delivery.recipient, delivery.time_zone, delivery.offset_days) == (
        f"person:{reviewer.person_id}",
        "America/Los_Angeles",
        7,
    )
    assert delivery.due_at == dt.datetime(2030, 7, 14, 0, 0, tzinfo=UTC)


def test_a_review_submitted_before_the_next_reminder_stops_it(cycle, due, mailoutbox):
    assignment = _assign(_proposal(cycle), _reviewer("prompt@rev.example.org"), due)
    assert _send_all(WEEK_BEFORE) == [State.SENT]
    _review(assignment, "submitted")
    assert _send_all(dt.datetime(2030, 7, 12, 22, 0, tzinfo=UTC)) == []
    assert len(mailoutbox) == 1


def test_a_reminder_planned_before_the_review_was_submitted_is_cancelled(cycle, due, mailoutbox):
    assignment = _assign(_proposal(cycle), _reviewer("quick@rev.example.org"), due)
    with time_machine.travel(WEEK_BEFORE, tick=False):
        [pk] = reminders.reminders_scan(queue=False).waiting
        _review(assignment, "submitted")
        assert reminders.reminder_deliver(delivery_id=pk) == State.CANCELLED
    assert mailoutbox == []


def test_the_reviewers_reminder_says_why_and_links_their_reviews(cycle, due, mailoutbox):
    _assign(_proposal(cycle), _reviewer("why@rev.example.org"), due)
    assert _send_all(WEEK_BEFORE) == [State.SENT]
    [message] = mailoutbox
    assert f"You are a reviewer of proposals to {cycle}." in message.body
    assert "/my/reviews/" in message.body


def test_a_review_is_owed_until_submitted(cycle, due):
    reviewer = _reviewer("owing@rev.example.org")
    assignment = _assign(_proposal(cycle), reviewer, due)
    assert review_owed(deadline=due, person_id=reviewer.person_id)
    review = _review(assignment, "draft")
    assert review_owed(deadline=due, person_id=reviewer.person_id)
    Review.objects.filter(pk=review.pk).update(status=Review.Status.SUBMITTED)
    assert not review_owed(deadline=due, person_id=reviewer.person_id)
    assert not review_owed(deadline=due, person_id=PersonFactory().pk)


def test_a_reviewer_without_a_zone_is_reminded_in_the_programs(cycle, due):
    _assign(_proposal(cycle), _reviewer("nozone@rev.example.org"), due)
    [recipient] = deadline_recipients(due)
    assert recipient.time_zone == cycle.program.time_zone


# --- Confidentiality -------------------------------------------------------------


def _public_pages(cycle: Any) -> list[str]:
    return [
        reverse("artifacts:home"),
        reverse("artifacts:list") + "?q=reviewer",
        reverse("artifacts:project-list"),
        reverse("artifacts:cycle-list"),
        reverse("artifacts:feed-atom"),
        reverse("artifacts:feed-deadlines"),
        reverse("artifacts:feed-cycle-deadlines", args=[cycle.pk]),
        "/api/v1/artifacts/?q=reviewer",
        "/api/v1/cycles/",
        f"/api/v1/cycles/{cycle.pk}/",
        "/api/v1/deadlines/",
        "/api/v1/organizations/",
    ]


def _plant_reviewer(cycle: Any, due: Deadline) -> Any:
    proposal = _proposal(cycle, pi__person__email="pi@uni.example.edu")
    reviewer = _reviewer(f"{CANARY}@rev.example.org", family_name=f"Reviewer {CANARY}")
    _assign(proposal, reviewer, due)
    _send_all(WEEK_BEFORE)  # the delivery log holds the address too
    assert ReminderDelivery.objects.filter(email__startswith=CANARY).exists()
    return proposal


def test_the_reviewers_address_is_on_no_public_page(client, cycle, due):
    _plant_reviewer(cycle, due)
    for url in _public_pages(cycle):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert CANARY not in body, url
        assert "Reviews due" not in body, url  # the staff-only deadline itself


def test_the_proposals_pi_signed_in_sees_no_reviewer(client, cycle, due):
    proposal = _plant_reviewer(cycle, due)
    pi = proposal.investigators.get().person
    client.force_login(researcher_user(pi), backend="sesame.backends.ModelBackend")
    for url in [reverse("my:projects"), *_public_pages(cycle)]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert CANARY not in response.content.decode(), url


def test_a_staff_only_deadline_of_another_kind_still_reaches_staff_alone(cycle):
    _staff()
    proposal = _proposal(cycle)
    internal = DeadlineFactory(cycle=cycle, visibility=Deadline.Visibility.STAFF)
    _assign(proposal, _reviewer("rev@rev.example.org"), internal)
    assert [r.email for r in deadline_recipients(internal)] == ["officer@fai.example.org"]
