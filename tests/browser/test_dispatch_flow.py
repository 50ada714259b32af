"""The third level in the browser: reseller → MTS → Dell → visit → resolved, walked by all three parties.

With HUSKY_DOC_SCREENSHOTS=1 the tests also write the README's screenshots to docs/screenshots/.
"""

import importlib
import os
import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from cases import services
from cases.models import Case
from dispatch.models import Dispatch
from tests.browser.conftest import screenshot
from tests.browser.support import doc_screenshot, leave_page, settle, switch_user
from tests.cases.factories import open_case
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PARTNER_COMMENT = "Customer asks whether the technician can come before 10:00."
INTERNAL_NOTE = "Internal: second board failure at this site this year; watch the PSU."


@pytest.fixture
def coverage():
    """The coverage table is seeded by a migration, which an earlier transactional test's flush empties."""
    from django.apps import apps

    importlib.import_module("dispatch.migrations.0002_seed_coverage").seed(apps, None)


def _site_local(days: int, hour: int, zone: str) -> str:
    """A `datetime-local` value `days` from today at the site."""
    today = timezone.now().astimezone(ZoneInfo(zone)).date()
    return datetime.combine(today + timedelta(days=days), time(hour)).strftime("%Y-%m-%dT%H:%M")


def test_reseller_mts_and_dell_take_a_hardware_case_from_fault_to_resolved(
    live_server, page, sign_in, reseller_user, mts_user, dell_user, unit, coverage, console
):
    case = open_case(
        reseller_user, unit, now=timezone.now(), title="System board fault: no POST", component="motherboard"
    )

    # The reseller reports it to MTS from the case page.
    sign_in("reseller", PASSWORD)
    page.goto(f"{live_server.url}/cases/{case.number}/")
    page.get_by_role("button", name="Escalate to MTS").click()
    expect(page.locator(".case-header")).to_contain_text("In MTS queue (L2)")
    settle(page)
    services.comment_create(actor=reseller_user, case=case, body=PARTNER_COMMENT, now=timezone.now())

    # MTS takes it and escalates to Dell from the dispatch panel, naming the customer's representative.
    switch_user(page, sign_in, "mts", PASSWORD)
    page.goto(f"{live_server.url}/cases/{case.number}/")
    page.get_by_role("button", name="Take").first.click()
    expect(page.locator(".case-header")).to_contain_text("MTS investigating (L2)")
    page.get_by_label("Add a comment").fill(INTERNAL_NOTE)
    page.get_by_label("MTS-internal note (never shown to partners or Dell)").check()
    page.get_by_role("button", name="Comment").click()
    panel = page.locator("#dispatch")
    expect(panel.get_by_text("Onsite eligible")).to_be_visible()
    panel.get_by_label("Authorised representative").fill("Mette Holm")
    panel.get_by_label("Representative's phone").fill("+45 33 12 34 56")
    panel.get_by_label("Message for Dell").fill("Board dead: no POST, no iDRAC. Please replace the system board.")
    panel.get_by_role("button", name="Escalate to Dell").click()
    expect(page.get_by_role("alert")).to_contain_text("Escalated to Dell")
    expect(page.locator(".case-header")).to_contain_text("With Dell (L3)")
    expect(panel).to_contain_text("Requested from Dell")
    expect(panel).to_contain_text("Mette Holm")
    dispatch = Dispatch.objects.get(case=case)

    # Dell finds it in its queue, accepts it with its number and books the visit in the site's time.
    switch_user(page, sign_in, "dell", PASSWORD)
    page.goto(f"{live_server.url}/dispatch/queue/")
    row = page.locator("#dispatch-queue tbody tr").filter(has_text=case.number)
    expect(row).to_contain_text("Requested from Dell")
    row.get_by_role("link", name=case.number).click()
    panel = page.locator("#dispatch")
    panel.get_by_label("Dell dispatch number").fill("DSP-4471902")
    panel.get_by_role("button", name="Accept").click()
    expect(panel).to_contain_text("Accepted by Dell")
    expect(panel).to_contain_text("DSP-4471902")
    panel.get_by_label("Starts").fill(_site_local(5, 9, dispatch.site_timezone))
    panel.get_by_label("Ends").fill(_site_local(5, 12, dispatch.site_timezone))
    # docs/rules.md rule 8: said before submitting, and Dell says why it books after the target.
    expect(panel.locator("#visit-check")).to_contain_text("after the next-business-day target")
    panel.get_by_label(re.compile("^Why not by the target")).fill("The customer's site opens again next week.")
    panel.get_by_role("button", name="Schedule", exact=True).click()
    expect(panel).to_contain_text("Visit scheduled")
    expect(panel).to_contain_text("09:00–12:00")
    # What Dell needs, and not the partner's comment thread or MTS-internal notes.
    content = page.content()
    assert PARTNER_COMMENT not in content
    assert INTERNAL_NOTE not in content
    expect(page.locator(".case-header")).to_contain_text(case.number)
    doc_screenshot(page, "dispatch-panel-dell")

    # The partner sees the booking, and what moving it five days ahead would cost.
    switch_user(page, sign_in, "reseller", PASSWORD)
    page.goto(f"{live_server.url}/cases/{case.number}/")
    terms = page.locator("#reschedule-terms")
    expect(terms).to_contain_text("A rescheduling fee applies.")
    expect(page.locator("#timeline")).not_to_contain_text("second board failure")
    doc_screenshot(page, "dispatch-panel-partner")
    doc_screenshot(page, "reschedule-form", selector="#schedule-form")

    switch_user(page, sign_in, "mts", PASSWORD)
    page.goto(f"{live_server.url}/cases/{case.number}/")
    doc_screenshot(page, "dispatch-panel-mts")

    # The technician has been (docs/rules.md rule 8: not before the visit starts): Dell reports it completed.
    switch_user(page, sign_in, "dell", PASSWORD)
    page.goto(f"{live_server.url}/cases/{case.number}/")
    expect(page.locator("#dispatch")).not_to_contain_text("How did the visit go?")
    settle(page)
    dispatch.refresh_from_db()
    leave_page(page)  # no request of the open page may meet the travelled clock
    with time_machine.travel(dispatch.visit_start_at + timedelta(hours=1), tick=True):
        switch_user(page, sign_in, "dell", PASSWORD)
        page.goto(f"{live_server.url}/cases/{case.number}/")
        panel = page.locator("#dispatch")
        panel.get_by_label("How did the visit go?").select_option(label="Completed")
        panel.get_by_role("button", name="Report outcome").click()
        expect(page.get_by_role("alert")).to_contain_text("Visit completed.")
        expect(panel).to_contain_text("Completed")
        settle(page)
    dispatch.refresh_from_db()
    assert dispatch.state == "completed"

    # MTS takes the case back from Dell and resolves it.
    switch_user(page, sign_in, "mts", PASSWORD)
    page.goto(f"{live_server.url}/cases/{case.number}/")
    page.get_by_role("button", name="Return to MTS").click()
    expect(page.locator(".case-header")).to_contain_text("MTS investigating (L2)")
    page.get_by_label(re.compile("^Note")).fill("Dell replaced the system board; recording verified.")
    page.get_by_role("button", name="Resolve").click()
    expect(page.locator(".case-header")).to_contain_text("Resolved")

    # The partner sees it resolved, with Dell's steps on the timeline.
    switch_user(page, sign_in, "reseller", PASSWORD)
    page.goto(f"{live_server.url}/cases/{case.number}/")
    expect(page.locator(".case-header")).to_contain_text("Resolved")
    expect(page.locator("#timeline")).to_contain_text("Dell replaced the system board")
    expect(page.locator("#dispatch")).to_contain_text("Completed")
    case.refresh_from_db()
    assert case.state == "resolved"
    screenshot(page, "flow-dispatch-resolved")
    console.assert_clean()


def test_the_demo_dell_login_has_work_in_its_queue(live_server, page, sign_in, coverage, console):
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115 - the command closes nothing
    sign_in("dell1", "husky-demo")
    page.goto(f"{live_server.url}/dispatch/queue/")
    rows = page.locator("#dispatch-queue tbody tr")
    open_count = Dispatch.objects.exclude(state__in=["completed", "failed", "cancelled", "voided"]).count()
    expect(rows).to_have_count(open_count)
    expect(page.locator("#dispatch-queue")).to_contain_text("Honolulu")
    expect(page.locator("#dispatch-queue")).to_contain_text("NBD missed")
    doc_screenshot(page, "dell-queue")
    doc_screenshot(page, "dell-queue-mobile", width=390)
    assert Case.objects.filter(state="l3_dell").exists()
    console.assert_clean()
