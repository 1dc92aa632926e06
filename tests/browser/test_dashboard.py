"""The staff dashboard and /numbers/ in a real headless Chromium, on the demo portfolio:
every chart drawn with data at phone and desktop width, filters that redraw the charts,
no horizontal scroll, and no serious or critical axe-core violation."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.browser.conftest import VIEWPORTS, axe_violations, log_in, screenshot

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

STAFF_CHARTS = ["funding", "funnel", "artifacts", "dimensions", "institutions", "states", "links"]
PUBLIC_CHARTS = ["funding", "kinds", "dimensions", "links"]


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
    log_in(page)
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
    log_in(page)
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
