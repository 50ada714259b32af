"""The coverage page in the browser: an MTS admin edits one country's row and adds a holiday override,
and both show in the change history. With HUSKY_DOC_SCREENSHOTS=1 it writes docs/screenshots/coverage.png."""

import importlib

import pytest
from playwright.sync_api import expect

from dispatch.models import Coverage
from partners.models import HolidayOverride, ReferenceChange
from tests.browser.conftest import SCREENSHOTS, screenshot
from tests.browser.test_dispatch_flow import doc_screenshot
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def coverage():
    """The coverage table is seeded by a migration, which an earlier transactional test's flush empties."""
    from django.apps import apps

    importlib.import_module("dispatch.migrations.0002_seed_coverage").seed(apps, None)


def test_mts_admin_edits_a_coverage_row_and_adds_an_override(live_server, page, sign_in, mts_admin, coverage, console):
    Coverage.objects.filter(country="DK").update(kyhd_available=True, notes="")
    sign_in("mtsadmin", PASSWORD)
    page.get_by_role("link", name="Coverage", exact=True).click()
    expect(page.get_by_role("heading", name="Dell coverage")).to_be_visible()

    row = page.locator("#coverage-DK")
    expect(row).to_contain_text("Denmark")
    row.get_by_role("button", name="Edit Denmark").click()
    form = page.locator("#edit-DK")
    expect(form).to_be_visible()
    form.get_by_label("KYHD").uncheck()
    form.get_by_label("Cut-off").fill("15:30")
    form.get_by_label("Notes").fill("Bornholm: second business day")
    form.scroll_into_view_if_needed()
    form.screenshot(path=str(SCREENSHOTS / "coverage-edit-row.png"))
    form.get_by_role("button", name="Save Denmark").click()

    expect(page.get_by_role("alert").filter(has_text="Coverage of Denmark saved.")).to_be_visible()
    expect(page.locator("#coverage-DK")).to_contain_text("15:30")
    history = page.locator("#history-table")
    expect(history).to_contain_text("KYHD: yes → no")
    expect(history).to_contain_text("Cut-off: 17:00 → 15:30")

    page.get_by_role("button", name="Add an override").click()
    add = page.locator("#override-add-form")
    expect(add).to_be_visible()
    add.get_by_label("Search countries by name or code…").fill("denm")
    add.get_by_label("Date").fill("2026-12-23")
    add.get_by_label("The day is").select_option("closed")
    add.get_by_label("Note").fill("Office closed between the holidays")
    add.get_by_role("button", name="Add override").click()

    expect(page.get_by_role("alert").filter(has_text="Override added")).to_be_visible()
    expect(page.locator("#override-table")).to_contain_text("Wed 23 Dec 2026")
    expect(page.locator("#override-table")).to_contain_text("Office closed between the holidays")
    expect(history.locator("tbody tr").first).to_contain_text("Holiday override DK 2026-12-23")
    override = HolidayOverride.objects.get()
    assert (override.country, override.kind, override.updated_by) == ("DK", "closed", mts_admin)
    assert ReferenceChange.objects.filter(changed_by=mts_admin).count() == 4  # kyhd, cutoff, notes, created

    page.locator("#coverage-heading").scroll_into_view_if_needed()
    screenshot(page, "coverage")
    doc_screenshot(page, "coverage")
