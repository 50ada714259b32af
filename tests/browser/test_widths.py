"""Every main page of every role at 390 (a phone), 1024, 1280 and 1366 px: the page never scrolls sideways,
its primary action is on screen, not cut off at the edge of a table or the window, and axe-core finds no
serious or critical WCAG A/AA violation at 390 and 1280 px (the phone and the desktop layouts) (issue 18).

The pages are the navigation bar's own links and the user menu's (notifications, team members, integrations,
security log, API tokens, password, two-factor), read from the page, plus a case page, a unit page and the
new-case form; a page added to either menu is checked the day it appears. The account pages every role shares
(one template, nothing role-specific) are checked once, for the reseller admin; the admin twins of a role
(reseller admin, MTS admin) check their own home and menu pages, not again the bar the plain role checked.
Screenshots at 390 and 1280 px go to var/screenshots/widths-*.
"""

import importlib
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOTS
from tests.browser.support import accessibility_problems
from tests.cases.factories import open_case
from tests.conftest import PASSWORD
from tests.dispatch.factories import dispatch_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (390, 1024, 1280, 1366)
AXE_WIDTHS = (390, 1280)
HEIGHT = 900
ROLES = ("reseller", "reseller admin", "distributor", "mts", "mts admin", "dell")
USERNAMES = {"reseller admin": "reseller", "reseller": "reseller-agent", "mts admin": "mtsadmin"}
# Pages for everyone, the same for every role: checked for one role only (see the module's docstring).
SHARED = {"/team/tokens/", "/accounts/password_change/", "/accounts/2fa/"}
TWINS = {"reseller admin", "mts admin"}
ADMIN_PAGES = {"/team/team/", "/team/integrations/", "/team/security/", "/cases/notifications/"}
# What each role's navigation must at least hold, so a broken read of the bar cannot pass on no pages.
AT_LEAST = {
    "reseller": {"/", "/cases/", "/units/", "/units/transfers/", "/cases/notifications/"},
    "reseller admin": {"/", *ADMIN_PAGES, *SHARED},
    "distributor": {"/", "/cases/", "/units/", "/units/orders/", "/units/transfers/", *ADMIN_PAGES},
    "mts": {
        "/",
        "/cases/",
        "/cases/queue/",
        "/units/",
        "/units/transfers/",
        "/dispatch/queue/",
        "/dispatch/schedule/",
        "/dispatch/coverage/",
        "/cases/notifications/",
    },
    "mts admin": {"/", *ADMIN_PAGES},
    "dell": {"/", "/units/transfers/", "/dispatch/queue/", "/dispatch/schedule/", "/cases/notifications/"},
}
# Pages no menu links to, by role: the form a partner opens cases with, a unit's page.
EXTRA = {
    "reseller": ["/cases/new/", "/units/ABC1234/"],
    "distributor": ["/cases/new/"],
    "mts": ["/units/ABC1234/"],
}


@pytest.fixture
def world(reseller_user, reseller_agent, distributor_user, mts_user, mts_admin, dell_user, unit):
    """A case at the reseller, one in the MTS queue and one with Dell: each role has a case with an action."""
    from django.apps import apps

    importlib.import_module("dispatch.migrations.0002_seed_coverage").seed(apps, None)  # a flush empties it
    at_reseller = open_case(reseller_user, unit, title="Recording stops on drive 3 after the firmware update")
    in_queue = open_case(reseller_user, unit, escalate=True, title="Camera stream stutters on every recorder")
    with_dell = dispatch_for(reseller_user, mts_user, unit).case
    return {
        "reseller": at_reseller,
        "reseller admin": at_reseller,
        "distributor": at_reseller,
        "mts": in_queue,
        "mts admin": in_queue,
        "dell": with_dell,
    }


_NEXT_FRAME = "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"


def _primary(page, role: str, path: str):
    """The one control a person comes to this page for; a page without one offers its heading."""
    main = page.locator("main")
    if path == "/cases/new/":
        return main.get_by_role("button", name="Open and send to MTS")
    if path == "/cases/notifications/":
        return main.get_by_role("button", name="Save")
    if path == "/cases/queue/":
        return main.get_by_role("button", name="Take").first
    if path == "/dispatch/queue/":
        return page.locator("#dispatch-queue tbody tr").first.get_by_role("link").first
    if path.startswith("/cases/") and re.fullmatch(r"/cases/[\w-]+/", path) and path != "/cases/new/":
        if role == "dell":
            return page.locator("#dispatch").get_by_role("button", name="Accept")
        actions = page.locator("section[aria-labelledby=actions-h]")
        buttons = actions.get_by_role("button")
        return buttons.first if buttons.count() else actions.get_by_role("heading", name="What you can do")
    if role in {"reseller", "reseller admin", "distributor"} and path in {"/", "/cases/"}:
        return main.get_by_role("link", name="Open a case").first
    if role == "distributor" and path in {"/units/", "/units/orders/"}:
        return main.get_by_role("link", name="New order")
    if role == "reseller" and path == "/units/transfers/":
        return main.get_by_role("link", name="File transfer").first
    if role in {"mts", "mts admin"} and path == "/":
        return main.get_by_role("link", name=re.compile("^Open the queue"))
    return main.get_by_role("heading", level=1)


def _on_screen_across(locator, width: int) -> None:
    """Visible, and its whole width inside the window: not clipped by a table that scrolls on its own."""
    expect(locator).to_be_visible()
    box = locator.bounding_box()
    assert box is not None
    assert box["x"] >= 0, box
    assert box["x"] + box["width"] <= width, box


def _pages(page, role: str) -> list[str]:
    """The bar's and the user menu's links (not the API docs or Django's admin), read from the page."""
    bar = page.locator("nav[aria-label='Main navigation']")
    nav = [link.get_attribute("href") for link in bar.locator(".navbar-nav").first.get_by_role("link").all()]
    menu = [link.get_attribute("href") for link in bar.locator(".dropdown-menu a.dropdown-item").all()]
    menu = [path for path in menu if not path.startswith(("/api/", "/admin/"))]
    paths = list(dict.fromkeys(nav + menu))
    assert AT_LEAST[role] <= set(paths), paths
    if role in TWINS:
        paths = [path for path in paths if path == "/" or path not in nav]
    if role != "reseller admin":
        paths = [path for path in paths if path not in SHARED]
    return paths


@pytest.mark.parametrize("role", ROLES)
def test_every_main_page_fits_and_shows_its_primary_action_at_every_width(
    role, live_server, page, sign_in, world, console
):
    case = world[role]
    page.set_viewport_size({"width": 1366, "height": HEIGHT})  # the bar unfolded for every role
    sign_in(USERNAMES.get(role, role), PASSWORD)
    paths = [*_pages(page, role), *EXTRA.get(role, []), f"/cases/{case.number}/"]
    problems: list[str] = []  # every page's, so one run names them all

    for path in paths:
        # Loaded once and resized: the layout is CSS media queries, which a resize re-applies, and one load
        # per page instead of four keeps the six roles' run short.
        page.set_viewport_size({"width": WIDTHS[0], "height": HEIGHT})
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": HEIGHT})
            page.evaluate(_NEXT_FRAME)
            where = f"{role} {path} at {width} px"
            sideways = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
            if sideways[0] > sideways[1]:
                problems.append(f"{where} scrolls sideways: {sideways}")
            _on_screen_across(_primary(page, role, path), width)
            if path.startswith("/cases/HSK"):
                # On a phone what the person can do comes before the case's long timeline, not after it.
                actions = page.locator("#actions-h").bounding_box()
                timeline = page.locator("#timeline").bounding_box()
                assert actions is not None
                assert timeline is not None
                assert actions["y"] < timeline["y"], where
                # ...and within the first two screens whatever the timeline's length (it was 6,000 px down).
                assert actions["y"] < 2 * HEIGHT, f"{where}: the actions start {actions['y']:.0f} px down"
            if width in AXE_WIDTHS:
                problems.extend(f"{where}: {problem}" for problem in accessibility_problems(page, live_server.url))
                name = re.sub(r"[^a-z0-9]+", "-", path.strip("/").lower()) or "home"
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(SCREENSHOTS / f"widths-{role.replace(' ', '-')}-{name}-{width}.png"))
    assert problems == [], "\n".join(problems)


def test_the_sign_in_page_fits_and_is_accessible(live_server, page, console):
    problems = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": HEIGHT})
        page.goto(f"{live_server.url}/accounts/login/")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), width
        _on_screen_across(page.get_by_role("button", name="Sign in"), width)
        if width in AXE_WIDTHS:
            problems.extend(f"{width} px: {problem}" for problem in accessibility_problems(page, live_server.url))
    assert problems == [], "\n".join(problems)
