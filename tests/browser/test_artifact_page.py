"""An artifact's page as a researcher meets it in the demo, at phone (375 px) and desktop
(1440 px) width: what they need first comes first, a retired version leads to its
successor, and nothing scrolls sideways or fails axe."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from artifacts.models import Artifact, ArtifactLink, LinkState
from tests.browser.conftest import axe_violations, screenshot

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def retired_toolkit(demo_portfolio) -> Artifact:
    """The demo's retired toolkit, which names its version 2."""
    retired = Artifact.objects.select_related("superseded_by").get(
        is_demo=True, status=Artifact.Status.RETIRED
    )
    assert retired.superseded_by is not None
    return retired


def _top(page: Any, selector: str) -> float:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not shown"
    return float(box["y"])


def _box(page: Any, selector: str) -> dict[str, float]:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not shown"
    return box


def _sideways_overflow(page: Any) -> int:
    """How many pixels the page is wider than the window (0: no sideways scrolling)."""
    return int(
        page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    )


def _open(page_for: Any, viewport: str, artifact: Artifact) -> Any:
    page = page_for(viewport)
    page.goto(reverse("artifacts:detail", args=[artifact.slug]))
    return page


def test_on_a_phone_links_licence_and_doi_come_before_the_citation(page_for, demo_portfolio):
    dataset = Artifact.objects.filter(is_demo=True, kind="dataset", status="published").first()
    assert dataset is not None
    assert dataset.doi
    assert dataset.license
    page = _open(page_for, "phone", dataset)

    cite = _top(page, "#cite")
    landing = _top(page, ".facts a[href^='https://example.org/fairprog-demo/']")
    licence = _top(page, "dt:text-is('Licence')")
    doi = _top(page, ".facts a[href^='https://doi.org/']")
    health = _top(page, ".facts .link-health")
    about = _top(page, "#about")

    assert max(landing, licence, doi, health) < about < cite
    assert _top(page, "h1") < landing
    screenshot(page, "artifact-page-phone")


def test_on_a_desktop_the_facts_stay_beside_the_documentation(page_for, demo_portfolio):
    dataset = Artifact.objects.filter(is_demo=True, kind="dataset", status="published").first()
    assert dataset is not None
    page = _open(page_for, "desktop", dataset)

    facts, about, cite = _box(page, ".detail-side"), _box(page, "#about"), _box(page, ".cite")

    # The facts in the right-hand column, level with the top of the documentation; the
    # citation under the documentation, in the left-hand column.
    assert facts["x"] > about["x"] + about["width"]
    assert abs(facts["y"] - _box(page, ".detail-main")["y"]) < 2
    assert abs(cite["x"] - about["x"]) < 2
    assert cite["y"] > about["y"]
    screenshot(page, "artifact-page-desktop")


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_the_retired_toolkit_leads_to_its_version_2(page_for, retired_toolkit, viewport):
    successor = retired_toolkit.superseded_by
    assert successor is not None
    page = _open(page_for, viewport, retired_toolkit)

    notice = page.get_by_role("note")
    assert "This artifact is retired" in notice.inner_text()
    screenshot(page, f"artifact-retired-{viewport}")
    notice.get_by_role("link", name=successor.title).click()

    page.wait_for_url(f"**{reverse('artifacts:detail', args=[successor.slug])}")
    assert page.get_by_role("heading", level=1).inner_text() == successor.title
    page.get_by_text("Supersedes").first.wait_for()
    assert page.get_by_role("link", name=retired_toolkit.title).is_visible()
    screenshot(page, f"artifact-successor-{viewport}")


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_artifact_pages_neither_scroll_sideways_nor_fail_axe(page_for, retired_toolkit, viewport):
    successor = retired_toolkit.superseded_by
    assert successor is not None
    for artifact in (retired_toolkit, successor):
        page = _open(page_for, viewport, artifact)

        assert _sideways_overflow(page) == 0, artifact.slug
        assert axe_violations(page) == [], artifact.slug


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_numbers_before_any_link_check_say_not_checked_yet(page_for, demo_portfolio, viewport):
    # The demo machine has no network: the links of the demo stay unchecked.
    ArtifactLink.objects.update(state=LinkState.UNCHECKED)
    Artifact.objects.exclude(link_health=LinkState.NONE).update(link_health=LinkState.UNCHECKED)
    page = page_for(viewport)
    page.goto(reverse("numbers"))

    figure = page.locator(".fp-totals div", has_text="Artifacts whose links work")
    assert "Not checked yet" in figure.inner_text()
    assert "waiting for a first check" in figure.inner_text()
    assert _sideways_overflow(page) == 0
    assert axe_violations(page) == []
    screenshot(page, f"numbers-unchecked-{viewport}")
