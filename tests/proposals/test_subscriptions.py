"""Public subscriptions to deadline reminders: double opt-in, confirmation links, the
subscribe / confirm / unsubscribe pages, rate limits, and addresses kept private."""

from __future__ import annotations

import base64
import datetime as dt
import re

import pytest
import time_machine
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fairprog.errors import DomainError
from proposals.models import Cycle, ReminderSubscription
from proposals.reminders.mail import unsubscribe_token
from proposals.services.subscriptions import (
    confirmation_token,
    subscription_confirm,
    subscription_confirmation_send,
    subscription_request,
)
from tests.proposals.factories import (
    CycleFactory,
    DeadlineFactory,
    ProgramFactory,
    ReminderSubscriptionFactory,
)

pytestmark = pytest.mark.django_db

SUBSCRIBE = "/reminders/subscribe/"
SENT = "/reminders/subscribe/sent/"


@pytest.fixture(autouse=True)
def eager_tasks(settings):
    # Tasks run in this process as soon as they are queued (after commit).
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.CELERY_TASK_EAGER_PROPAGATES = True


@pytest.fixture
def program():
    return ProgramFactory()


@pytest.fixture
def open_cycle(program):
    return CycleFactory(program=program, year=2031, status=Cycle.Status.OPEN)


@pytest.fixture
def ask(django_capture_on_commit_callbacks):
    """subscription_request, then what it queued after commit."""

    def run(email, program, cycle=None, time_zone=""):
        with django_capture_on_commit_callbacks(execute=True):
            return subscription_request(
                email=email, program=program, cycle=cycle, time_zone=time_zone
            )

    return run


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):
    """POST the subscription form, then run what it queued after commit."""

    def run(data, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(SUBSCRIBE, data, **extra)

    return run


def _form(program, **extra):
    return {"program": program.slug, "email": "ada@example.org", "time_zone": "", **extra}


def _confirm_link(message) -> str:
    match = re.search(r"http\S+/reminders/confirm/[^/\s]+/", message.body)
    assert match, message.body
    return match.group(0)


def _path(link: str) -> str:
    return "/" + link.split("/", 3)[3]


def _csrf(response) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())
    assert match
    return match.group(1)


# --- Services ---------------------------------------------------------------------


def test_subscription_request_creates_an_unconfirmed_subscription_and_sends_one_confirmation(
    program, mailoutbox, ask
):
    subscription = ask(
        email="  Ada.Lovelace@Example.ORG ",
        program=program,
        cycle=None,
        time_zone="Europe/London",
    )

    subscription.refresh_from_db()
    assert subscription.email == "ada.lovelace@example.org"
    assert subscription.time_zone == "Europe/London"
    assert subscription.confirmed_at is None
    assert subscription.confirmation_sent_at is not None
    assert not subscription.is_active
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["ada.lovelace@example.org"]
    assert message.subject == "Confirm your deadline reminders for Fairness in AI"
    link = _confirm_link(message)
    assert link.startswith("http://127.0.0.1:8000/reminders/confirm/")
    html = message.alternatives[0]
    assert html.mimetype == "text/html"
    assert link in html.content
    assert "72 hours" in message.body


def test_subscription_request_of_an_active_subscription_sends_nothing(program, mailoutbox, ask):
    active = ReminderSubscriptionFactory(program=program, email="ada@example.org")

    again = ask(
        email="ADA@example.org",
        program=program,
        cycle=None,
        time_zone="Asia/Tokyo",
    )

    assert again.pk == active.pk
    again.refresh_from_db()
    assert again.is_active
    assert again.time_zone == ""  # a stranger cannot change an active subscription
    assert mailoutbox == []


def test_subscription_request_sends_no_second_confirmation_within_five_minutes(
    program, mailoutbox, ask
):
    start = dt.datetime(2031, 3, 1, 12, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        ask(email="a@example.org", program=program, cycle=None)
    with time_machine.travel(start + dt.timedelta(minutes=4), tick=False):
        ask(email="a@example.org", program=program, cycle=None)
    assert len(mailoutbox) == 1
    with time_machine.travel(start + dt.timedelta(minutes=6), tick=False):
        ask(email="a@example.org", program=program, cycle=None)
    assert len(mailoutbox) == 2
    assert ReminderSubscription.objects.count() == 1


def test_subscription_request_keeps_one_subscription_per_cycle_and_one_program_wide(
    program, open_cycle, ask
):
    for cycle in (None, open_cycle, None, open_cycle):
        ask(email="a@example.org", program=program, cycle=cycle)
    assert sorted(
        ReminderSubscription.objects.values_list("cycle_id", flat=True), key=lambda pk: pk or 0
    ) == [None, open_cycle.pk]


def test_subscription_request_after_unsubscribing_needs_a_new_confirmation(
    program, mailoutbox, ask
):
    gone = ReminderSubscriptionFactory(
        program=program,
        email="ada@example.org",
        unsubscribed_at=timezone.now() - dt.timedelta(days=3),
        confirmation_sent_at=timezone.now() - dt.timedelta(days=30),
    )

    ask(email="ada@example.org", program=program, cycle=None)

    gone.refresh_from_db()
    assert gone.unsubscribed_at is None
    assert gone.confirmed_at is None
    assert not gone.is_active
    assert len(mailoutbox) == 1


@pytest.mark.parametrize(
    ("email", "time_zone", "field"),
    [
        ("not-an-address", "", "email"),
        ("ada@", "", "email"),
        ("a" * 250 + "@example.org", "", "email"),
        ("ada@example.org", "Mars/Olympus_Mons", "time_zone"),
    ],
)
def test_subscription_request_refuses_bad_input_naming_the_field(
    program, mailoutbox, email, time_zone, field
):
    with pytest.raises(DomainError) as refused:
        subscription_request(email=email, program=program, cycle=None, time_zone=time_zone)
    assert list(refused.value.errors) == [field]
    assert not ReminderSubscription.objects.exists()
    assert mailoutbox == []


def test_subscription_request_refuses_a_cycle_of_another_program(program):
    other = CycleFactory(program=ProgramFactory(name="Other", short_name="OTH", slug="oth"))
    with pytest.raises(DomainError) as refused:
        subscription_request(email="a@example.org", program=program, cycle=other)
    assert "cycle" in refused.value.errors


def test_subscription_request_survives_a_broker_that_is_down(program, monkeypatch, caplog, ask):
    from proposals.tasks import subscription_confirmation_send_task

    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(subscription_confirmation_send_task, "apply_async", broker_down)

    subscription = ask(email="a@example.org", program=program, cycle=None)

    subscription.refresh_from_db()
    assert "was not queued" in caplog.text
    # Nothing went out, so asking again at once must send the link.
    assert subscription.confirmation_sent_at is None


def test_confirmation_token_does_not_carry_the_address(program):
    subscription = ReminderSubscriptionFactory(program=program, email="ada@example.org")
    token = confirmation_token(subscription)
    payload = token.split(":")[0]
    decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    assert b"ada" not in decoded
    assert "ada" not in token


def test_subscription_confirm_activates_and_confirming_again_is_harmless(program):
    subscription = ReminderSubscriptionFactory(program=program, confirmed_at=None)
    token = confirmation_token(subscription)

    first = subscription_confirm(token=token)
    second = subscription_confirm(token=token)

    assert first.is_active
    assert second.confirmed_at == first.confirmed_at


def test_subscription_confirm_refuses_an_expired_link(program, settings):
    settings.REMINDER_CONFIRMATION_HOURS = 72
    subscription = ReminderSubscriptionFactory(program=program, confirmed_at=None)
    token = confirmation_token(subscription)

    with (
        time_machine.travel(timezone.now() + dt.timedelta(hours=73)),
        pytest.raises(DomainError, match="expired; subscribe again"),
    ):
        subscription_confirm(token=token)

    subscription.refresh_from_db()
    assert subscription.confirmed_at is None


def test_subscription_confirm_refuses_a_tampered_link(program):
    subscription = ReminderSubscriptionFactory(program=program, confirmed_at=None)
    other = ReminderSubscriptionFactory(program=program, confirmed_at=None)
    token = confirmation_token(subscription)
    # The signed part of another subscription with this one's signature.
    forged = confirmation_token(other).rsplit(":", 1)[0] + ":" + token.rsplit(":", 1)[1]

    for bad in (forged, token[:-3], "nonsense"):
        with pytest.raises(DomainError, match="not valid"):
            subscription_confirm(token=bad)
    assert not ReminderSubscription.objects.filter(confirmed_at__isnull=False).exists()


def test_subscription_confirm_refuses_a_link_whose_address_changed(program):
    subscription = ReminderSubscriptionFactory(program=program, confirmed_at=None)
    token = confirmation_token(subscription)
    ReminderSubscription.objects.filter(pk=subscription.pk).update(email="else@example.org")

    with pytest.raises(DomainError, match="no longer exists"):
        subscription_confirm(token=token)


def test_subscription_confirm_after_unsubscribing_resumes_reminders(program):
    subscription = ReminderSubscriptionFactory(program=program, unsubscribed_at=timezone.now())
    assert subscription_confirm(token=confirmation_token(subscription)).is_active


def test_confirmation_send_skips_a_confirmed_or_deleted_subscription(program, mailoutbox):
    active = ReminderSubscriptionFactory(program=program)
    subscription_confirmation_send(subscription_id=active.pk)
    subscription_confirmation_send(subscription_id=active.pk + 1000)
    assert mailoutbox == []


# --- Subscribe page -------------------------------------------------------------


def test_subscribe_redirects_to_the_sent_page_and_sends_one_confirmation(
    client, program, mailoutbox, post
):
    response = post(_form(program))

    assert response.status_code == 303
    assert response["Location"] == SENT
    assert len(mailoutbox) == 1
    page = client.get(SENT)
    assert page.status_code == 200
    assert "Check your inbox" in page.content.decode()
    assert "ada@example.org" not in page.content.decode()


def test_subscribe_again_while_active_sends_nothing_yet_shows_the_same_page(
    client, program, mailoutbox, post
):
    ReminderSubscriptionFactory(program=program, email="ada@example.org")
    fresh = post(_form(program, email="b@x.org"))
    again = post(_form(program))

    assert again.status_code == fresh.status_code == 303
    assert again["Location"] == fresh["Location"]
    assert [message.to for message in mailoutbox] == [["b@x.org"]]


def test_subscribe_to_one_cycle_from_the_select(client, program, open_cycle, mailoutbox, post):
    response = post(_form(program, cycle=str(open_cycle.pk)))
    assert response.status_code == 303
    assert ReminderSubscription.objects.get().cycle == open_cycle
    assert str(open_cycle) in mailoutbox[0].subject


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("email", "ada(at)example.org", "E-mail address: Enter a valid e-mail address"),
        ("email", "", "E-mail address: Enter your e-mail address."),
        ("time_zone", "Mars/Olympus_Mons", "Your time zone (optional): Mars/Olympus_Mons is not"),
    ],
)
def test_subscribe_with_bad_input_names_the_field_and_keeps_what_was_typed(
    client, program, mailoutbox, field, typed, message
):
    data = {**_form(program, time_zone="Europe/Paris"), field: typed}
    response = client.post(SUBSCRIBE, data)

    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert f'aria-describedby="subscribe-{field}_' in html
    assert 'aria-invalid="true"' in html
    for name in ("email", "time_zone"):
        if data[name]:
            assert f'value="{data[name]}"' in html
    assert "<title>Error: " in html
    assert not ReminderSubscription.objects.exists()
    assert mailoutbox == []


def test_subscribe_takes_a_time_zone_typed_in_lower_case_or_with_spaces(client, program):
    response = client.post(SUBSCRIBE, _form(program, time_zone=" america/new york "))
    assert response.status_code == 303
    assert ReminderSubscription.objects.get().time_zone == "America/New_York"


def test_subscribe_refuses_a_cycle_that_takes_no_subscriptions(client, program):
    closed = CycleFactory(program=program, status=Cycle.Status.CLOSED)
    response = client.post(SUBSCRIBE, _form(program, cycle=str(closed.pk)))
    assert response.status_code == 400
    assert "That cycle no longer takes subscriptions" in response.content.decode()


def test_subscribe_with_the_trap_field_filled_subscribes_no_one(client, program, mailoutbox, post):
    response = post(_form(program, website="http://spam"))
    assert response.status_code == 303
    assert not ReminderSubscription.objects.exists()
    assert mailoutbox == []


def test_subscribe_is_rate_limited_per_client_with_retry_after(client, program, settings, post):
    settings.REMINDER_SUBSCRIBE_RATE = "2/h"
    for n in range(2):
        response = post(_form(program, email=f"{n}@x.org"))
        assert response.status_code == 303

    limited = post(_form(program, email="z@x.org"))

    assert limited.status_code == 429
    assert 0 < int(limited["Retry-After"]) <= 3600
    html = limited.content.decode()
    assert "Too many subscription requests" in html
    assert 'value="z@x.org"' in html
    assert ReminderSubscription.objects.count() == 2
    # Another network is not affected.
    other = client.post(SUBSCRIBE, _form(program, email="y@x.org"), REMOTE_ADDR="192.0.2.7")
    assert other.status_code == 303


def test_subscribe_is_rate_limited_per_address_whatever_the_network(client, program):
    statuses = [
        client.post(
            SUBSCRIBE, _form(program, email=" Ada@Example.org"), REMOTE_ADDR=f"192.0.2.{n}"
        ).status_code
        for n in range(1, 5)
    ]
    assert statuses == [303, 303, 303, 429]


# Spellings of one mailbox: quoted and escaped local parts, case, a trailing dot, the
# Unicode and ASCII forms of one domain, full-width letters, a subaddress tag.
ONE_MAILBOX = [
    '"v\\ictim1"@example.net',
    '"victim1"@EXAMPLE.NET.',
    "Victim1@Example.Net",
    "victim1@\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45.net",  # full-width "example"
    "victim1+a@example.net",
]


def test_subscribe_counts_spellings_of_one_mailbox_as_one_address(client, program):
    statuses = [
        client.post(SUBSCRIBE, _form(program, email=email), REMOTE_ADDR=f"192.0.2.{n}").status_code
        for n, email in enumerate(ONE_MAILBOX, start=1)
    ]
    assert statuses == [303, 303, 303, 429, 429]


def test_subscription_request_stores_one_spelling_of_an_address(program, mailoutbox, ask):
    for email in ONE_MAILBOX[:4]:
        ask(email=email, program=program)
    [subscription] = ReminderSubscription.objects.all()
    assert subscription.email == "victim1@example.net"
    assert len(mailoutbox) == 1  # the others fell within the five-minute wait
    assert mailoutbox[0].to == ["victim1@example.net"]


def test_confirmation_subject_stays_on_one_line_whatever_the_cycle_is_called(
    program, mailoutbox, ask
):
    cycle = CycleFactory(program=program, year=2032, solicitation_number="NSF\r\nBcc: x@y.z")
    ask(email="ada@example.org", program=program, cycle=cycle)
    [message] = mailoutbox
    assert message.subject == "Confirm your deadline reminders for NSF Bcc: x@y.z (2032)"
    assert "\n" not in message.message()["Subject"]


def test_subscription_request_stores_an_international_domain_in_its_ascii_form(program, ask):
    ask(email="ada@exämple.org", program=program)
    ask(email="ADA@xn--exmple-cua.org", program=program)
    assert list(ReminderSubscription.objects.values_list("email", flat=True)) == [
        "ada@xn--exmple-cua.org"
    ]


@pytest.mark.parametrize(
    ("email", "says"),
    [
        ('"ada lovelace"@example.org', "without quotes or spaces"),
        ('"ada@home"@example.org', "without quotes or spaces"),
        ("ada@[192.0.2.1]", "not at an IP address"),
        ("ada@example", "valid e-mail address"),
        ("ada@exa_mple.org", "valid e-mail address"),
        ("a" * 65 + "@example.org", "64 characters"),
    ],
)
def test_subscribe_refuses_undeliverable_addresses_with_a_clear_message(
    client, program, email, says
):
    response = client.post(SUBSCRIBE, _form(program, email=email))
    assert response.status_code == 400
    assert says in response.content.decode()
    assert not ReminderSubscription.objects.exists()


def test_subscribe_page_preselects_the_cycle_asked_for(client, program, open_cycle):
    CycleFactory(program=program, status=Cycle.Status.AWARDED)
    response = client.get(SUBSCRIBE, {"cycle": open_cycle.pk})
    html = response.content.decode()
    assert response.status_code == 200
    select = re.search(r'<select[^>]*name="cycle".*?</select>', html, re.S)
    assert select
    assert re.findall(r'<option value="(\d*)"', select.group(0)) == ["", str(open_cycle.pk)]
    assert f'<option value="{open_cycle.pk}" selected>' in select.group(0)


def test_subscribe_page_for_an_unknown_program_is_not_found(client, program):
    assert client.get(SUBSCRIBE, {"program": "nope"}).status_code == 404


def test_home_and_cycles_pages_carry_the_form(client, program, open_cycle):
    CycleFactory(program=program, status=Cycle.Status.AWARDED, year=2020)
    home = client.get(reverse("artifacts:home")).content.decode()
    cycles = client.get(reverse("artifacts:cycle-list")).content.decode()

    for html in (home, cycles):
        assert f'action="{SUBSCRIBE}"' in html
        # No token: these pages are served whole from the page cache to every visitor.
        assert "csrfmiddlewaretoken" not in html
        assert '<label for="subscribe-email">E-mail address</label>' in html
    # The home page subscribes to every cycle; the cycles page offers the open ones.
    assert '<input type="hidden" name="cycle"' in home
    options = re.findall(r'<option value="(\d*)"', cycles)
    assert options == ["", str(open_cycle.pk)]
    assert f"{SUBSCRIBE}?cycle={open_cycle.pk}" in cycles
    # The time zone suggestions stay on the form's own page, keeping these pages light.
    assert "<datalist" not in home
    assert "<datalist" not in cycles
    own = client.get(SUBSCRIBE).content.decode()
    assert 'list="subscribe-time-zones"' in own
    assert '<option value="America/Chicago">' in own
    assert '<option value="US/Eastern">' not in own


# --- Confirm page -----------------------------------------------------------------


def test_confirm_link_opened_does_not_confirm_until_the_button_is_pressed(program, mailoutbox, ask):
    client = Client(enforce_csrf_checks=True)
    ask(email="ada@example.org", program=program, cycle=None, time_zone="America/Chicago")
    path = _path(_confirm_link(mailoutbox[0]))

    # What a mail system's link scanner does.
    page = client.get(path)
    assert client.head(path).status_code == 200
    assert page.status_code == 200
    assert ReminderSubscription.objects.get().confirmed_at is None
    html = page.content.decode()
    assert "Confirm subscription" in html
    assert "America/Chicago" in html

    done = client.post(path, {"csrfmiddlewaretoken": _csrf(page)})

    assert done.status_code == 200
    assert "Subscription confirmed" in done.content.decode()
    assert ReminderSubscription.objects.get().is_active


def test_the_subscribe_form_posts_without_a_csrf_token_and_still_only_asks(program):
    """The form is on pages kept whole for every visitor, so it carries no token; a post
    from anywhere only asks for the confirmation e-mail, and subscribes no one by itself."""
    response = Client(enforce_csrf_checks=True).post(SUBSCRIBE, _form(program))
    assert response.status_code == 303
    subscription = ReminderSubscription.objects.get()
    assert subscription.confirmed_at is None
    assert not subscription.is_active


def test_confirm_post_needs_the_csrf_token(program):
    subscription = ReminderSubscriptionFactory(program=program, confirmed_at=None)
    path = reverse("reminders:confirm", args=[confirmation_token(subscription)])
    response = Client(enforce_csrf_checks=True).post(path)
    assert response.status_code == 403
    subscription.refresh_from_db()
    assert subscription.confirmed_at is None


def test_confirm_page_of_an_expired_link_says_so_with_a_way_back(client, program):
    subscription = ReminderSubscriptionFactory(program=program, confirmed_at=None)
    path = reverse("reminders:confirm", args=[confirmation_token(subscription)])

    with time_machine.travel(timezone.now() + dt.timedelta(days=4)):
        for response in (client.get(path), client.post(path)):
            assert response.status_code == 400
            html = response.content.decode()
            assert "This confirmation link has expired; subscribe again" in html
            assert f'href="{SUBSCRIBE}"' in html
    subscription.refresh_from_db()
    assert subscription.confirmed_at is None


def test_confirm_page_of_a_tampered_link_is_refused(client, program):
    subscription = ReminderSubscriptionFactory(program=program, confirmed_at=None)
    token = confirmation_token(subscription)
    path = reverse("reminders:confirm", args=[token[:-2] + ("AA" if token[-2:] != "AA" else "BB")])
    response = client.post(path)
    assert response.status_code == 400
    assert "This confirmation link is not valid" in response.content.decode()


def test_an_already_active_subscription_shows_as_confirmed(client, program):
    subscription = ReminderSubscriptionFactory(program=program)
    response = client.get(reverse("reminders:confirm", args=[confirmation_token(subscription)]))
    assert response.status_code == 200
    assert "Already confirmed" in response.content.decode()


# --- Unsubscribe page -------------------------------------------------------------


def test_one_click_unsubscribe_works_without_a_cookie_or_csrf_token(program):
    subscription = ReminderSubscriptionFactory(program=program)
    path = reverse(
        "reminders:unsubscribe", args=[unsubscribe_token(f"subscriber:{subscription.pk}")]
    )

    response = Client(enforce_csrf_checks=True).post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 200
    subscription.refresh_from_db()
    assert subscription.unsubscribed_at is not None
    assert not subscription.is_active
    assert "You will no longer receive reminders of Fairness in AI" in response.content.decode()


def test_unsubscribe_link_opened_shows_a_button_and_unsubscribes_nothing(client, program):
    subscription = ReminderSubscriptionFactory(program=program)
    path = reverse(
        "reminders:unsubscribe", args=[unsubscribe_token(f"subscriber:{subscription.pk}")]
    )

    response = client.get(path)

    assert response.status_code == 200
    assert re.search(
        r"<form method=\"post\">\s*<button type=\"submit\">Unsubscribe</button>",
        response.content.decode(),
    )
    subscription.refresh_from_db()
    assert subscription.is_active


def test_unsubscribing_twice_is_harmless(client, program):
    subscription = ReminderSubscriptionFactory(program=program)
    path = reverse(
        "reminders:unsubscribe", args=[unsubscribe_token(f"subscriber:{subscription.pk}")]
    )
    assert client.post(path).status_code == 200
    assert client.post(path).status_code == 200


@pytest.mark.parametrize("method", ["get", "post"])
def test_unsubscribe_page_of_a_bad_link_is_refused(client, program, method):
    token = signing.dumps("subscriber:1", salt="somewhere else")
    response = getattr(client, method)(reverse("reminders:unsubscribe", args=[token]))
    assert response.status_code == 400
    assert "This unsubscribe link is not valid" in response.content.decode()


# --- Every reminder page ----------------------------------------------------------


def test_reminder_pages_stay_out_of_caches_search_engines_and_other_sites_referers(client, program):
    subscription = ReminderSubscriptionFactory(program=program, confirmed_at=None)
    pages = [
        SUBSCRIBE,
        SENT,
        reverse("reminders:confirm", args=[confirmation_token(subscription)]),
        reverse("reminders:unsubscribe", args=[unsubscribe_token(f"subscriber:{subscription.pk}")]),
        reverse("reminders:confirm", args=["bad"]),
    ]
    for path in pages:
        response = client.get(path)
        cache = {part.strip() for part in response["Cache-Control"].split(",")}
        assert {"private", "no-store"} <= cache, path
        assert response["Referrer-Policy"] == "same-origin", path
        assert '<meta name="robots" content="noindex">' in response.content.decode(), path


def test_no_public_page_shows_a_subscriber_address(client, program, open_cycle, mailoutbox, post):
    canary = "canary-5ub5cr1b3r"
    DeadlineFactory(cycle=open_cycle)
    active = ReminderSubscriptionFactory(program=program, email=f"{canary}.active@example.net")
    ReminderSubscriptionFactory(program=program, cycle=open_cycle, email=f"{canary}@example.net")
    post(_form(program, email=f"{canary}.new@example.net"))
    pending = ReminderSubscription.objects.get(email=f"{canary}.new@example.net")
    confirm = _path(_confirm_link(mailoutbox[0]))
    unsubscribe = reverse(
        "reminders:unsubscribe", args=[unsubscribe_token(f"subscriber:{active.pk}")]
    )
    anonymous = Client()

    fetched = [
        (url, anonymous.get(url))
        for url in (
            "/",
            "/cycles/",
            SUBSCRIBE,
            SENT,
            confirm,
            unsubscribe,
            reverse("artifacts:feed-deadlines"),
            reverse("artifacts:feed-cycle-deadlines", args=[open_cycle.pk]),
            "/api/v1/cycles/",
            f"/api/v1/cycles/{open_cycle.pk}/",
            "/api/v1/deadlines/",
        )
    ]
    fetched += [(f"POST {confirm}", anonymous.post(confirm))]
    fetched += [(f"POST {unsubscribe}", anonymous.post(unsubscribe))]
    for what, response in fetched:
        assert response.status_code == 200, what
        assert canary not in response.content.decode(), what
        assert canary not in str(response.headers), what
    pending.refresh_from_db()
    assert pending.is_active


def test_a_confirmation_link_cannot_unsubscribe_and_an_unsubscribe_link_cannot_confirm(
    client, program
):
    subscription = ReminderSubscriptionFactory(program=program, confirmed_at=None)
    confirm = confirmation_token(subscription)
    unsubscribe = unsubscribe_token(f"subscriber:{subscription.pk}")

    assert client.post(reverse("reminders:unsubscribe", args=[confirm])).status_code == 400
    assert client.post(reverse("reminders:confirm", args=[unsubscribe])).status_code == 400
    subscription.refresh_from_db()
    assert subscription.confirmed_at is None
    assert subscription.unsubscribed_at is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_requests_for_one_address_make_one_subscription_and_one_e_mail(mailoutbox):
    import threading

    from django.db import connection

    program = ProgramFactory()
    start = threading.Barrier(4)
    failures = []

    def ask_once() -> None:
        try:
            start.wait()
            subscription_request(email="ada@example.org", program=program, cycle=None)
        except BaseException as exc:  # reported below, in the test's thread
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=ask_once) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert ReminderSubscription.objects.count() == 1
    assert len(mailoutbox) == 1
