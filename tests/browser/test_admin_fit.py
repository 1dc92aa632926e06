"""The admin in headless Chromium at 1440 by 900, on the demo portfolio: every change list of
the program records and the catalogue (and the cycle's deadline inline) fits its box, and a
proposal moves by its buttons."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from proposals.models import Award, Cycle, Deadline, Proposal
from tests.browser.conftest import log_in, screenshot

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CHANGE_LISTS = [
    *("proposals_proposal", "proposals_award", "proposals_cycle", "proposals_deadline"),
    *("proposals_person", "proposals_organization"),
    *("artifacts_artifact", "artifacts_artifactlink", "artifacts_linkcheck"),
]

# The box each list scrolls in, and the table inside it.
_WIDTHS = """(selector) => {
    const box = document.querySelector(selector);
    const table = box && box.querySelector('table');
    return box && {
        box: box.clientWidth,
        scroll: box.scrollWidth,
        table: table ? table.scrollWidth : 0,
        tableBox: table ? table.parentElement.clientWidth : 0,
    };
}"""


def _overflow(page: Any, selector: str) -> dict[str, int]:
    widths = page.evaluate(_WIDTHS, selector)
    assert widths is not None, f"no {selector} on {page.url}"
    return widths


def _fits(widths: dict[str, int]) -> bool:
    return widths["scroll"] <= widths["box"] and widths["table"] <= widths["tableBox"]


@pytest.mark.parametrize("model", CHANGE_LISTS)
def test_admin_change_list_fits_a_desktop_screen(page_for, demo_portfolio, model):
    page = page_for("desktop")
    log_in(page)
    page.goto(reverse(f"admin:{model}_changelist"))
    widths = _overflow(page, "#changelist")
    screenshot(page, f"admin-{model.split('_', 1)[1]}-changelist")
    assert _fits(widths), widths


def test_admin_cycle_deadline_inline_fits_a_desktop_screen(page_for, demo_portfolio):
    cycle = Cycle.objects.order_by("-year").first()
    assert cycle is not None
    assert cycle.deadlines.exists()
    page = page_for("desktop")
    log_in(page)
    page.goto(reverse("admin:proposals_cycle_change", args=[cycle.pk]))
    widths = _overflow(page, "#deadlines-group")
    screenshot(page, "admin-cycle-deadlines")
    assert _fits(widths), widths


def test_admin_proposal_page_moves_the_proposal_by_its_next_step_button(page_for, demo_portfolio):
    proposal = Proposal.objects.filter(status=Proposal.Status.SUBMITTED).first()
    assert proposal is not None
    page = page_for("desktop")
    log_in(page)
    page.goto(reverse("admin:proposals_proposal_change", args=[proposal.pk]))
    steps = page.locator(".workflow-steps button")
    assert steps.all_inner_texts() == ["Start review", "Withdraw"]
    screenshot(page, "admin-proposal-next-steps")
    page.get_by_role("button", name="Start review").click()
    page.wait_for_load_state()
    assert "put under review" in page.locator(".messagelist").inner_text()
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.UNDER_REVIEW


def test_admin_names_the_programs_zone_once_and_no_field_warns_of_an_offset(
    page_for, demo_portfolio, settings
):
    """A program officer five hours ahead of the program (in UTC): Django's "You are 5 hours
    ahead of server time" under each date field is gone; the header names the zone."""
    assert settings.TIME_ZONE == "America/New_York"
    award = Award.objects.order_by("award_number").first()
    deadline = Deadline.objects.order_by("pk").first()
    assert award is not None
    assert deadline is not None
    page = page_for("desktop", timezone_id="UTC")
    log_in(page)
    for url in (
        reverse("admin:proposals_award_change", args=[award.pk]),
        reverse("admin:proposals_deadline_change", args=[deadline.pk]),
    ):
        page.goto(url)
        page.wait_for_load_state("load")
        assert page.locator(".vDateField").count() > 0
        assert page.locator(".datetimeshortcuts").count() > 0  # Django's widgets ran
        assert page.locator(".timezonewarning").count() == 0
        header = page.locator("#branding .fp-zone").inner_text()
        assert re.fullmatch(r"Times in America/New_York \(E[SD]T\), the program's zone", header)
    screenshot(page, "admin-deadline-zone")
