"""The whole support chain in one browser session (issue 18): a reseller opens a hard-drive case with a PPID
and a TSR collection and escalates it; MTS takes it and escalates to Dell; Dell accepts and books the visit;
the reseller tries a late reschedule and reads the fee before accepting it; after the visit has started
(docs/rules.md rule 8) Dell reports it completed with the part fitted and the faulty part picked up; MTS
resolves; the reseller reopens within the 14 days (docs/rules.md "Case states").

Each step asserts what that person reads on the page and saves a full-page screenshot to
$HUSKY_ARTIFACTS_DIR/chain/ (tests/browser/artifacts/chain/ by default), which CI keeps. The test body
writes nothing to the database: every change goes through the pages, and it only reads after the page
has settled.
"""

import importlib
import io
import re
import zipfile
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import expect

from cases.models import Case
from dispatch.models import Dispatch
from tests.browser.support import artifact_screenshot, leave_page, settle, switch_user
from tests.cases.factories import PPID
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Drive 2 failed in the recording array"


@pytest.fixture
def coverage():
    """The coverage table is seeded by a migration, which an earlier transactional test's flush empties."""
    from django.apps import apps

    importlib.import_module("dispatch.migrations.0002_seed_coverage").seed(apps, None)


def _tsr_zip() -> bytes:
    """A small SupportAssist collection as iDRAC names it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("tsr/hardware/sysinfo/lcfiles/curr_lclog.xml", "<Events><Event>Disk 2 failed</Event></Events>")
    return buffer.getvalue()


def _site(day, hour: int) -> str:
    """A `datetime-local` value at the site."""
    return datetime.combine(day, time(hour)).strftime("%Y-%m-%dT%H:%M")


def _short(day) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def _shot(page, step: str) -> None:
    settle(page)
    artifact_screenshot(page, "chain", step)


def _case_page(page, live_server, number):
    page.goto(f"{live_server.url}/cases/{number}/")
    expect(page.locator(".case-header")).to_contain_text(number)
    return page.locator("#dispatch")


def test_the_whole_chain_from_the_reseller_to_dell_and_back(
    live_server, page, sign_in, reseller_user, mts_user, dell_user, unit, coverage, console
):
    # 1. The reseller opens a hard-drive case with the drive's PPID and the TSR collection, then escalates.
    sign_in("reseller", PASSWORD)
    page.get_by_role("link", name="Open a case").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Open a case")
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Hardware component").select_option(label="Hard drive")
    page.get_by_label("Service tag").fill("ABC1234")
    page.get_by_label("Service tag").press("Tab")
    expect(page.get_by_label("Site street address")).to_have_value("Havnegade 1")
    page.get_by_label("Users impacted").fill("40")
    page.get_by_label("System in production?").select_option(label="Yes")
    page.get_by_label("What is the failure?").fill("The PERC controller reports physical disk 0:1:2 as failed.")
    page.get_by_label("Troubleshooting done so far").fill("Reseated the drive; the rebuild stops at 30 %.")
    page.get_by_label("Is the customer available and able to run diagnostics?").select_option(label="Yes")
    page.get_by_label("Hard drive PPID(s)").fill(PPID)
    page.get_by_label("SupportAssist collection (TSR/DSET) or screenshot").set_input_files(
        {"name": "TSR20261207_ABC1234.zip", "mimeType": "application/zip", "buffer": _tsr_zip()}
    )
    expect(page.locator("#checklist-panel")).to_contain_text("Complete")  # the live checklist has caught up
    page.get_by_role("button", name="Save as draft").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.locator("#attachments")).to_contain_text("TSR20261207_ABC1234.zip")
    expect(page.locator("#details-h + dl")).to_contain_text(PPID.replace("-", ""))
    number = re.search(r"HSK-\d{4}-\d+", page.locator(".case-header").inner_text()).group(0)
    page.get_by_role("button", name="Escalate to MTS").click()
    expect(page.locator(".case-header")).to_contain_text("In MTS queue (L2)")
    _shot(page, "01-reseller-escalated")

    # 2. MTS takes it from the triage queue, reads the PPID and the collection, and escalates to Dell.
    switch_user(page, sign_in, "mts", PASSWORD)
    page.get_by_role("link", name="Triage queue").click()
    row = page.locator("table[data-queue] tbody tr").filter(has_text=number)
    expect(row).to_contain_text(TITLE)
    row.get_by_role("button", name="Take").click()
    expect(row).to_contain_text("yours")
    _shot(page, "02-mts-queue-taken")
    panel = _case_page(page, live_server, number)
    expect(page.locator(".case-header")).to_contain_text("MTS investigating (L2)")
    expect(page.locator("#attachments")).to_contain_text("TSR20261207_ABC1234.zip")
    expect(panel.get_by_text("Onsite eligible")).to_be_visible()
    panel.get_by_label("Authorised representative").fill("Mette Holm")
    panel.get_by_label("Representative's phone").fill("+45 33 12 34 56")
    panel.get_by_label("Message for Dell").fill("Disk 0:1:2 failed; please replace the drive (PPID in the case).")
    panel.get_by_role("button", name="Escalate to Dell").click()
    expect(page.get_by_role("alert")).to_contain_text("Escalated to Dell")
    expect(page.locator(".case-header")).to_contain_text("With Dell (L3)")
    expect(panel).to_contain_text("Requested from Dell")
    _shot(page, "03-mts-escalated-to-dell")
    dispatch = Dispatch.objects.get(case__number=number)
    zone, target = dispatch.site_timezone, dispatch.nbd_target_on

    # 3. Dell finds it in its queue, accepts it and books the visit on the next-business-day target.
    switch_user(page, sign_in, "dell", PASSWORD)
    page.goto(f"{live_server.url}/dispatch/queue/")
    row = page.locator("#dispatch-queue tbody tr").filter(has_text=number)
    expect(row).to_contain_text("Requested from Dell")
    row.get_by_role("link", name=number).click()
    panel = page.locator("#dispatch")
    expect(panel).to_contain_text("Mette Holm")
    panel.get_by_label("Dell dispatch number").fill("DSP-7781200")
    panel.get_by_role("button", name="Accept").click()
    expect(panel).to_contain_text("Accepted by Dell")
    panel.get_by_label("Starts").fill(_site(target, 9))
    panel.get_by_label("Ends").fill(_site(target, 12))
    panel.get_by_role("button", name="Schedule", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text(f"Visit booked for {_short(target)} 09:00–12:00 (site time).")
    expect(panel).to_contain_text("DSP-7781200")
    _shot(page, "04-dell-accepted-and-scheduled")

    # 4. The reseller asks for the afternoon instead: under 8 days before the visit, so the panel shows the
    # fee before anything is sent; sent without accepting it, refused in words; accepted, recorded.
    switch_user(page, sign_in, "reseller", PASSWORD)
    panel = _case_page(page, live_server, number)
    terms = page.locator("#reschedule-terms")
    expect(terms).to_contain_text("A rescheduling fee applies.")
    expect(terms).to_contain_text("changes are free only when agreed at least 8 days before")
    panel.get_by_label("Starts").fill(_site(target, 13))
    panel.get_by_label("Ends").fill(_site(target, 16))
    _shot(page, "05-reseller-sees-the-fee")
    panel.get_by_role("button", name="Reschedule", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Tick “The requester accepts the rescheduling fee”")
    panel = page.locator("#dispatch")
    expect(panel.get_by_label("Starts")).to_have_value(_site(target, 13))
    panel.get_by_label("The requester accepts the rescheduling fee").check()
    panel.get_by_role("button", name="Reschedule", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Late rescheduling fee recorded.")
    expect(panel).to_contain_text("13:00–16:00")
    _shot(page, "06-reseller-rescheduled-with-fee")

    # 5. Dell lists the replacement drive and ships it; the outcome waits for the visit (rule 8).
    switch_user(page, sign_in, "dell", PASSWORD)
    panel = _case_page(page, live_server, number)
    expect(panel).not_to_contain_text("How did the visit go?")
    panel.get_by_text("Add a replacement part").click()
    panel.get_by_label("Part number").fill("0HDD2TB")
    panel.get_by_label("Description").fill("2 TB 7.2K SAS hard drive")
    panel.get_by_role("button", name="Add part").click()
    expect(page.get_by_role("alert")).to_contain_text("Part added.")
    steps = page.locator("#part-steps")
    steps.get_by_label("Carrier").fill("DHL Express")
    steps.get_by_label("Tracking number").fill("JD014600009911")
    steps.get_by_role("button", name="Shipped today").click()
    expect(page.get_by_role("alert")).to_contain_text("0HDD2TB (2 TB 7.2K SAS hard drive) shipped.")
    _shot(page, "07-dell-part-shipped")

    # 6. The visit has started: Dell reports it completed with the drive fitted, then the faulty drive's pickup.
    visit = datetime.combine(target, time(13), tzinfo=ZoneInfo(zone))
    leave_page(page)  # no request of the open page may meet the travelled clock
    with time_machine.travel(visit + timedelta(hours=1), tick=True):
        switch_user(page, sign_in, "dell", PASSWORD)
        panel = _case_page(page, live_server, number)
        panel.get_by_label("How did the visit go?").select_option(label="Completed")
        panel.get_by_label(re.compile("^0HDD2TB × 1")).check()
        panel.get_by_role("button", name="Report outcome").click()
        expect(page.get_by_role("alert")).to_contain_text("Visit completed")
        expect(page.locator("#timeline")).to_contain_text("completed; 1 part fitted")
        expect(page.locator("#part-steps")).to_contain_text(f"fitted on site {_short(target)}")
        _shot(page, "08-dell-visit-completed-part-fitted")
        page.locator("#dispatch table").get_by_role("button", name="Picked up today").click()
        expect(page.get_by_role("alert")).to_contain_text("Faulty part of 0HDD2TB (2 TB 7.2K SAS hard drive) picked up")
        expect(page.locator("#timeline")).to_contain_text("faulty part picked up")
        _shot(page, "09-dell-faulty-part-picked-up")

        # 7. MTS reads Dell's steps, takes the case back and resolves it.
        switch_user(page, sign_in, "mts", PASSWORD)
        panel = _case_page(page, live_server, number)
        expect(panel.locator(".dispatch-state")).to_have_text("Completed")
        expect(page.locator("#dispatch table")).to_contain_text(f"returned {target.day} {target:%b}")
        page.get_by_role("button", name="Return to MTS").click()
        expect(page.locator(".case-header")).to_contain_text("MTS investigating (L2)")
        page.get_by_label(re.compile("^Note")).fill("Dell replaced drive 2; recording verified.")
        page.get_by_role("button", name="Resolve").click()
        expect(page.locator(".case-header")).to_contain_text("Resolved")
        _shot(page, "10-mts-resolved")

    # 8. Thirteen days later the drive's replacement fails too: the reseller may still reopen, and does.
    leave_page(page)  # no request of the open page may meet the travelled clock
    with time_machine.travel(visit + timedelta(days=13), tick=True):
        switch_user(page, sign_in, "reseller", PASSWORD)
        panel = _case_page(page, live_server, number)
        expect(page.locator(".case-header")).to_contain_text("Resolved")
        expect(page.locator("#timeline")).to_contain_text("Dell replaced drive 2")
        expect(panel.locator(".dispatch-state")).to_have_text("Completed")
        page.get_by_label(re.compile("^Note")).fill("The new drive reports predictive failure after 12 days.")
        page.get_by_role("button", name="Reopen").click()
        expect(page.locator(".case-header")).to_contain_text("MTS investigating (L2)")
        expect(page.locator("#timeline")).to_contain_text("predictive failure after 12 days")
        _shot(page, "11-reseller-reopened")

    case = Case.objects.get(number=number)
    assert (case.state, case.assignee) == ("l2_mts_investigating", mts_user)
    dispatch.refresh_from_db()
    assert dispatch.state == "completed"
    assert [fee.kind for fee in dispatch.fees.all()] == ["late_reschedule"]
    console.assert_clean()
