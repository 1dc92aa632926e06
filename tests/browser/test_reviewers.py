"""A reviewer's work, in a real headless Chromium: the sign-in link read from a real SMTP
server, their assignments, no conflict declared (the abstract appears only then), a review
saved as a draft, then submitted and locked; a staff member sees its ratings on the cycle's
panel and records the panel's recommendation. axe-core and fit at phone and desktop width,
with screenshots."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.urls import reverse

from proposals.models import Proposal, Review, ReviewAssignment, ReviewerProfile
from proposals.services.reviews import review_deadline
from tests.browser.conftest import VIEWPORTS, log_in, screenshot
from tests.browser.test_researchers import LINK, _problems, _text_of
from tests.proposals.factories import (
    CycleFactory,
    OrganizationFactory,
    PersonFactory,
    ProposalFactory,
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ABSTRACT = "We audit ranking systems for disparate exposure across demographic groups."


@pytest.fixture
def mail_to_sink(settings: Any, smtp_sink: Any) -> Any:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_sink.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    return smtp_sink


def _assignment(address: str) -> ReviewAssignment:
    cycle: Any = CycleFactory(year=2031)
    proposal: Any = ProposalFactory(
        cycle=cycle,
        title="Exposure audits of ranking systems",
        abstract=ABSTRACT,
        status=Proposal.Status.UNDER_REVIEW,
    )
    make: Any = PersonFactory
    reviewer = ReviewerProfile.objects.create(
        person=make(
            given_name="Rae",
            family_name="Viewer",
            email=address,
            affiliation=OrganizationFactory(name="Reviewer College"),
        ),
        expertise=["ranking", "exposure"],
    )
    due = review_deadline(cycle=cycle, due_date=dt.date(2031, 3, 1))
    return ReviewAssignment.objects.create(proposal=proposal, reviewer=reviewer, due=due)


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_a_reviewer_signs_in_from_the_e_mail_reviews_and_staff_see_it_on_the_panel(
    page_for, demo_portfolio, mail_to_sink, live_server, viewport
):
    address = f"rae-{viewport}@college.example.edu"
    assignment = _assignment(address)
    problems: dict[str, list[Any]] = {}
    page = page_for(viewport)

    page.goto(reverse("account:signin-request"))
    page.get_by_label("Your e-mail address").fill(address)
    page.get_by_role("button", name="E-mail me a sign-in link").click()
    page.wait_for_url("**/account/sent/")
    (message,) = mail_to_sink.mailbox.values()
    link = LINK.search(_text_of(message))
    assert link
    page.goto(link.group(0))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/my/**")

    page.get_by_role("link", name="My reviews").first.click()
    page.wait_for_url("**/my/reviews/")
    screenshot(page, f"reviewer-list-{viewport}")
    problems["list"] = _problems(page)
    page.get_by_role("link", name="Exposure audits of ranking systems").click()
    assert page.get_by_role("heading", name=re.compile("any conflict of interest")).is_visible()
    assert ABSTRACT not in page.content()
    screenshot(page, f"reviewer-choice-{viewport}")
    problems["choice"] = _problems(page)

    page.get_by_role("button", name="No conflict").click()
    page.wait_for_load_state()
    assert ABSTRACT in page.content()
    page.get_by_role("group", name=re.compile("Intellectual merit", re.I)).get_by_label(
        "Excellent"
    ).check()
    page.get_by_role("group", name=re.compile("Broader impacts", re.I)).get_by_label(
        "Very good"
    ).check()
    page.get_by_label("Strengths").fill("A clear audit protocol over real ranking systems.")
    page.get_by_label("Weaknesses").fill("The sample of platforms is small.")
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_load_state()
    assert page.get_by_text("Draft saved.").is_visible()
    review = Review.objects.get(assignment=assignment)
    assert review.status == Review.Status.DRAFT
    assert page.get_by_label("Strengths").input_value().startswith("A clear audit protocol")
    screenshot(page, f"reviewer-draft-{viewport}")
    problems["draft"] = _problems(page)

    page.get_by_role("group", name=re.compile("Overall", re.I)).get_by_label("Very good").check()
    page.get_by_label("Summary").fill("A careful plan; worth funding if the sample grows.")
    page.get_by_label("Comments to the program staff").fill("No concerns about the budget.")
    page.get_by_role("button", name="Submit review").click()
    page.wait_for_load_state()
    assert page.get_by_text("Review submitted. Thank you.").is_visible()
    review.refresh_from_db()
    assert review.status == Review.Status.SUBMITTED
    assert page.get_by_role("button", name="Submit review").count() == 0
    screenshot(page, f"reviewer-submitted-{viewport}")
    problems["submitted"] = _problems(page)

    staff = page_for(viewport)
    log_in(staff)
    cycle = assignment.proposal.cycle
    staff.goto(reverse("admin:proposals_reviewassignment_panel") + f"?cycle={cycle.pk}")
    section = staff.locator(f"#proposal-{assignment.proposal.pk}")
    assert section.get_by_role("heading", name=re.compile("Exposure audits")).is_visible()
    row = section.get_by_role("row", name=re.compile("Rae Viewer"))
    assert row.get_by_text("Excellent").is_visible()
    assert row.get_by_text("Very good").count() == 2
    assert section.locator(".panel-mean").inner_text() == "4.0"
    screenshot(staff, f"staff-panel-{viewport}")
    problems["panel"] = _problems(staff)

    section.get_by_label("Panel summary").fill("Strong audit design; fund.")
    section.get_by_role("button", name="Recommend").click()
    staff.wait_for_load_state()
    proposal = Proposal.objects.get(pk=assignment.proposal.pk)
    assert proposal.status == Proposal.Status.RECOMMENDED
    assert "Panel: " in staff.locator(f"#proposal-{proposal.pk}").inner_text()
    assert {name: found for name, found in problems.items() if found} == {}
