"""A funded project's page with its publications, in a real headless Chromium at phone and
desktop widths: readable, accessible, and without sideways scrolling."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.artifacts.factories import ArtifactFactory
from tests.browser.conftest import VIEWPORTS, axe_violations, screenshot
from tests.discovery.factories import PublicationFactory
from tests.proposals.factories import (
    AwardFactory,
    AwardInvestigatorFactory,
    CycleFactory,
    OrganizationFactory,
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def project():
    award = AwardFactory(
        award_number="1939743",
        title="FAI: Towards fair speech recognition across dialects and accents",
        cycle=CycleFactory(year=2020, solicitation_number="NSF 20-566"),
        institution=OrganizationFactory(name="Stanford University"),
        abstract="Speech recognition works worse for some speakers than for others.",
    )
    AwardInvestigatorFactory(award=award)
    ArtifactFactory(award=award, title="Dialect speech benchmark", kind="dataset")
    PublicationFactory(
        award=award,
        doi="10.1073/pnas.1915768117",
        title="Racial disparities in automated speech recognition",
        authors=[
            {"name": "Allison Koenecke", "orcid": "0000-0002-1825-0097"},
            {"name": "Andrew Nam", "orcid": ""},
            {"name": "Emily Lake", "orcid": ""},
            {"name": "Joe Nudell", "orcid": ""},
            {"name": "Minnie Quartey", "orcid": ""},
            {"name": "Zion Mengesha", "orcid": ""},
            {"name": "Connor Toups", "orcid": ""},
            {"name": "John R. Rickford", "orcid": ""},
            {"name": "Dan Jurafsky", "orcid": "0000-0002-6459-7745"},
            {"name": "Sharad Goel", "orcid": ""},
        ],
        venue="Proceedings of the National Academy of Sciences",
        year=2020,
    )
    PublicationFactory(
        award=award,
        doi="",
        url="https://aclanthology.org/2023.acl-long.0000000000000000000000000000000001/",
        title="A very-long-hyphenated-title-about-dialect-robust-automatic-speech-recognition",
        authors=[{"name": "Andrew Nam", "orcid": ""}],
        venue="Annual Meeting of the Association for Computational Linguistics",
        year=2023,
    )
    PublicationFactory(
        award=award, doi="", title="Workshop abstract on accent gaps", authors=[], venue=""
    )
    # Old Wiley DOIs (SICIs) are long and have no natural break.
    PublicationFactory(
        award=award,
        doi="10.1002/(sici)1097-4571(199806)49:8<693::aid-asi4>3.0.co;2-0",
        title="Measuring bias in information systems",
        authors=[{"name": "Batya Friedman", "orcid": ""}],
        venue="Journal of the American Society for Information Science",
        year=1998,
    )
    return award


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_project_page_with_publications_is_accessible_and_fits_the_screen(
    page_for, project, viewport
):
    page = page_for(viewport)
    page.goto(reverse("artifacts:project-detail", args=[project.award_number]))

    section = page.get_by_role("region", name="Publications")
    assert section.is_visible()
    titles = section.get_by_role("heading", level=3).all_inner_texts()
    assert titles == [
        "A very-long-hyphenated-title-about-dialect-robust-automatic-speech-recognition",
        "Racial disparities in automated speech recognition",
        "Workshop abstract on accent gaps",
        "Measuring bias in information systems",
    ]
    doi_link = section.get_by_role(
        "link", name="Racial disparities in automated speech recognition"
    )
    assert doi_link.get_attribute("href") == "https://doi.org/10.1073/pnas.1915768117"
    orcid = section.get_by_role("link", name="ORCID iD of Dan Jurafsky")
    assert orcid.get_attribute("href") == "https://orcid.org/0000-0002-6459-7745"
    screenshot(page, f"project-publications-{viewport}")

    assert axe_violations(page) == []
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
