"""Subscribing to deadline reminders in a real headless Chromium: the home page form, a
refused time zone, the confirmation link, unsubscribing, accessibility and fit at phone and
desktop width."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from proposals.models import Cycle, ReminderSubscription
from proposals.reminders.mail import unsubscribe_token
from tests.browser.conftest import VIEWPORTS, axe_violations, screenshot
from tests.proposals.factories import CycleFactory, DeadlineFactory, ReminderSubscriptionFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def cycles(settings):
    # The live server runs in this process: the confirmation task runs there after commit.
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.CELERY_TASK_EAGER_PROPAGATES = True
    open_cycle = CycleFactory(year=2031, solicitation_number="NSF 31-566")
    DeadlineFactory(cycle=open_cycle)
    CycleFactory(program=open_cycle.program, year=2020, status=Cycle.Status.AWARDED)
    return open_cycle


def _problems(page) -> list[tuple[str, str, int]]:
    found = [(v["id"], v["help"], len(v["nodes"])) for v in axe_violations(page)]
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    if overflow > 0:
        found.append(("horizontal scroll", f"{overflow}px", 0))
    return found


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_subscribe_from_the_home_page_and_confirm(page_for, cycles, mailoutbox, viewport):
    page = page_for(viewport)
    problems = {}
    page.goto(reverse("artifacts:home"))
    email = page.get_by_label("E-mail address")
    email.focus()
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
    screenshot(page, f"subscribe-home-{viewport}")
    problems["home"] = _problems(page)

    # A time zone the browser cannot check: the server refuses it and keeps the typing.
    email.fill("ada.lovelace@example.org")
    page.get_by_label("Your time zone (optional)").fill("America/Chicagoo")
    page.get_by_role("button", name="Subscribe").click()
    page.wait_for_url("**/reminders/subscribe/")
    alert = page.get_by_role("alert")
    assert "Your time zone (optional): America/Chicagoo is not a known time zone" in (
        alert.inner_text()
    )
    assert page.get_by_label("E-mail address").input_value() == "ada.lovelace@example.org"
    zone = page.get_by_label("Your time zone (optional)")
    assert zone.input_value() == "America/Chicagoo"
    assert zone.get_attribute("aria-invalid") == "true"
    screenshot(page, f"subscribe-error-{viewport}")
    problems["error"] = _problems(page)

    alert.get_by_role("link").click()
    assert page.evaluate("document.activeElement.id") == "subscribe-time_zone"
    zone.fill("America/Chicago")
    page.get_by_role("button", name="Subscribe").click()
    page.wait_for_url("**/reminders/subscribe/sent/")
    assert page.get_by_role("heading", name="Check your inbox").is_visible()
    assert "ada.lovelace" not in page.content()
    screenshot(page, f"subscribe-sent-{viewport}")
    problems["sent"] = _problems(page)

    assert len(mailoutbox) == 1
    link = re.search(r"http\S+/reminders/confirm/\S+/", mailoutbox[0].body)
    assert link
    page.goto("/" + link.group(0).split("/", 3)[3])
    assert page.get_by_text("with times in America/Chicago").is_visible()
    assert not ReminderSubscription.objects.get().is_active
    screenshot(page, f"subscribe-confirm-{viewport}")
    problems["confirm"] = _problems(page)

    page.get_by_role("button", name="Confirm subscription").click()
    page.get_by_role("heading", name="Subscription confirmed").wait_for()
    assert ReminderSubscription.objects.get().is_active
    problems["confirmed"] = _problems(page)

    assert {name: found for name, found in problems.items() if found} == {}


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_cycles_page_form_offers_the_open_cycle(page_for, cycles, viewport):
    page = page_for(viewport)
    page.goto(reverse("artifacts:cycle-list"))
    page.get_by_role("link", name="Get reminders of these deadlines by e-mail").click()
    choice = page.get_by_label("Remind me of")
    assert choice.locator("option").all_inner_texts() == [
        "Every cycle of Fairness in AI",
        "NSF 31-566 (2031) only",
    ]
    choice.select_option(label="NSF 31-566 (2031) only")
    screenshot(page, f"subscribe-cycles-{viewport}")
    assert _problems(page) == []


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_unsubscribe_with_the_button_and_a_broken_link_explained(page_for, cycles, viewport):
    subscription = ReminderSubscriptionFactory(program=cycles.program, cycle=cycles)
    page = page_for(viewport)
    problems = {}
    page.goto(
        reverse("reminders:unsubscribe", args=[unsubscribe_token(f"subscriber:{subscription.pk}")])
    )
    problems["unsubscribe"] = _problems(page)
    page.get_by_role("button", name="Unsubscribe").click()
    page.get_by_role("heading", name="Unsubscribed").wait_for()
    assert page.get_by_text(
        "You will no longer receive reminders of NSF 31-566 (2031)."
    ).is_visible()
    subscription.refresh_from_db()
    assert subscription.unsubscribed_at is not None
    screenshot(page, f"unsubscribe-done-{viewport}")
    problems["unsubscribed"] = _problems(page)

    page.goto(reverse("reminders:confirm", args=["cut-short"]))
    assert page.get_by_role("alert").inner_text().startswith("This confirmation link is not valid")
    page.get_by_role("link", name="Subscribe again").wait_for()
    screenshot(page, f"confirm-broken-{viewport}")
    problems["broken link"] = _problems(page)

    assert {name: found for name, found in problems.items() if found} == {}
