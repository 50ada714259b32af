"""Helpers for the browser flows: a console/CSP watch and switching the signed-in person."""

import os
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

# Logged as console errors by the page itself, so a violation of report-only policies is caught too.
_CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  const where = `${e.sourceFile}:${e.lineNumber}`;
  console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${where}`);
});
"""


class ConsoleWatch:
    """Collects what a person would call "the page is broken": console errors (CSP reports included),
    uncaught exceptions and server errors answered to the page's own requests."""

    def __init__(self, page):
        self.problems: list[str] = []
        page.add_init_script(_CSP_LISTENER)
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.problems.append(f"uncaught: {exc}"))
        page.on("response", self._response)

    def _console(self, msg):
        if msg.type == "error":
            self.problems.append(f"console: {msg.text} ({msg.location.get('url', '')})")

    def _response(self, response):
        if response.status >= 500:
            self.problems.append(f"HTTP {response.status}: {response.request.method} {response.url}")

    def assert_clean(self):
        if self.problems:
            pytest.fail("The browser reported problems:\n" + "\n".join(self.problems))


def settle(page):
    """Waits until the page has no request in flight (500 ms with no network, the navigation bar's htmx
    badge and any other `hx-trigger="load"` panel included). A test body writes to the database only
    after this, so its write never runs beside a request the live server is still answering."""
    page.wait_for_load_state("networkidle")


def switch_user(page, sign_in, username, password):
    """Another person at the same browser: forget the session, sign in again."""
    page.context.clear_cookies()
    return sign_in(username, password)


def doc_screenshot(page, name, *, width=1280, selector=None):
    """The README's screenshots, full page at `width` (only when asked: they change with every run)."""
    if not os.environ.get("HUSKY_DOC_SCREENSHOTS"):
        return
    DOCS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": width, "height": 900})
    target = page.locator(selector) if selector else page
    kwargs = {} if selector else {"full_page": True}
    target.screenshot(path=str(DOCS / f"{name}.png"), **kwargs)
    page.set_viewport_size({"width": 1360, "height": 900})
