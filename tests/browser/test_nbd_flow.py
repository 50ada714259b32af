"""docs/rules.md rules 8 and 9 in the browser: an onsite visit moved past the NBD target at the customer's request
(late, with the fee), a visit where the representative was absent, then a completed one; at each step the
reseller, MTS and Dell read in the dispatch panel what happened, in words.

Time travel: time_machine moves the clock of the whole process, the live server's included; the browser only
shows what the server answers. With HUSKY_DOC_SCREENSHOTS=1, screenshots of the panel with the miss and its
cause go to docs/screenshots/."""

from __future__ import annotations

import importlib
import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from dispatch import sweeps
from dispatch.nbd import target_day_ends_at
from tests.browser.support import doc_screenshot, leave_page, settle, switch_user
from tests.conftest import PASSWORD
from tests.dispatch.factories import dispatch_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CUSTOMER_MISS = "NBD missed: the visit was moved past the target at the customer's request"
RAW_CODES = re.compile(r"customer_reschedule|representative_absent|security_clearance_pending|dell_booked_late")


@pytest.fixture
def coverage():
    from django.apps import apps

    importlib.import_module("dispatch.migrations.0002_seed_coverage").seed(apps, None)


def _local(day, hour: int, zone: str) -> str:
    return datetime.combine(day, time(hour)).strftime("%Y-%m-%dT%H:%M")


def _short(day) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def _panel(page, live_server, case):
    page.goto(f"{live_server.url}/cases/{case.number}/")
    panel = page.locator("#dispatch")
    expect(panel).to_be_visible()
    return panel


def _shot(page, name):
    # The README's copies, only when asked: written on every run they dirtied the clone's tracked files.
    doc_screenshot(page, name, width=1360, selector="#dispatch")


def test_a_late_customer_reschedule_a_representative_absent_and_a_completed_visit_read_by_all_three(
    live_server, page, sign_in, reseller_user, mts_user, dell_user, unit, coverage, console
):
    now = timezone.now()
    dispatch = dispatch_for(reseller_user, mts_user, unit, now=now, title="Drive 3 failed")
    case = dispatch.case
    zone, target = dispatch.site_timezone, dispatch.nbd_target_on
    later = target + timedelta(days=3)

    # Dell accepts and books the visit on the target day; nothing to warn about.
    sign_in("dell", PASSWORD)
    panel = _panel(page, live_server, case)
    panel.get_by_label("Dell dispatch number").fill("DSP-5550001")
    panel.get_by_role("button", name="Accept").click()
    expect(panel).to_contain_text("Accepted by Dell")
    panel.get_by_label("Starts").fill(_local(target, 10, zone))
    panel.get_by_label("Ends").fill(_local(target, 13, zone))
    panel.get_by_role("button", name="Schedule", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text(f"Visit booked for {_short(target)} 10:00–13:00 (site time).")
    expect(panel).not_to_contain_text("after the NBD target")

    # The reseller moves it three days later: the form says so before sending; sent without the fee ticked, it
    # is refused in words and what was typed stays; ticked, the fee is recorded.
    switch_user(page, sign_in, "reseller", PASSWORD)
    panel = _panel(page, live_server, case)
    panel.get_by_label("Starts").fill(_local(later, 13, zone))
    panel.get_by_label("Ends").fill(_local(later, 16, zone))
    expect(panel.locator("#visit-check")).to_contain_text(
        f"A visit on {_short(later)} is after the next-business-day target {_short(target)}."
    )
    panel.get_by_label("About this booking").fill("The customer's IT lead is away until then.")
    panel.get_by_role("button", name="Reschedule", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Tick “The requester accepts the rescheduling fee”")
    panel = page.locator("#dispatch")
    expect(panel.get_by_label("Starts")).to_have_value(_local(later, 13, zone))
    expect(panel.get_by_label("About this booking")).to_have_value("The customer's IT lead is away until then.")
    panel.get_by_label("The requester accepts the rescheduling fee").check()
    panel.get_by_role("button", name="Reschedule", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Late rescheduling fee recorded.")
    agreed = _short(now.astimezone(ZoneInfo(zone)).date())
    story = (
        f"Visit {_short(later)} 13:00–16:00 (site) is after the NBD target {_short(target)}: moved at the "
        f"customer's request on {agreed}, late, fee recorded."
    )
    expect(page.locator("#nbd-story")).to_contain_text(story)
    settle(page)

    # The target day ends at the site: the sweep decides the miss, on the customer's side. All three read it.
    sweeps.flag_missed_nbd(now=target_day_ends_at(target, zone))
    for username in ("reseller", "mts", "dell"):
        switch_user(page, sign_in, username, PASSWORD)
        panel = _panel(page, live_server, case)
        expect(panel.locator("#nbd-verdict")).to_have_text(CUSTOMER_MISS)
        expect(panel).to_contain_text("(the customer's side)")
        expect(panel).to_contain_text(story)
        assert not RAW_CODES.search(panel.inner_text())
        expect(page.locator("#case-eligibility")).to_have_count(0)  # no "if qualified now" beside a dispatch
        _shot(page, f"nbd-missed-customer-{username}")
        settle(page)

    # The moved visit: nobody at the site. Not before it starts (rule 8); then the fee, and back to scheduling.
    switch_user(page, sign_in, "dell", PASSWORD)
    expect(_panel(page, live_server, case)).not_to_contain_text("How did the visit go?")
    settle(page)
    visit = datetime.combine(later, time(13), tzinfo=ZoneInfo(zone))
    leave_page(page)  # no request of the open page may meet the travelled clock
    with time_machine.travel(visit + timedelta(hours=1), tick=True):
        switch_user(page, sign_in, "dell", PASSWORD)
        panel = _panel(page, live_server, case)
        panel.get_by_label("How did the visit go?").select_option(label="Representative absent")
        panel.get_by_role("button", name="Report outcome").click()
        expect(page.get_by_role("alert")).to_have_text(
            re.compile("Visit failed: representative absent. Fee recorded; book a new visit.")
        )
        for username in ("reseller", "mts", "dell"):
            switch_user(page, sign_in, username, PASSWORD)
            panel = _panel(page, live_server, case)
            expect(panel).to_contain_text("Accepted by Dell")
            expect(panel).to_contain_text("Follow-up visit: representative absent")
            expect(panel.locator("#nbd-verdict")).to_have_text(CUSTOMER_MISS)
            assert not RAW_CODES.search(panel.inner_text())
        # Dell books the next visit: a later booking needs no reason.
        switch_user(page, sign_in, "dell", PASSWORD)
        panel = _panel(page, live_server, case)
        again = later + timedelta(days=1)
        panel.get_by_label("Starts").fill(_local(again, 9, zone))
        panel.get_by_label("Ends").fill(_local(again, 11, zone))
        panel.get_by_role("button", name="Schedule", exact=True).click()
        expect(page.get_by_role("alert")).to_contain_text(f"Visit booked for {_short(again)} 09:00–11:00")
        settle(page)

    leave_page(page)  # no request of the open page may meet the travelled clock

    with time_machine.travel(datetime.combine(again, time(10), tzinfo=ZoneInfo(zone)), tick=True):
        switch_user(page, sign_in, "dell", PASSWORD)
        panel = _panel(page, live_server, case)
        panel.get_by_label("How did the visit go?").select_option(label="Completed")
        panel.get_by_role("button", name="Report outcome").click()
        expect(page.get_by_role("alert")).to_contain_text("Visit completed.")
        for username in ("reseller", "mts", "dell"):
            switch_user(page, sign_in, username, PASSWORD)
            panel = _panel(page, live_server, case)
            expect(panel.locator(".dispatch-state")).to_have_text("Completed")
            expect(panel.locator("#nbd-verdict")).to_have_text(CUSTOMER_MISS)
            expect(panel).not_to_contain_text("rescheduling fee applies")
            expect(panel).not_to_contain_text("Free to reschedule")
            expect(panel).not_to_contain_text("Reschedule the visit")
            assert not RAW_CODES.search(panel.inner_text())
        _shot(page, "nbd-missed-completed-dell")
        settle(page)
    dispatch.refresh_from_db()
    assert (dispatch.state, dispatch.nbd_verdict, dispatch.nbd_miss_cause) == (
        "completed",
        "missed",
        "customer_reschedule",
    )
    console.assert_clean()
