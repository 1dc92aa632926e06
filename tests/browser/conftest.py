"""Pages in headless Chromium (the ``browser`` fixture of tests/chromium.py), and axe-core
from npm. Every browser test fails on a Content-Security-Policy violation in any page it opened."""

from __future__ import annotations

import datetime as dt
import importlib
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from artifacts.models import ArtifactLink, FairnessDimension, LinkState, Task
from artifacts.services import links
from tests.chromium import missing as _missing
from tests.conftest import program_staff_group

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
VIEWPORTS = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 375, "height": 812}}


# Reports each violation to the test (exposed as fpCspViolation) from the first moment of
# every document, before any of the page's own scripts run.
_REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.fpCspViolation({
    url: document.location.href,
    directive: event.effectiveDirective,
    blocked: event.blockedURI,
    sample: event.sample,
    source: event.sourceFile + ":" + event.lineNumber,
  });
}, true);
"""


class CspViolations:
    """What browsers reported as Content-Security-Policy violations during one test: the
    'securitypolicyviolation' events and Chromium's console messages about the policy."""

    def __init__(self) -> None:
        self.found: list[str] = []

    def watch(self, context: Any) -> None:
        context.expose_binding(
            "fpCspViolation", lambda _source, v: self.found.append(f"event: {v}")
        )
        context.add_init_script(_REPORT_VIOLATIONS)

    def watch_page(self, page: Any) -> None:
        def on_console(message: Any) -> None:
            if "Content Security Policy" in message.text:
                self.found.append(f"console on {page.url}: {message.text}")

        page.on("console", on_console)

    def clear(self) -> list[str]:
        found, self.found = self.found, []
        return found


@pytest.fixture(autouse=True)
def csp_violations() -> Iterator[CspViolations]:
    """Every browser test uses this: pages opened with ``page_for`` report here, and the
    test fails if any page broke the Content-Security-Policy."""
    violations = CspViolations()
    yield violations
    if violations.found:
        pytest.fail("Content-Security-Policy violations:\n" + "\n".join(violations.found))


@pytest.fixture
def page_for(browser, live_server, csp_violations):
    """Open a page at a named viewport (or {"width": …, "height": …}); yields a factory
    ``page_for("desktop")``."""
    contexts = []

    def open_page(viewport: str | dict[str, int] = "desktop", **options: Any) -> Any:
        """``options`` go to the browser context (``timezone_id="Europe/Berlin"``)."""
        size = VIEWPORTS[viewport] if isinstance(viewport, str) else viewport
        context = browser.new_context(viewport=size, base_url=live_server.url, **options)
        csp_violations.watch(context)
        context.on("page", csp_violations.watch_page)
        context.grant_permissions(["clipboard-read", "clipboard-write"])
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield open_page
    for context in contexts:
        context.close()


def screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Serious and critical axe-core violations on the page as it stands."""
    if not AXE.exists():
        _missing("axe-core (tests/browser/node_modules)")
    # Evaluated through the DevTools protocol: a <script> tag with axe inline would be (and
    # should be) refused by the page's Content-Security-Policy.
    page.evaluate(AXE.read_text())
    results = page.evaluate("async () => await axe.run(document)")
    return [v for v in results["violations"] if v["impact"] in ("serious", "critical")]


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


def log_in(page: Any) -> None:
    """Sign in to the admin as the demo's program staff member."""
    page.goto(reverse("admin:login"))
    page.get_by_label("Username").fill("staff")
    page.get_by_label("Password").fill("fairprog-demo")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/")
