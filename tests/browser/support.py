"""Helpers for the browser flows: a console/CSP watch and switching the signed-in person."""

import os
import re
from pathlib import Path
from time import monotonic

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
# Screenshots CI keeps (.ci/run points HUSKY_ARTIFACTS_DIR at a folder in the clone); gitignored locally.
ARTIFACTS = Path(os.environ.get("HUSKY_ARTIFACTS_DIR") or Path(__file__).resolve().parent / "artifacts")

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


# The navigation bar's unread badge polls every 60 s; it only reads (cases/notification_views.py), and reads
# run beside a write on PostgreSQL and on the tests' WAL SQLite file, so a test need not wait for it.
_READ_ONLY_POLLS = ("/cases/notifications/badge/",)
_WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


class WriteGuard:
    """Fails a browser test whose body writes to the database while the browser still waits for an answer
    (issue 18: such a write raced the live server's and failed with "database table is locked").

    It watches the context's requests and wraps the test thread's database connection: the live server's
    threads have their own connections, so only the test body's own INSERT/UPDATE/DELETE are checked. Call
    `settle(page)` before writing. The view of the requests is Playwright's as of its last call, so a
    request that is over but not yet reported counts as in flight: exactly the case settle() is for."""

    def __init__(self, context):
        self.in_flight: dict[object, str] = {}
        context.write_guard = self  # settle() waits for what it sees in flight
        context.on("request", self._start)
        context.on("requestfinished", self._end)
        context.on("requestfailed", self._end)

    def _start(self, request):
        if not request.url.split("?")[0].endswith(_READ_ONLY_POLLS):
            self.in_flight[request] = f"{request.method} {request.url}"

    def _end(self, request):
        self.in_flight.pop(request, None)

    def __call__(self, execute, sql, params, many, context):
        if self.in_flight and _WRITE.match(sql):
            pending = ", ".join(self.in_flight.values())
            pytest.fail(
                f"The test wrote to the database while the page was still requesting {pending}: "
                f"settle(page) first.\n{sql[:200]}"
            )
        return execute(sql, params, many, context)


def settle(page, timeout_s: float = 30) -> None:
    """Waits until the page has no request in flight: the navigation's network idle (500 ms with no network,
    the navigation bar's htmx badge and any other `hx-trigger="load"` panel included), then every request
    the context started since, which that idle state, reached once per navigation, does not wait for (an htmx
    click, a fetch). A test body writes to the database only after this, so its write never runs beside a
    request the live server is still answering (WriteGuard enforces it)."""
    page.wait_for_load_state("networkidle")
    guard = getattr(page.context, "write_guard", None)
    deadline = monotonic() + timeout_s
    while guard is not None and guard.in_flight:
        if monotonic() > deadline:
            pytest.fail(f"Still requesting after {timeout_s} s: {', '.join(guard.in_flight.values())}")
        page.wait_for_timeout(50)


def leave_page(page):
    """Let the page finish, then leave it for a blank one, where no request can start: before the session is
    forgotten or the clock travels, a page left open would poll (the bell) as nobody or past its session."""
    settle(page)
    page.goto("about:blank")


def switch_user(page, sign_in, username, password):
    """Another person at the same browser: leave the page, forget the session, sign in again."""
    leave_page(page)
    page.context.clear_cookies()
    return sign_in(username, password)


def artifact_screenshot(page, folder: str, name: str) -> Path:
    """A full-page screenshot under ARTIFACTS/folder/, the evidence a reviewer opens after a CI run."""
    path = ARTIFACTS / folder / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path


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


# WCAG 2.0 and 2.1, levels A and AA: what the portal promises; best-practice rules are advice, not failures.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
_AXE_RUN = """(tags) => axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]})
  .then((results) => results.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ")),
  })))"""


def accessibility_problems(page, base_url: str) -> list[str]:
    """axe-core's serious and critical WCAG A/AA violations on the page as it is now, one line each.

    axe-core is vendored under static/vendor/axe-core/ and loaded from the portal itself, like the portal's own
    scripts, so the page's CSP (script-src 'self') lets it run unchanged; an inline copy would be refused."""
    from django.templatetags.static import static

    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(url=base_url + static("vendor/axe-core/axe.min.js"))
    violations = page.evaluate(_AXE_RUN, AXE_TAGS)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {' | '.join(v['nodes'])}"
        for v in violations
        if v["impact"] in {"serious", "critical"}
    ]
