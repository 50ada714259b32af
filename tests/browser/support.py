"""Helpers for the browser flows: a console/CSP watch and switching the signed-in person."""

import pytest

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


def switch_user(page, sign_in, username, password):
    """Another person at the same browser: forget the session, sign in again."""
    page.context.clear_cookies()
    return sign_in(username, password)
