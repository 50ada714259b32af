"""Two-factor sign-in in the browser: an MTS technician must set it up, then signs in with a recovery code;
the API reference (ReDoc) works under the CSP without anything from outside the portal."""

from base64 import b32decode
from urllib.parse import urlparse

import pytest
from django_otp.oath import totp

from tests.browser.conftest import screenshot
from tests.browser.support import switch_user
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_mts_sets_up_two_factor_and_signs_in_with_a_recovery_code(
    live_server, page, sign_in, mts_user, console, settings
):
    settings.HUSKY_REQUIRE_2FA = True
    sign_in("mts", PASSWORD)
    assert "/accounts/2fa/" in page.url
    assert "requires two-factor sign-in" in page.get_by_role("alert").inner_text()
    page.get_by_role("button", name="Set up an authenticator app").click()
    assert page.get_by_role("img", name="QR code of your authenticator secret").is_visible()
    screenshot(page, "two-factor-setup")
    secret = page.locator("[data-totp-secret]").inner_text().strip()
    code = f"{totp(b32decode(secret)):06d}"
    page.get_by_role("textbox", name="Code").fill(code)
    page.get_by_role("button", name="Turn on").click()
    codes = page.locator("[data-recovery-codes] li").all_inner_texts()
    assert len(codes) == 10
    screenshot(page, "two-factor-recovery-codes")
    page.get_by_role("link", name="Done, continue").click()
    assert page.get_by_role("heading", level=1).is_visible()

    switch_user(page, sign_in, "mts", PASSWORD)
    assert "/accounts/2fa/verify/" in page.url
    screenshot(page, "two-factor-verify")
    page.get_by_role("textbox", name="Code").fill(codes[0])
    page.get_by_role("button", name="Verify").click()
    page.wait_for_load_state("networkidle")
    assert "/accounts/2fa/" not in page.url
    assert "Milestone Technical Support" in page.locator("nav").inner_text()
    console.assert_clean()


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_the_api_reference_renders_under_the_csp_with_nothing_from_outside(live_server, page, console, path):
    outside = []
    here = urlparse(live_server.url).netloc
    page.on("request", lambda r: outside.append(r.url) if urlparse(r.url).netloc not in {here, ""} else None)
    page.goto(f"{live_server.url}{path}")
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Husky Support API").first.is_visible()
    assert page.get_by_text("/api/v1/cases/").first.is_visible()
    assert outside == []
    console.assert_clean()
