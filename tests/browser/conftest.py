"""Browser tests: Playwright (sync API) driving Debian's Chromium against live_server.

Chromium comes from Debian (`apt-get install chromium`), never from `playwright install`.
Without it these tests are skipped loudly, or fail under ENIGMA_REQUIRE_SERVICES=1 (CI).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import pytest

# Playwright's sync API runs an asyncio event loop in this thread, which makes Django
# refuse ORM calls from the test body (SynchronousOnlyOperation) unless told otherwise.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--lang=en-GB",  # date inputs in UK order, as the school's browsers show them
]
CSP_MARKERS = ("Refused to", "Content Security Policy")
# Impacts that fail a page; "moderate" and "minor" findings are printed, not failed.
AXE_FAILING_IMPACTS = {"serious", "critical"}
SCREENSHOT_DIR = "/tmp/shots"


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    """Debian's Chromium, or a loud skip naming the package (a failure in CI)."""
    from tests.services import need

    return need("chromium")


@pytest.fixture(scope="module")
def browser(chromium_executable):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_executable, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@dataclass
class ConsoleWatch:
    """Every console message and uncaught error from the pages it watches."""

    messages: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def watch(self, page) -> None:
        page.on("console", lambda m: self.messages.append(f"[{m.type}] {m.text} ({page.url})"))
        page.on("pageerror", lambda e: self.page_errors.append(f"{e} ({page.url})"))

    @property
    def csp_violations(self) -> list[str]:
        # Older Chromium says "Refused to ..."; newer says "... violates the following
        # Content Security Policy directive ...": match both.
        return [m for m in self.messages if any(s in m for s in CSP_MARKERS)]

    def assert_clean(self) -> None:
        problems = [f"CSP violation: {m}" for m in self.csp_violations]
        problems += [f"Page error: {e}" for e in self.page_errors]
        assert not problems, "The browser reported problems:\n  " + "\n  ".join(problems)


@pytest.fixture
def page(browser):
    """A page in a normal context (the site's CSP enforced), watched for CSP violations
    and page errors: the test calls page.console_watch.assert_clean()."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(10_000)
    page = context.new_page()
    watch = ConsoleWatch()
    watch.watch(page)
    page.console_watch = watch
    yield page
    context.close()


@pytest.fixture
def axe_context(browser):
    """new(storage_state=None): a context that BYPASSES the CSP, for axe scans only.

    axe-core is injected as a script, which the site's strict CSP rightly blocks; the
    main flow stays in a normal context so CSP violations are still caught there.
    """
    contexts = []

    def new(storage_state=None):
        context = browser.new_context(
            bypass_csp=True,
            viewport={"width": 1280, "height": 900},
            locale="en-GB",
            storage_state=storage_state,
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield new
    for context in contexts:
        context.close()


@pytest.fixture
def axe():
    """check(page, name): run axe-core; collect serious/critical violations by page name."""
    from axe_playwright_python.sync_playwright import Axe

    return AxeChecker(Axe())


class AxeChecker:
    def __init__(self, axe):
        self.axe = axe
        self.failures: dict[str, list[str]] = {}
        self.notes: dict[str, list[str]] = {}

    def check(self, page, name: str) -> None:
        results = self.axe.run(page)
        for violation in results.response.get("violations", []):
            lines = format_violation(violation)
            bucket = self.failures if violation.get("impact") in AXE_FAILING_IMPACTS else self.notes
            bucket.setdefault(name, []).extend(lines)

    def report(self) -> str:
        out = []
        for title, found in (("FAIL", self.failures), ("note", self.notes)):
            for name, lines in found.items():
                out.append(f"{title}: axe on {name}:")
                out.extend(f"    {line}" for line in lines)
        return "\n".join(out)


def format_violation(violation: dict) -> list[str]:
    lines = [
        f"[{violation.get('impact')}] {violation['id']}: {violation['help']} "
        f"({violation.get('helpUrl', '')})"
    ]
    for node in violation.get("nodes", [])[:10]:
        target = " ".join(str(t) for t in node.get("target", []))
        summary = " ".join((node.get("failureSummary") or "").split())
        lines.append(f"  - {target}: {node.get('html', '')[:160]}")
        if summary:
            lines.append(f"      {summary[:300]}")
    return lines
