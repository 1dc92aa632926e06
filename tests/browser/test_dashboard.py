"""The staff dashboard and /numbers/ in a real headless Chromium, on the demo portfolio:
every chart drawn with data at phone and desktop width, filters that redraw the charts,
no horizontal scroll, and no serious or critical axe-core violation."""

from __future__ import annotations

import datetime as dt
import importlib
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from artifacts import links
from artifacts.models import ArtifactLink, FairnessDimension, LinkState, Task
from tests.browser.conftest import VIEWPORTS, axe_violations, screenshot
from tests.conftest import program_staff_group

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

STAFF_CHARTS = ["funding", "funnel", "artifacts", "dimensions", "institutions", "states", "links"]
PUBLIC_CHARTS = ["funding", "kinds", "dimensions", "links"]
# The links' states, link by link, over six weeks of recorded history.
STATES = [LinkState.OK] * 6 + [
    LinkState.REDIRECTED,
    LinkState.BLOCKED,
    LinkState.FAILING,
    LinkState.BROKEN,
]


@pytest.fixture
def demo_portfolio():
    # Transactional tests flush the database, migration data included: restore the
    # vocabularies and the staff group the demo data relies on.
    vocabularies = importlib.import_module(
        "artifacts.migrations.0003_vocabularies_and_staff_permissions"
    )
    for order, (slug, name) in enumerate(vocabularies.DIMENSIONS):
        FairnessDimension.objects.get_or_create(slug=slug, defaults={"name": name, "order": order})
    for order, (slug, name) in enumerate(vocabularies.TASKS):
        Task.objects.get_or_create(slug=slug, defaults={"name": name, "order": order})
    program_staff_group()
    call_command("seed_demo", "--with-login", stdout=io.StringIO())
    today = timezone.now().date()
    demo_links = list(ArtifactLink.objects.order_by("pk"))
    for week in range(6):
        for n, link in enumerate(demo_links):
            link.state = STATES[(n + week) % len(STATES)]
        ArtifactLink.objects.bulk_update(demo_links, ["state"])
        links.link_health_record_day(day=today - dt.timedelta(weeks=week))


def _log_in(page) -> None:
    page.goto(reverse("admin:login"))
    page.get_by_label("Username").fill("staff")
    page.get_by_label("Password").fill("fairprog-demo")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/")


def _drawn(page) -> dict[str, dict]:
    """Each drawn chart's labels and data, by chart key."""
    return page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('canvas[data-chart]')].map(
            (canvas) => {
                const chart = Chart.getChart(canvas);
                return [canvas.closest('.fp-chart').id.replace('chart-', ''), chart && {
                    labels: chart.data.labels.map(String),
                    total: chart.data.datasets.flatMap((d) => d.data).reduce((a, b) => a + b, 0),
                }];
            }))"""
    )


def _problems(page) -> list[tuple[str, str, int]]:
    found = [(v["id"], v["help"], len(v["nodes"])) for v in axe_violations(page)]
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    if overflow > 0:
        found.append(("horizontal scroll", f"{overflow}px", 0))
    return found


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_dashboard_draws_every_chart_with_data(page_for, demo_portfolio, viewport):
    page = page_for(viewport)
    _log_in(page)
    drawn = _drawn(page)
    assert sorted(drawn) == sorted(STAFF_CHARTS)
    assert {key: chart["total"] > 0 for key, chart in drawn.items()} == dict.fromkeys(
        STAFF_CHARTS, True
    )
    figures = page.get_by_role("region", name="Right now")
    assert figures.get_by_role("link", name="9 Proposals under review").is_visible()
    # The app list stays on the page, under the dashboard.
    assert page.get_by_role("link", name="Artifact links").is_visible()
    funnel = page.locator("#chart-funnel")
    funnel.get_by_text("Table of the numbers").click()
    assert funnel.get_by_role("rowheader").first.is_visible()
    screenshot(page, f"dashboard-{viewport}")
    assert _problems(page) == []


def test_dashboard_filter_redraws_the_charts(page_for, demo_portfolio):
    page = page_for("desktop")
    _log_in(page)
    before = _drawn(page)
    assert "2020" in before["funding"]["labels"]
    assert len(before["funding"]["labels"]) > 1

    page.get_by_label("Cycle year", exact=True).select_option("2020")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**year=2020**")
    after = _drawn(page)
    assert after["funding"]["labels"] == ["2020"]
    assert after["artifacts"]["total"] < before["artifacts"]["total"]
    # The demo's proposals are all in next year's fictional cycle.
    assert page.locator("#chart-funnel").get_by_text("No data for these filters").is_visible()
    csv_link = page.locator("#chart-funding").get_by_role("link", name="Download CSV")
    assert "year=2020" in csv_link.get_attribute("href")
    screenshot(page, "dashboard-filtered-desktop")


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_numbers_page_draws_its_charts_and_is_accessible(page_for, demo_portfolio, viewport):
    page = page_for(viewport)
    page.goto(reverse("artifacts:home"))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="In numbers").click()
    page.wait_for_url("**/numbers/")
    drawn = _drawn(page)
    assert sorted(drawn) == sorted(PUBLIC_CHARTS)
    assert all(chart["total"] > 0 for chart in drawn.values())
    screenshot(page, f"numbers-{viewport}")
    assert _problems(page) == []
