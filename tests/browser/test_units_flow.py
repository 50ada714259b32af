"""Units from order to registered final location, driven through the real pages in Chromium.

A distributor creates a reseller's order by pasting service tags; the reseller files a service-tag
transfer for one unit; MTS confirms it on the confirmation queue; the unit page then says its final
location is registered with Dell.
"""

import importlib
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from servicetags.models import ServiceTagTransfer, TransferStatus, Unit
from tests.browser.conftest import screenshot
from tests.browser.support import doc_screenshot, switch_user
from tests.conftest import PASSWORD
from tests.servicetags.factories import TransferFactory, UnitFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_order_to_registered_final_location(
    live_server, page, sign_in, distributor_user, reseller_user, mts_user, console
):
    # The distributor enters the reseller's Milestone Store order, pasting two service tags.
    sign_in("distributor", PASSWORD)
    page.get_by_role("link", name="Orders").click()
    page.get_by_role("link", name="New order").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New order")
    page.get_by_label("Reseller").select_option(label="Copenhagen Reseller")
    page.get_by_label("Milestone Store order number").fill("MS-2026-0042")
    page.get_by_label("End customer").fill("Harbour Logistics A/S")
    page.get_by_label("Shipped on").fill("2026-03-02")
    page.get_by_label("Address line 1").fill("Havnegade 1")
    page.get_by_label("Postal code").fill("1058")
    page.get_by_label("City").fill("Copenhagen")
    page.get_by_label("Search countries by name or code…").fill("Denmark")
    expect(page.get_by_role("combobox", name=re.compile(r"^Country\*?$"))).to_have_value("DK")
    # Denmark has one zone: the picker derives it.
    expect(page.get_by_label("Time zone", exact=True)).to_have_value("Europe/Copenhagen")
    page.get_by_label("Model").select_option(label="Husky IVO 350R")
    page.get_by_label("Warranty start on").fill("2026-03-02")
    page.get_by_label("Warranty end on").fill("2029-03-01")
    page.get_by_label("NBD onsite").check()
    page.get_by_label("Service tags").fill(" 7xk2m93\n8YL3N04 \n")
    screenshot(page, "flow-order-form")
    page.get_by_role("button", name="Create order").click()

    expect(page.get_by_role("alert")).to_contain_text("with 2 unit(s) was created for Copenhagen Reseller")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Milestone Store MS-2026-0042")
    units_table = page.get_by_role("table")
    expect(units_table.get_by_role("row")).to_have_count(3)
    for tag in ("7XK2M93", "8YL3N04"):
        row = units_table.get_by_role("row").filter(has=page.get_by_role("link", name=tag, exact=True))
        expect(row).to_contain_text("Husky IVO 350R")
        expect(row).to_contain_text("Not registered")
    assert set(Unit.objects.values_list("service_tag", flat=True)) == {"7XK2M93", "8YL3N04"}

    # The reseller registers where the first unit finally stands.
    switch_user(page, sign_in, "reseller", PASSWORD)
    page.get_by_role("link", name="Units").click()
    page.get_by_role("link", name="7XK2M93", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Final location not registered.")
    page.get_by_role("link", name="File a service-tag transfer").click()
    expect(page.get_by_label("Address line 1")).to_have_value("Havnegade 1")  # pre-filled
    page.get_by_label("Address line 1").fill("Strandvejen 100")
    page.get_by_label("Postal code").fill("2900")
    page.get_by_label("City").fill("Hellerup")
    page.get_by_label("Site contact", exact=True).fill("Mette Jensen")
    page.get_by_label("Site contact email").fill("mette@example.dk")
    page.get_by_role("button", name="Submit to Dell").click()
    expect(page.get_by_role("alert")).to_contain_text("was submitted to Dell")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Submitted")
    transfer = ServiceTagTransfer.objects.get()
    page.get_by_role("link", name="7XK2M93").click()
    expect(page.get_by_role("status")).to_contain_text(f"transfer {transfer.number} awaits Dell's confirmation")

    # MTS confirms it from the confirmation queue.
    switch_user(page, sign_in, "mts", PASSWORD)
    page.get_by_role("link", name="Transfers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Transfer confirmation queue")
    awaiting = page.get_by_role("row").filter(has_text="7XK2M93")
    expect(awaiting).to_contain_text("Hellerup, DK")
    expect(awaiting).to_contain_text("Submitted")
    screenshot(page, "flow-transfer-confirmation-queue")
    awaiting.get_by_role("link", name=transfer.number).click()
    page.get_by_label("Dell reference").fill("DELL-778812")
    page.get_by_role("button", name="Confirm transfer").click()
    expect(page.get_by_role("alert")).to_contain_text(f"Transfer {transfer.number} was confirmed")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Confirmed")

    # The unit page now says the final location is registered, at the new address.
    page.get_by_role("link", name="7XK2M93").click()
    expect(page.get_by_role("status").filter(has_text="Final location")).to_contain_text(
        "Final location registered with Dell"
    )
    expect(page.locator("address")).to_contain_text("Strandvejen 100")
    expect(page.locator("address")).to_contain_text("2900 Hellerup")
    expect(page.get_by_text(f"Registered by {transfer.number}")).to_be_visible()
    expect(page.get_by_text("Checking Dell onsite eligibility")).to_have_count(0)  # the htmx panel loaded
    screenshot(page, "flow-unit-registered")

    # The reseller sees the same, and the other unit is still waiting for its transfer.
    switch_user(page, sign_in, "reseller", PASSWORD)
    page.get_by_role("link", name="Units").click()
    registered = page.get_by_role("row").filter(has=page.get_by_role("link", name="7XK2M93", exact=True))
    expect(registered).to_contain_text(re.compile("Final location registered"))
    pending = page.get_by_role("row").filter(has=page.get_by_role("link", name="8YL3N04", exact=True))
    expect(pending).to_contain_text("Not registered")
    console.assert_clean()


def test_a_new_york_unit_seen_from_copenhagen_shows_new_york_time(live_server, page, sign_in, reseller_user, console):
    """Issue 9: the site's clock (New York) with the viewer's (Copenhagen) beside it, also on the transfers.
    With HUSKY_DOC_SCREENSHOTS=1 it writes docs/screenshots/unit-page-site-time.png."""
    from django.apps import apps

    importlib.import_module("dispatch.migrations.0002_seed_coverage").seed(apps, None)  # a flush empties it
    reseller_user.timezone = "Europe/Copenhagen"
    reseller_user.save(update_fields=["timezone"])
    unit = UnitFactory(
        service_tag="NYC0001",
        reseller=reseller_user.organisation,
        end_customer_name="Hudson Freight LLC",
        address_line1="1 Wall St",
        city="New York",
        postal_code="10005",
        country="US",
        subdivision="US-NY",
        timezone="America/New_York",
    )
    TransferFactory(
        unit=unit,
        status=TransferStatus.SUBMITTED,
        address_line1="200 Park Ave",
        city="New York",
        postal_code="10166",
        country="US",
        subdivision="US-NY",
        timezone="America/New_York",
        submitted_at=datetime.now(UTC) - timedelta(hours=3),
        expected_confirmation_on=(datetime.now(UTC) + timedelta(days=9)).date(),
    )
    sign_in("reseller", PASSWORD)
    page.goto(f"{live_server.url}/units/NYC0001/")
    expect(page.get_by_text("Checking Dell onsite eligibility")).to_have_count(0)  # the htmx card loaded
    before = datetime.now(UTC)
    site = page.locator("[data-site-now]").inner_text()
    viewer = page.locator("[data-viewer-now]").inner_text()
    after = datetime.now(UTC)

    def readings(zone):  # the minute may turn between the page's read of the clock and ours
        return {moment.astimezone(ZoneInfo(zone)).strftime("%a %H:%M") for moment in (before, after)} | {
            (before - timedelta(minutes=1)).astimezone(ZoneInfo(zone)).strftime("%a %H:%M")
        }

    assert site in readings("America/New_York")
    assert viewer in readings("Europe/Copenhagen")
    transfers = page.get_by_role("table").filter(has_text="Destination")
    expect(transfers).to_contain_text("your time")
    expect(transfers).to_contain_text("at the site")
    screenshot(page, "unit-page-site-time")
    doc_screenshot(page, "unit-page-site-time")
    console.assert_clean()
