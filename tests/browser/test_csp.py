"""Every public page and the admin in a real headless Chromium under the strict
Content-Security-Policy: no violation anywhere, and what runs on each page still works
(charts drawn, citations copied, the API docs trying a request, the export's "Select all")."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from artifacts.selectors.artifacts import artifact_listed_queryset
from proposals.models import Award
from tests.browser.conftest import log_in, screenshot

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}


def _settle(page) -> None:
    """Let violation reports still in flight reach the test."""
    page.wait_for_timeout(250)


def _no_violations(page, csp_violations, name: str) -> None:
    _settle(page)
    assert csp_violations.clear() == [], name


def _charts_drawn(page) -> list[bool]:
    return page.evaluate(
        "() => [...document.querySelectorAll('canvas[data-chart]')]"
        ".map((canvas) => Boolean(Chart.getChart(canvas)) && canvas.clientHeight > 0)"
    )


@pytest.fixture
def portfolio(demo_portfolio):
    call_command("export_open_data", stdout=io.StringIO())
    artifact = artifact_listed_queryset().order_by("pk").first()
    assert artifact is not None
    return artifact


def test_the_guard_reports_an_inline_script_and_style_attribute(page_for, csp_violations):
    page = page_for(DESKTOP)
    page.goto(reverse("artifacts:project-list"))
    page.evaluate(
        """() => {
            const script = document.createElement('script');
            script.textContent = 'window.injected = true;';
            document.head.appendChild(script);
            document.body.setAttribute('style', 'background: red');
        }"""
    )
    _settle(page)

    found = csp_violations.clear()
    assert page.evaluate("window.injected === undefined")
    assert any("script-src-elem" in item for item in found)
    assert any("style-src-attr" in item for item in found)


def test_public_pages_run_without_violations(page_for, portfolio, csp_violations):
    page = page_for(DESKTOP)
    award = Award.objects.order_by("pk").first()
    for name, url in [
        ("home", reverse("artifacts:home")),
        ("search", reverse("artifacts:list") + "?q=fairness"),
        ("projects", reverse("artifacts:project-list")),
        ("project", reverse("artifacts:project-detail", args=[award.award_number])),
        ("cycles", reverse("artifacts:cycle-list")),
        ("data", reverse("artifacts:open-data")),
        ("subscribe", reverse("reminders:subscribe")),
        ("link checker", reverse("link-checker")),
        ("not found", "/artifacts/no-such-artifact/"),
    ]:
        page.goto(url)
        assert page.locator("h1").first.is_visible(), name
        _no_violations(page, csp_violations, name)


def test_artifact_page_copies_its_citation(page_for, portfolio, csp_violations):
    page = page_for(DESKTOP)
    page.goto(reverse("artifacts:detail", args=[portfolio.slug]))
    jsonld = page.evaluate(
        "JSON.parse(document.querySelector('script[type=\"application/ld+json\"]').textContent)"
    )
    assert jsonld["name"] == portfolio.title

    page.get_by_role("button", name="Copy BibTeX").click()
    page.get_by_text("Copied to the clipboard.").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == (
        page.locator("#cite-bibtex").inner_text()
    )
    _no_violations(page, csp_violations, "artifact")


def test_numbers_page_draws_its_charts(page_for, portfolio, csp_violations):
    page = page_for(DESKTOP)
    page.goto(reverse("numbers"))

    drawn = _charts_drawn(page)
    assert drawn
    assert all(drawn)
    # The height dashboard.js gives a horizontal chart from its data-height.
    heights = page.evaluate(
        "[...document.querySelectorAll('.fp-chart-canvas')]"
        ".map((box) => [box.dataset.height, box.style.height])"
    )
    assert all(f"{wanted}px" == given for wanted, given in heights)
    _no_violations(page, csp_violations, "numbers")


def test_api_docs_render_and_try_a_request(page_for, portfolio, csp_violations):
    page = page_for(DESKTOP)
    page.goto(reverse("api-docs"))
    operation = page.locator("#operations-artifacts-v1_artifacts_list")
    operation.wait_for()
    operation.locator(".opblock-summary-control").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    status = operation.locator(".live-responses-table tr.response .response-col_status")
    status.wait_for()
    assert status.inner_text().strip() == "200"
    _no_violations(page, csp_violations, "api docs")


def test_admin_pages_run_without_violations(page_for, portfolio, csp_violations):
    page = page_for(DESKTOP)
    page.goto(reverse("admin:login"))
    _no_violations(page, csp_violations, "login")
    log_in(page)
    drawn = _charts_drawn(page)
    assert drawn
    assert all(drawn)
    _no_violations(page, csp_violations, "dashboard")

    for name, url in [
        ("changelist", reverse("admin:artifacts_artifact_changelist") + "?q=fairness"),
        ("change form", reverse("admin:artifacts_artifact_change", args=[portfolio.pk])),
        ("history", reverse("admin:artifacts_artifact_history", args=[portfolio.pk])),
        ("add form", reverse("admin:proposals_deadline_add")),
        ("import upload", reverse("admin:proposals_importrun_add")),
    ]:
        page.goto(url)
        assert page.locator("#content").is_visible(), name
        _no_violations(page, csp_violations, name)

    # The change form's widgets: the two-box picker and the autocomplete.
    page.goto(reverse("admin:artifacts_artifact_change", args=[portfolio.pk]))
    page.locator("#id_dimensions_from").wait_for()
    page.locator(".select2-selection").first.click()
    page.locator(".select2-results__option").first.wait_for()
    _no_violations(page, csp_violations, "change form widgets")


def test_admin_export_select_all_works(page_for, portfolio, csp_violations):
    page = page_for(DESKTOP)
    log_in(page)
    page.goto(reverse("admin:proposals_proposal_export"))
    fields = page.locator(".selectable-field-export-row input[type=checkbox]:visible")
    assert fields.count() > 1
    page.get_by_label("Select all").uncheck()
    assert [box.is_checked() for box in fields.all()] == [False] * fields.count()
    page.get_by_label("Select all").check()
    assert all(box.is_checked() for box in fields.all())
    _no_violations(page, csp_violations, "export")


@pytest.mark.parametrize(("label", "viewport"), [("390", PHONE), ("1440", DESKTOP)])
def test_screenshots_under_the_policy(page_for, portfolio, csp_violations, label, viewport):
    page = page_for(viewport)
    page.goto(reverse("artifacts:home"))
    screenshot(page, f"csp-home-{label}")
    page.goto(reverse("artifacts:detail", args=[portfolio.slug]))
    assert page.get_by_role("heading", name=portfolio.title).is_visible()
    screenshot(page, f"csp-artifact-{label}")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    _no_violations(page, csp_violations, f"screenshots {label}")
