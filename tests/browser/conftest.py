"""Headless Chromium (Debian's package) driven by Playwright against Django's live server."""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("HUSKY_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        if os.environ.get("HUSKY_REQUIRE_BROWSER"):
            pytest.fail(f"{CHROMIUM} is missing; install Debian's chromium package")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test body
    # are still synchronous and safe here.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh context's page; the test body may not write to the database while it requests (WriteGuard)."""
    from django.db import connection

    from tests.browser.support import WriteGuard

    context = browser.new_context(viewport={"width": 1360, "height": 900})
    page = context.new_page()
    with connection.execute_wrapper(WriteGuard(context)):
        yield page
    context.close()


@pytest.fixture
def console(page):
    """Fails the test if the page logs an error, breaks the CSP, throws, or gets a 5xx."""
    from tests.browser.support import ConsoleWatch

    watch = ConsoleWatch(page)
    yield watch
    watch.assert_clean()


@pytest.fixture
def sign_in(live_server, page):
    """Sign in through the real login form; returns the page on the user's dashboard."""

    def do(username, password):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state("networkidle")
        return page

    return do


def screenshot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
