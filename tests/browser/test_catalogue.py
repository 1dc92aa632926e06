"""The catalogue in a real headless Chromium: search, facets, detail, copy, accessibility."""

from __future__ import annotations

import pytest
from django.urls import reverse

from artifacts import linkcheck
from artifacts.models import ArtifactLink, FairnessDimension, Task
from artifacts.services import links
from tests.artifacts.factories import ArtifactCreatorFactory, ArtifactFactory
from tests.browser.conftest import VIEWPORTS, axe_violations, screenshot
from tests.proposals.factories import (
    AwardFactory,
    AwardInvestigatorFactory,
    CycleFactory,
    DeadlineFactory,
    OrganizationFactory,
    PersonFactory,
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def catalogue():
    # Transactional tests flush the database between tests, migration data included.
    gender, _ = FairnessDimension.objects.get_or_create(slug="gender", defaults={"name": "Gender"})
    dialect, _ = FairnessDimension.objects.get_or_create(
        slug="language-dialect", defaults={"name": "Language and dialect"}
    )
    nlp, _ = Task.objects.get_or_create(
        slug="nlp", defaults={"name": "Natural language processing"}
    )
    speech, _ = Task.objects.get_or_create(slug="speech", defaults={"name": "Speech"})
    cycle = CycleFactory(year=2020, solicitation_number="NSF 20-566")
    DeadlineFactory(cycle=cycle)
    award = AwardFactory(
        award_number="2040926",
        title="FAI: Quantifying and Mitigating Disparities in Language Technologies",
        cycle=cycle,
        institution=OrganizationFactory(name="Carnegie Mellon University"),
    )
    AwardInvestigatorFactory(award=award)
    target = ArtifactFactory(
        award=award,
        title="Dialect speech benchmark",
        slug="dialect-speech-benchmark",
        summary="Speech recognition errors across English dialects.",
        dimensions=[dialect],
        tasks=[speech],
        doi="10.5281/zenodo.4242",
        repository_url="https://code.example.org/dialect-speech",
        limitations="Covers **four** dialects only.",
    )
    _check_links(target, landing="ok", repository="broken", doi="redirected")
    ArtifactCreatorFactory(
        artifact=target,
        person=PersonFactory(
            given_name="Graham", family_name="Neubig", orcid="0000-0002-1825-0097"
        ),
    )
    ArtifactFactory(
        award=award,
        title="Dialect text classifier audit",
        dimensions=[dialect],
        tasks=[nlp],
        kind="tool",
        license="MIT",
    )
    ArtifactFactory(
        award=award,
        title="Gender bias in dialect corpora",
        dimensions=[gender],
        tasks=[nlp],
        kind="dataset",
    )
    ArtifactFactory(title="Hiring fairness metric", kind="metric", license="Apache-2.0")
    return target


def _check_links(artifact, **outcomes: str) -> None:
    """Record one check of each named link; a DOI resolves to a Zenodo record."""
    links.artifact_links_sync(artifact=artifact)
    results = []
    for link in ArtifactLink.objects.filter(artifact=artifact, role__in=outcomes):
        final = "https://zenodo.org/records/4242" if link.role == "doi" else link.url
        outcome = outcomes[link.role]
        status = 404 if outcome == "broken" else 200
        results.append(
            (link, linkcheck.CheckResult(link.url, outcome, status_code=status, final_url=final))
        )
    links.link_checks_record(results)


def test_search_then_combine_two_facets_keeps_state_in_the_url(page_for, catalogue):
    page = page_for("desktop")
    page.goto(reverse("artifacts:list"))
    page.get_by_label("Search artifacts").fill("dialect")
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url("**q=dialect**")
    assert page.get_by_role("heading", name="3 artifacts for “dialect”").is_visible()

    page.get_by_label("Language and dialect").check()
    page.wait_for_url("**dimension=language-dialect**")
    # The second facet by keyboard: focus the box and press Space.
    page.get_by_label("Speech").focus()
    page.keyboard.press("Space")
    page.wait_for_url("**task=speech**")
    assert "q=dialect" in page.url
    assert page.get_by_role("heading", name="1 artifact for “dialect”").is_visible()
    assert page.locator("article.card mark").first.inner_text().lower() == "dialect"
    screenshot(page, "catalogue-search-two-facets-desktop")

    page.go_back()
    page.wait_for_url(lambda url: "task=speech" not in url)
    assert page.get_by_role("heading", name="2 artifacts for “dialect”").is_visible()


def test_open_detail_and_copy_bibtex(page_for, catalogue):
    page = page_for("desktop")
    page.goto(reverse("artifacts:list") + "?q=benchmark")
    page.get_by_role("link", name="Dialect speech benchmark").click()
    page.wait_for_url("**/artifacts/dialect-speech-benchmark/")
    assert page.get_by_role("heading", name="Limitations").is_visible()
    orcid = page.get_by_role("link", name="ORCID 0000-0002-1825-0097 (Graham Neubig)")
    assert orcid.get_attribute("href") == "https://orcid.org/0000-0002-1825-0097"

    page.get_by_role("button", name="Copy BibTeX").click()
    page.get_by_text("Copied to the clipboard.").wait_for()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.locator("#cite-bibtex").inner_text()
    assert copied.startswith("@misc{neubig")
    assert "doi = {10.5281/zenodo.4242}" in copied
    screenshot(page, "artifact-detail-desktop")


def test_link_health_facet_then_the_states_of_each_link(page_for, catalogue):
    page = page_for("phone")
    page.goto(reverse("artifacts:list"))
    page.get_by_role("group", name="Link health").get_by_label("Failing").check()
    page.wait_for_url("**link=failing**")
    assert page.get_by_role("heading", name="1 artifact", exact=True).is_visible()
    card = page.locator("article.card")
    assert card.get_by_text("Link failing").is_visible()

    card.get_by_role("link", name="Dialect speech benchmark").click()
    page.wait_for_url("**/artifacts/dialect-speech-benchmark/")
    facts = page.locator("dl.facts")
    assert "Working · checked today" in facts.inner_text()
    assert "Failing since" in facts.inner_text()
    assert facts.get_by_role("link", name="https://zenodo.org/records/4242").is_visible()
    screenshot(page, "artifact-link-health-phone")


PAGES = {
    "home": lambda a: reverse("artifacts:home"),
    "artifacts": lambda a: reverse("artifacts:list") + "?q=dialect&dimension=language-dialect",
    "artifact": lambda a: reverse("artifacts:detail", args=[a.slug]),
    "projects": lambda a: reverse("artifacts:project-list"),
    "project": lambda a: reverse("artifacts:project-detail", args=[a.award.award_number]),
    "cycles": lambda a: reverse("artifacts:cycle-list"),
}


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_pages_are_accessible_and_fit_the_screen(page_for, catalogue, viewport):
    page = page_for(viewport)
    problems = {}
    for name, url in PAGES.items():
        page.goto(url(catalogue))
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
