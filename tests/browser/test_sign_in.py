"""A person signs in and lands on the home page of their organisation kind."""

import pytest

from tests.browser.conftest import screenshot
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reseller_signs_in_and_sees_their_dashboard(live_server, page, sign_in, reseller_user, console):
    page.goto(f"{live_server.url}/accounts/login/")
    screenshot(page, "login")
    sign_in("reseller", PASSWORD)
    assert page.get_by_role("heading", level=1).inner_text().startswith("Good to see you")
    assert "Copenhagen Reseller" in page.locator("nav").inner_text()
    screenshot(page, "home-reseller")
    # The strict CSP (script-src 'self') must not block any of our own scripts, nor anything else fail.
    console.assert_clean()


def test_wrong_password_shows_a_message_not_an_error_page(live_server, page, reseller_user):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("reseller")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").is_visible()
    assert "correct username and password" in page.get_by_role("alert").inner_text()
