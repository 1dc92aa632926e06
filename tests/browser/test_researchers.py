"""A researcher's first visit, in a real headless Chromium: the sign-in link read from a real
SMTP server, the sign-in button, their projects, a new artifact saved and submitted, a staff
member approving it in the admin, and the artifact appearing publicly; axe-core and fit at
phone and desktop width, with screenshots."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from artifacts.models import Artifact
from proposals.models import AwardInvestigator
from tests.browser.conftest import VIEWPORTS, axe_violations, log_in, screenshot
from tests.proposals.factories import AwardFactory, AwardInvestigatorFactory, PersonFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
LINK = re.compile(r"https?://\S+/account/signin/\?sesame=[\w-]+")


def _problems(page: Any) -> list[tuple[str, str, int]]:
    found = [(v["id"], v["help"], len(v["nodes"])) for v in axe_violations(page)]
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    if overflow > 0:
        found.append(("horizontal scroll", f"{overflow}px", 0))
    return found


@pytest.fixture
def mail_to_sink(settings: Any, smtp_sink: Any) -> Any:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_sink.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    return smtp_sink


def _text_of(message: Any) -> str:
    return next(
        part.get_payload(decode=True).decode()
        for part in message.walk()
        if part.get_content_type() == "text/plain"
    )


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_sign_in_from_the_e_mail_submit_an_artifact_and_see_it_published(
    page_for, demo_portfolio, mail_to_sink, live_server, viewport
):
    address = f"ada-{viewport}@uni.example.edu"
    pi = PersonFactory(given_name="Ada", family_name="Byron", email=address)
    award = AwardFactory(award_number="2999777", title="Audits of fair rankers")
    AwardInvestigatorFactory(award=award, person=pi, role=AwardInvestigator.Role.PI)
    problems: dict[str, list[Any]] = {}
    page = page_for(viewport)

    page.goto(reverse("account:signin-request"))
    page.get_by_label("Your e-mail address").fill(address)
    page.get_by_role("button", name="E-mail me a sign-in link").click()
    page.wait_for_url("**/account/sent/")
    assert page.get_by_role("heading", name="Check your inbox").is_visible()
    screenshot(page, f"researcher-sent-{viewport}")
    problems["sent"] = _problems(page)

    (message,) = mail_to_sink.mailbox.values()
    link = LINK.search(_text_of(message))
    assert link
    page.goto(link.group(0))
    problems["signin"] = _problems(page)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/my/")
    assert page.get_by_role("heading", name="Audits of fair rankers").is_visible()
    assert address not in page.content()
    screenshot(page, f"researcher-projects-{viewport}")
    problems["projects"] = _problems(page)

    page.get_by_role("link", name="New artifact").click()
    page.get_by_label("Title").fill("Ranking audit traces")
    page.get_by_label("Summary").fill("Traces of 40 ranking audits, with exposure by group.")
    page.get_by_label("Kind").select_option("dataset")
    page.get_by_label("Landing page").fill("https://zenodo.org/records/7777777")
    page.get_by_label("Licence").fill("CC-BY-4.0")
    page.get_by_label("Description").fill("## Contents\n\nOne file per audit.")
    screenshot(page, f"researcher-form-{viewport}")
    problems["form"] = _problems(page)
    page.get_by_role("button", name="Save the draft").click()
    page.get_by_role("button", name="Submit for review").click()
    page.wait_for_load_state()
    artifact = Artifact.objects.get(title="Ranking audit traces")
    assert artifact.status == Artifact.Status.SUBMITTED
    screenshot(page, f"researcher-submitted-{viewport}")
    problems["submitted"] = _problems(page)
    assert page.context.request.get(reverse("artifacts:detail", args=[artifact.slug])).status == 404

    staff = page_for(viewport)
    log_in(staff)
    staff.goto(reverse("admin:artifacts_submission_change", args=[artifact.pk]))
    screenshot(staff, f"staff-submission-{viewport}")
    staff.get_by_role("button", name="Approve").click()
    staff.wait_for_load_state()
    artifact.refresh_from_db()
    assert artifact.status == Artifact.Status.PUBLISHED

    public = page_for(viewport)
    public.goto(reverse("artifacts:detail", args=[artifact.slug]))
    assert public.get_by_role("heading", name="Ranking audit traces").is_visible()
    decision = [m for m in mail_to_sink.mailbox.values() if "Approved" in str(m["Subject"])]
    assert decision
    assert decision[0]["To"] == address
    assert {name: found for name, found in problems.items() if found} == {}
