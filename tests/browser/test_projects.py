"""Funded projects, institutions and people in a real headless Chromium: search and filter
with the state in the URL and no script needed, accessibility, and every column on a phone."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from tests.artifacts.factories import ArtifactCreatorFactory, ArtifactFactory
from tests.browser.conftest import VIEWPORTS, axe_violations, screenshot
from tests.proposals.factories import (
    AwardFactory,
    AwardInvestigatorFactory,
    CycleFactory,
    OrganizationFactory,
    PersonFactory,
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def projects():
    cmu = OrganizationFactory(
        name="Carnegie Mellon University", city="Pittsburgh", state="PA", ror_id="05x2bcf33"
    )
    ucla = OrganizationFactory(
        name="University of California-Los Angeles", city="Los Angeles", state="CA"
    )
    c2020, c2021 = CycleFactory(year=2020), CycleFactory(year=2021)
    neubig = PersonFactory(given_name="Graham", family_name="Neubig", orcid="0000-0002-1825-0097")
    awards = []
    for n, (institution, cycle, title) in enumerate(
        [
            (cmu, c2020, "FAI: Quantifying and Mitigating Disparities in Language Technologies"),
            (cmu, c2021, "FAI: Fair ranking and recommendation in online hiring platforms"),
            (ucla, c2020, "FAI: Towards Equitable Clinical Risk Prediction in Hospitals"),
            (ucla, c2021, "FAI: Auditing Face Recognition for Demographic Disparities"),
        ]
    ):
        award = AwardFactory(
            award_number=f"{2040926 + n}",
            title=title,
            institution=institution,
            cycle=cycle,
            start_date=dt.date(cycle.year + 1, 1 + n, 1),
        )
        AwardInvestigatorFactory(award=award, person=neubig if n == 0 else PersonFactory())
        awards.append(award)
    artifact = ArtifactFactory(award=awards[0], title="Dialect speech benchmark")
    ArtifactCreatorFactory(artifact=artifact, person=neubig)
    return {"cmu": cmu, "neubig": neubig, "awards": awards}


def test_search_then_filter_keeps_the_state_in_the_url_without_script(
    browser, live_server, projects
):
    # With JavaScript off, the form alone must search and filter.
    context = browser.new_context(java_script_enabled=False, base_url=live_server.url)
    try:
        page = context.new_page()
        page.goto(reverse("artifacts:project-list"))
        page.get_by_label("Search funded projects").fill("disparities")
        page.get_by_role("button", name="Search", exact=True).click()
        page.wait_for_url("**/projects/?q=disparities*")
        assert page.get_by_role("heading", name="2 awards for “disparities”").is_visible()
        page.get_by_label("State").select_option("PA")
        page.get_by_role("button", name="Apply filters").click()
        page.wait_for_url("**state=PA*")
        assert "q=disparities" in page.url
        assert page.get_by_role("heading", name="1 award for “disparities”").is_visible()
        assert page.get_by_role("link", name="2040926").is_visible()
    finally:
        context.close()


def test_a_phone_shows_every_column_of_the_projects_table(page_for, projects):
    page = page_for("phone")
    page.goto(reverse("artifacts:project-list"))
    first = page.locator("table.project-table tbody tr").first
    for label in ("Award", "Title", "Institution", "Cycle", "Awarded", "Dates", "Artifacts"):
        cell = first.locator(f'td[data-label="{label}"]')
        assert cell.is_visible(), label
        box = cell.bounding_box()
        assert box is not None, label
        assert 0 <= box["x"] <= box["x"] + box["width"] <= 375, label
    screenshot(page, "projects-table-phone")


PAGES = {
    "projects": lambda p: reverse("artifacts:project-list") + "?q=fai&state=PA",
    "institution": lambda p: reverse("artifacts:institution-detail", args=[p["cmu"].pk]),
    "person": lambda p: reverse("artifacts:person-detail", args=[p["neubig"].pk]),
    "project": lambda p: reverse("artifacts:project-detail", args=["2040926"]),
}


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_pages_are_accessible_and_fit_the_screen(page_for, projects, viewport):
    page = page_for(viewport)
    problems = {}
    for name, url in PAGES.items():
        page.goto(url(projects))
        screenshot(page, f"projects-page-{name}-{viewport}")
        violations = axe_violations(page)
        if violations:
            problems[name] = [(v["id"], v["help"], len(v["nodes"])) for v in violations]
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if overflow > 0:
            problems.setdefault(name, []).append(("horizontal scroll", f"{overflow}px", 0))
    assert problems == {}
