"""What a researcher meets first, in headless Chromium at phone and desktop width: the
doors to the API, feeds and calendars, dated result cards, a site icon, typo tolerance,
and pages that never scroll sideways."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from tests.artifacts.factories import ArtifactFactory
from tests.browser.conftest import VIEWPORTS, axe_violations, screenshot
from tests.proposals.factories import AwardFactory, CycleFactory, DeadlineFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def catalogue():
    cycle = CycleFactory(year=2031, solicitation_number="NSF 31-501")
    DeadlineFactory(cycle=cycle, kind="full_proposal")
    DeadlineFactory(cycle=cycle, kind="letter_of_intent", due_date=dt.date(2031, 6, 1))
    award = AwardFactory(cycle=cycle)
    ArtifactFactory(
        award=award,
        title="Fairness audit toolkit",
        kind="tool",
        keywords=["audit"],
        release_date=dt.date(2024, 3, 12),
    )
    ArtifactFactory(award=award, title="Dialect speech benchmark", keywords=["speech"])
    call_command("export_open_data", stdout=io.StringIO())
    return cycle


PAGES = {
    "data": lambda: reverse("artifacts:open-data"),
    "link-checker": lambda: reverse("link-checker"),
    "home-find": lambda: reverse("artifacts:home"),
    "cycles-find": lambda: reverse("artifacts:cycle-list"),
    "typo": lambda: reverse("artifacts:list") + "?q=fariness",
}


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_pages_fit_the_screen_are_accessible_and_miss_nothing(page_for, catalogue, viewport):
    page = page_for(viewport)
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status >= 400 else None)
    problems = {}
    for name, url in PAGES.items():
        page.goto(url())
        screenshot(page, f"{name}-{viewport}")
        violations = axe_violations(page)
        if violations:
            problems[name] = [(v["id"], v["help"], len(v["nodes"])) for v in violations]
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if overflow > 0:
            problems.setdefault(name, []).append(("horizontal scroll", f"{overflow}px", 0))
    assert problems == {}
    assert missing == []


def test_the_browser_finds_the_site_icon(page_for, catalogue):
    page = page_for("desktop")
    page.goto(reverse("artifacts:home"))
    icon = page.request.get("/favicon.ico")
    assert icon.status == 200
    svg = page.locator('link[rel="icon"][type="image/svg+xml"]').get_attribute("href")
    assert page.request.get(svg).headers["content-type"].startswith("image/svg+xml")


def test_footer_leads_to_the_api_documentation(page_for, catalogue):
    page = page_for("phone")
    page.goto(reverse("artifacts:home"))
    page.get_by_role("navigation", name="Data, feeds and calendars").get_by_role(
        "link", name="API documentation"
    ).click()
    page.wait_for_url("**/api/docs/")
    page.locator(".swagger-ui .info").wait_for()
    screenshot(page, "api-docs-phone")


def test_a_typo_offers_the_title_it_meant(page_for, catalogue):
    page = page_for("phone")
    page.goto(reverse("artifacts:list"))
    page.get_by_label("Search artifacts").fill("fariness")
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url("**q=fariness**")
    assert page.get_by_text("did you mean one of these?").is_visible()
    card = page.locator("article.card")
    assert card.count() == 1
    assert card.get_by_role("link", name="Fairness audit toolkit").is_visible()
    assert card.locator("time").get_attribute("datetime") == "2024-03-12"
    assert card.locator("time").inner_text() == "March 12, 2024"


def test_following_a_search_subscribes_to_its_feed(page_for, catalogue):
    page = page_for("desktop")
    page.goto(reverse("artifacts:list") + "?q=toolkit")
    page.get_by_role("group", name="Kind").get_by_label("Tool").check()
    page.wait_for_url("**kind=tool**")
    atom = page.get_by_role("link", name="Atom feed").first
    href = atom.get_attribute("href")
    assert href == "/feeds/artifacts.atom?q=toolkit&kind=tool"
    feed = page.request.get(href)
    assert feed.headers["content-type"].startswith("application/atom+xml")
    assert "Fairness audit toolkit" in feed.text()
    assert "Dialect speech benchmark" not in feed.text()
    screenshot(page, "follow-search-desktop")


def test_each_cycle_and_each_deadline_offers_its_calendar(page_for, catalogue):
    page = page_for("phone")
    page.goto(reverse("artifacts:cycle-list"))
    # Chromium names a link with a space before its visually hidden part.
    link = page.get_by_role(
        "link", name=re.compile(r"^Add all of them to calendar ?: the deadlines of NSF 31-501$")
    )
    href = link.get_attribute("href")
    assert href == reverse("artifacts:feed-cycle-deadlines", args=[catalogue.pk])
    calendar = page.request.get(href)
    assert calendar.headers["content-type"].startswith("text/calendar")
    assert calendar.text().count("BEGIN:VEVENT") == 2

    deadline = catalogue.deadlines.get(visibility="public", kind="full_proposal")
    one = page.get_by_role(
        "link", name=re.compile(r"^Add to calendar ?: Full proposal, NSF 31-501$")
    )
    assert one.get_attribute("href") == reverse("artifacts:feed-deadline", args=[deadline.pk])
    event = page.request.get(one.get_attribute("href") or "")
    assert event.headers["content-type"].startswith("text/calendar")
    assert event.text().count("BEGIN:VEVENT") == 1
    assert f"UID:deadline-{deadline.pk}@fairprog" in event.text()
