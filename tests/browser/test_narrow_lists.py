"""The case list and the triage queue at 390 px (a phone): each row's state and priority are on screen without
scrolling the page sideways (issue 9 §4)."""

import pytest
from playwright.sync_api import expect

from cases.models import Case
from tests.browser.conftest import screenshot
from tests.browser.support import doc_screenshot
from tests.cases.factories import open_case
from tests.conftest import PASSWORD
from tests.servicetags.factories import UnitFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    yield page
    context.close()


def _sign_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("networkidle")


def _inside_the_viewport(locator) -> None:
    expect(locator).to_be_visible()
    box = locator.bounding_box()
    assert box is not None
    assert box["x"] >= 0, box
    assert box["x"] + box["width"] <= PHONE["width"], box


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


@pytest.fixture
def cases(reseller_user, mts_user):
    unit = UnitFactory(service_tag="ABC1234", reseller=reseller_user.organisation)
    long_title = "Drive 3 dropped from the array again after the controller firmware update last night"
    cases = [open_case(reseller_user, unit, escalate=True, title=long_title) for _ in range(2)]
    Case.objects.filter(pk=cases[0].pk).update(priority="p1_critical")  # priority follows the facts; set it here
    return cases


def test_the_case_list_shows_state_and_priority_at_390_px(live_server, phone, cases):
    _sign_in(phone, live_server, "reseller")
    phone.goto(f"{live_server.url}/cases/")
    row = phone.locator("tbody tr").filter(has_text=cases[0].number)
    _inside_the_viewport(row.locator(".state-badge:visible"))
    _inside_the_viewport(row.locator("[data-priority]:visible"))
    expect(row.locator("[data-priority]:visible")).to_have_text("P1")
    _inside_the_viewport(row.get_by_role("link", name=cases[0].number))
    _no_sideways_scroll(phone)
    screenshot(phone, "case-list-390")
    doc_screenshot(phone, "case-list-390", width=390)


def test_the_triage_queue_shows_state_and_priority_at_390_px(live_server, phone, cases):
    _sign_in(phone, live_server, "mts")
    phone.goto(f"{live_server.url}/cases/queue/")
    row = phone.locator("tbody tr").filter(has_text=cases[0].number)
    _inside_the_viewport(row.locator(".state-badge:visible"))
    expect(row.locator(".state-badge:visible")).to_have_text("In MTS queue (L2)")
    _inside_the_viewport(row.locator("[data-priority]:visible"))
    _inside_the_viewport(row.get_by_role("button", name="Take"))
    _no_sideways_scroll(phone)
    screenshot(phone, "triage-queue-390")
    doc_screenshot(phone, "triage-queue-390", width=390)
