"""Dell's level in the browser: an onsite dispatch where Dell ships a part, completes the visit with the part
fitted and has the faulty part picked up, read by the reseller, MTS and Dell at each step; Dell's home, whose
tiles lead to the filtered queue (with its flags on a phone), and the visit schedule.

With HUSKY_DOC_SCREENSHOTS=1 the tests also write docs/screenshots/dell-home.png and dell-schedule.png.
"""

import importlib
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import Case
from dispatch import services
from dispatch.models import Dispatch
from tests.browser.conftest import screenshot
from tests.browser.support import doc_screenshot, settle, switch_user
from tests.conftest import PASSWORD
from tests.dispatch.factories import bulk_dispatches, dispatch_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def coverage():
    """The coverage table is seeded by a migration, which an earlier transactional test's flush empties."""
    from django.apps import apps

    importlib.import_module("dispatch.migrations.0002_seed_coverage").seed(apps, None)


def _on_site(day: date) -> str:
    return f"{day.day} {day:%b}"  # the parts table's "j M"


def test_an_onsite_part_is_shipped_fitted_and_picked_up_and_everyone_reads_it(
    live_server, page, sign_in, reseller_user, mts_user, dell_user, unit, coverage, console
):
    # A dispatch whose visit started an hour ago, booked yesterday (the services take `now`: time travel).
    real_now = timezone.now()
    dispatch = dispatch_for(reseller_user, mts_user, unit, now=real_now - timedelta(days=1))
    services.dispatch_transition(
        actor=dell_user,
        dispatch=dispatch,
        action="accept",
        version=dispatch.version,
        now=real_now - timedelta(days=1),
        dispatch_number="DSP-5550101",
    )
    dispatch.refresh_from_db()
    services.dispatch_transition(
        actor=dell_user,
        dispatch=dispatch,
        action="schedule",
        version=dispatch.version,
        now=real_now - timedelta(days=1),
        visit_start_at=real_now - timedelta(hours=1),
        visit_end_at=real_now + timedelta(hours=2),
    )
    case = dispatch.case
    site_today = real_now.astimezone(ZoneInfo(dispatch.site_timezone)).date()
    due_back = site_today + timedelta(days=10)

    # Dell lists the replacement power supply and ships it with its carrier and tracking number.
    sign_in("dell", PASSWORD)
    page.goto(f"{live_server.url}/cases/{case.number}/")
    panel = page.locator("#dispatch")
    expect(page.locator("#case-todos")).to_contain_text("Report how the visit went")
    panel.get_by_text("Add a replacement part").click()
    panel.get_by_label("Part number").fill("0PSU495")
    panel.get_by_label("Description").fill("495 W power supply")
    panel.get_by_label("Hard drive").uncheck()
    panel.get_by_role("button", name="Add part").click()
    expect(page.get_by_role("alert")).to_contain_text("Part added.")
    steps = page.locator("#part-steps")
    steps.get_by_label("Carrier").fill("DHL Express")
    steps.get_by_label("Tracking number").fill("JD014600003828")
    steps.get_by_role("button", name="Shipped today").click()
    expect(page.get_by_role("alert")).to_contain_text("0PSU495 (495 W power supply) shipped.")
    expect(panel).to_contain_text("DHL Express JD014600003828")
    screenshot(page, "onsite-part-shipped-dell")
    settle(page)

    # The reseller and MTS read it shipped, with the tracking number; neither is offered Dell's part steps.
    for who in ("reseller", "mts"):
        switch_user(page, sign_in, who, PASSWORD)
        page.goto(f"{live_server.url}/cases/{case.number}/")
        parts = page.locator("#dispatch table")
        expect(parts).to_contain_text("DHL Express JD014600003828")
        expect(parts).to_contain_text(f"shipped {_on_site(site_today)}")
        expect(parts).to_contain_text("returned after delivery")
        if who == "reseller":
            expect(page.locator("#part-steps")).to_have_count(0)
        settle(page)

    # Dell completes the visit, ticking the part the technician fitted.
    switch_user(page, sign_in, "dell", PASSWORD)
    page.goto(f"{live_server.url}/cases/{case.number}/")
    panel = page.locator("#dispatch")
    panel.get_by_label("How did the visit go?").select_option(label="Completed")
    panel.get_by_label("0PSU495 × 1 495 W power supply").check()
    panel.get_by_role("button", name="Report outcome").click()
    expect(page.get_by_role("alert")).to_contain_text("Visit completed")
    expect(page.locator("#part-steps")).to_contain_text(
        f"fitted on site {site_today:%a} {site_today.day} {site_today:%b}; faulty part due back by "
        f"{due_back:%a} {due_back.day} {due_back:%b}"
    )
    expect(page.locator("#timeline")).to_contain_text("completed; 1 part fitted")
    expect(page.locator("#case-todos")).to_contain_text("Record the faulty part's pickup")
    screenshot(page, "onsite-part-fitted-dell")
    settle(page)

    for who in ("reseller", "mts"):
        switch_user(page, sign_in, who, PASSWORD)
        page.goto(f"{live_server.url}/cases/{case.number}/")
        parts = page.locator("#dispatch table")
        expect(parts).to_contain_text(f"delivered {_on_site(site_today)}")
        expect(parts).to_contain_text(f"due back {due_back:%a} {due_back.day} {due_back:%b}")
        expect(page.locator("#dispatch")).to_contain_text("Completed")
        settle(page)

    # The courier collected the faulty supply: Dell records the pickup; the clock stops for everyone.
    switch_user(page, sign_in, "dell", PASSWORD)
    page.goto(f"{live_server.url}/cases/{case.number}/")
    page.locator("#dispatch table").get_by_role("button", name="Picked up today").click()
    expect(page.get_by_role("alert")).to_contain_text("Faulty part of 0PSU495 (495 W power supply) picked up.")
    expect(page.locator("#timeline")).to_contain_text("faulty part picked up")
    settle(page)
    for who in ("reseller", "mts"):
        switch_user(page, sign_in, who, PASSWORD)
        page.goto(f"{live_server.url}/cases/{case.number}/")
        expect(page.locator("#dispatch table")).to_contain_text(f"returned {_on_site(site_today)}")
        expect(page.locator("#dispatch table")).not_to_contain_text("overdue")
        settle(page)
    part = Dispatch.objects.get(pk=dispatch.pk).parts.get()
    assert (part.fitted_on, part.delivered_on, part.returned_on) == (site_today, site_today, site_today)


def _week_of_visits(reseller_org, dell_org) -> list[Dispatch]:
    """Booked visits this week at sites in Copenhagen, Los Angeles and Riyadh, one with its NBD missed."""
    now = timezone.now()
    rows = bulk_dispatches(6, reseller=reseller_org, dell_org=dell_org)
    places = [
        ("DK", "Europe/Copenhagen", "Copenhagen", 0, 9, "Drive 3 dropped from the RAID set"),
        ("US", "America/Los_Angeles", "Los Angeles", 0, 13, "Power supply 2 failed"),
        ("SA", "Asia/Riyadh", "Riyadh", 1, 10, "Memory errors on DIMM B2"),
        ("DK", "Europe/Copenhagen", "Aarhus", 2, 14, "System board: no POST"),
        ("US", "America/Los_Angeles", "San Diego", 3, 8, "NIC 1 link flapping"),
        ("DK", "Europe/Copenhagen", "Odense", -1, 9, "Drive 1 predictive failure"),
    ]
    for row, (country, zone, city, days, hour, title) in zip(rows, places, strict=True):
        Case.objects.filter(pk=row.case_id).update(site_city=city, site_country=country, title=title)
        local = now.astimezone(ZoneInfo(zone)).date() + timedelta(days=days)
        start = datetime.combine(local, time(hour), tzinfo=ZoneInfo(zone))
        Dispatch.objects.filter(pk=row.pk).update(
            site_country=country,
            site_timezone=zone,
            visit_start_at=start,
            visit_end_at=start + timedelta(hours=3),
            nbd_target_on=local,
            dispatch_number=f"DSP-55{row.pk:05d}",
        )
    late = rows[-1]
    Dispatch.objects.filter(pk=late.pk).update(
        nbd_target_on=now.date() - timedelta(days=2), nbd_missed_at=now - timedelta(days=1)
    )
    return rows


def test_dells_home_leads_to_its_queue_and_the_queue_shows_flags_on_a_phone(
    live_server, page, sign_in, reseller_user, reseller_org, mts_user, dell_user, unit, coverage, console
):
    rows = _week_of_visits(reseller_org, dell_user.organisation)  # first: bulk rows take every L3 case
    requested = dispatch_for(reseller_user, mts_user, unit, now=timezone.now())
    missed = rows[-1]

    sign_in("dell", PASSWORD)
    expect(page.locator("#tile-to_accept")).to_contain_text("1")
    expect(page.locator("#tile-nbd_missed")).to_contain_text("1")
    doc_screenshot(page, "dell-home")
    page.locator("#tile-to_accept").click()
    expect(page.locator("#waiting-filter")).to_contain_text("To accept")
    queue = page.locator("#dispatch-queue tbody")
    expect(queue.locator("tr")).to_have_count(1)
    expect(queue).to_contain_text(requested.case.number)

    # On a phone the filtered queue still shows each row's flags.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/")
    page.locator("#tile-nbd_missed").click()
    row = page.locator("#dispatch-queue tbody tr").filter(has_text=missed.case.number)
    flag = row.get_by_text("NBD missed")
    expect(flag).to_be_visible()
    box = flag.bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= 390

    # The schedule: this week's visits by the site's day, in site time with Dell's own beside.
    page.set_viewport_size({"width": 1360, "height": 900})
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Visit schedule").click()
    expect(page.get_by_role("heading", name="Visit schedule")).to_be_visible()
    for row in rows:
        start = Dispatch.objects.get(pk=row.pk).visit_start_at
        local = start.astimezone(ZoneInfo(Dispatch.objects.get(pk=row.pk).site_timezone))
        monday = timezone.now().astimezone(ZoneInfo("America/Chicago")).date()
        monday -= timedelta(days=monday.weekday())
        if monday <= local.date() <= monday + timedelta(days=6):
            expect(page.locator("#schedule")).to_contain_text(row.case.number)
    expect(page.locator("#schedule")).to_contain_text("your time")
    doc_screenshot(page, "dell-schedule")
    page.get_by_label("Country").select_option("US")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#schedule")).not_to_contain_text("Europe/Copenhagen")
