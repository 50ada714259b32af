"""The case flows people live in, driven through the real pages in Chromium.

A reseller opens a hardware case with the live MTS checklist; an MTS technician takes cases from the
triage queue with one click and with the keyboard; MTS asks the partner for information while its
internal notes stay hidden from the partner.
"""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases import services
from cases.models import Case
from tests.browser.conftest import screenshot
from tests.browser.support import switch_user
from tests.cases.factories import PPID, open_case
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _checklist_item(panel, label):
    return panel.get_by_role("listitem").filter(has_text=label)


def test_reseller_opens_a_hardware_case_with_the_live_checklist(
    live_server, page, sign_in, reseller_user, unit, console
):
    sign_in("reseller", PASSWORD)
    page.get_by_role("link", name="Open a case").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Open a case")
    assert page.url == f"{live_server.url}/cases/new/"

    panel = page.locator("#checklist-panel")
    counter = panel.get_by_role("heading", name=re.compile("MTS checklist"))
    expect(counter).to_contain_text("11 to go")
    expect(_checklist_item(panel, "Hardware component")).to_contain_text("(missing)")

    page.get_by_label("Title").fill("Drive 3 dropped from the array")
    page.get_by_label("Hardware component").select_option(label="Hard drive")
    # The component is ticked, and a hard-drive fault now asks for the drive's PPID.
    expect(_checklist_item(panel, "Hardware component")).to_contain_text("(done)")
    expect(_checklist_item(panel, "Hard drive PPID")).to_contain_text("(missing)")
    expect(counter).to_contain_text("11 to go")

    # The service tag, typed as a person might, fills the site address from the unit's location.
    page.get_by_label("Service tag").fill(" abc1234 ")
    page.get_by_label("Service tag").press("Tab")
    expect(page.locator("#unit-info")).to_contain_text("ABC1234")
    expect(page.get_by_label("Site street address")).to_have_value("Havnegade 1")
    expect(page.get_by_label("City", exact=True)).to_have_value("Copenhagen")
    expect(page.get_by_label("Postal code")).to_have_value("1058")
    # The site country is the shared country picker, pre-set to the unit's registered country.
    expect(page.get_by_role("combobox", name=re.compile(r"^Country\*?$"))).to_have_value("DK")
    expect(page.get_by_label("Site time zone")).to_have_value("Europe/Copenhagen")
    expect(counter).to_contain_text("6 to go")
    for label in ("Service tag", "Site street address", "Site city", "Site postal code", "Site country"):
        expect(_checklist_item(panel, label)).to_contain_text("(done)")

    page.get_by_label("Users impacted").fill("12")
    page.get_by_label("System in production?").select_option(label="Yes")
    expect(counter).to_contain_text("4 to go")
    expect(panel).to_contain_text("P1")
    page.get_by_label("What is the failure?").fill("The RAID controller reports drive 3 as failed.")
    page.get_by_label("Troubleshooting done so far").fill("Reseated the drive; the rebuild fails at 12 %.")
    page.get_by_label("Is the customer available and able to run diagnostics?").select_option(label="Yes")
    # A PPID with a character missing does not count: Dell could not match the drive.
    page.get_by_label("Hard drive PPID(s)").fill(PPID[:-1])
    page.get_by_label("Hard drive PPID(s)").press("Tab")
    expect(counter).to_contain_text("1 to go")
    expect(_checklist_item(panel, "Hard drive PPID")).to_contain_text("(missing)")
    screenshot(page, "flow-case-form-wrong-ppid")

    page.get_by_role("button", name="Open and send to MTS").click()
    # Refused with the PPID message beside the field; everything typed is still there.
    ppid_field = page.get_by_label("Hard drive PPID(s)")
    expect(ppid_field).to_have_class(re.compile("is-invalid"))
    expect(page.locator("#ppid-group")).to_contain_text("The PPID has 19 characters, not 20 or 23.")
    # Said once: the error names what is wrong, the help text beside it what a PPID looks like.
    assert page.locator("#ppid-group").inner_text().count("sticker") == 1
    expect(page.get_by_label("Site street address")).to_have_value("Havnegade 1")
    assert not Case.objects.exists()

    ppid_field.fill(PPID.lower())
    ppid_field.press("Tab")
    expect(counter).to_have_text(re.compile(r"MTS checklist\s+Complete"))
    page.get_by_role("button", name="Open and send to MTS").click()

    expect(page.locator(".case-header")).to_contain_text("In MTS queue (L2)")
    case = Case.objects.get()
    assert page.url == f"{live_server.url}/cases/{case.number}/"
    expect(page.get_by_role("alert")).to_contain_text(f"{case.number} was opened and sent to Milestone Technical")
    expect(page.get_by_role("heading", level=1)).to_have_text("Drive 3 dropped from the array")
    expect(page.locator(".case-header")).to_contain_text("P1")
    expect(page.locator("#details-h + dl")).to_contain_text(PPID.replace("-", ""))
    assert case.state == "l2_mts_queue"
    assert case.unit == unit
    assert case.site_city == "Copenhagen"
    screenshot(page, "flow-case-opened")
    console.assert_clean()


def test_mts_takes_cases_from_the_queue_by_click_and_by_keyboard(
    live_server, page, sign_in, reseller_user, mts_user, unit, console
):
    now = timezone.now()
    first = open_case(reseller_user, unit, now=now, escalate=True, title="Recording stops on drive 3")
    second = open_case(reseller_user, unit, now=now, escalate=True, title="Power fan is loud", component="power_supply")
    sign_in("mts", PASSWORD)
    page.get_by_role("link", name="Triage queue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Triage queue")
    queue_url = page.url
    rows = page.locator("table[data-queue] tbody tr")
    expect(rows).to_have_count(2)
    # A full page load would lose this.
    page.evaluate("window.__stillTheSamePage = 'yes'")

    # One click on the second row's Take.
    clicked_row = rows.nth(1)
    clicked_number = clicked_row.get_by_role("link").first.inner_text()
    clicked_row.get_by_role("button", name="Take").click()
    clicked_row = rows.filter(has_text=clicked_number)
    expect(clicked_row).to_contain_text("yours")
    expect(clicked_row).to_contain_text("MTS investigating (L2)")
    expect(clicked_row.get_by_role("button", name="Take")).to_have_count(0)
    assert page.url == queue_url
    assert page.evaluate("window.__stillTheSamePage") == "yes"

    # Keyboard: j selects the first row, t takes it.
    page.locator("body").press("j")
    first_row = rows.first
    expect(first_row).to_have_class(re.compile("is-selected"))
    expect(first_row).to_be_focused()
    keyboard_number = first_row.get_by_role("link").first.inner_text()
    assert keyboard_number != clicked_number
    page.keyboard.press("t")
    expect(rows.filter(has_text=keyboard_number)).to_contain_text("yours")
    assert page.url == queue_url
    assert page.evaluate("window.__stillTheSamePage") == "yes"
    screenshot(page, "flow-queue-both-taken")

    for case in (first, second):
        case.refresh_from_db()
        assert case.state == "l2_mts_investigating"
        assert case.assignee == mts_user
    console.assert_clean()


def test_mts_asks_the_partner_and_keeps_internal_notes_internal(
    live_server, page, sign_in, reseller_user, mts_user, unit, console
):
    case = open_case(reseller_user, unit, now=timezone.now(), escalate=True)
    services.case_transition(actor=mts_user, case=case, action="take", now=timezone.now())
    question = "Please upload the SupportAssist collection from iDRAC 9."
    internal = "Internal: this customer had the same drive replaced in January."

    sign_in("mts", PASSWORD)
    page.goto(f"{live_server.url}/cases/{case.number}/")
    expect(page.locator(".case-header")).to_contain_text("MTS investigating (L2)")
    page.get_by_label("Add a comment").fill(internal)
    page.get_by_label("MTS-internal note (never shown to partners or Dell)").check()
    page.get_by_role("button", name="Comment").click()
    timeline = page.locator("#timeline")
    expect(timeline.get_by_role("listitem").filter(has_text=internal)).to_contain_text("MTS internal")
    page.get_by_label(re.compile("^Note")).fill(question)
    page.get_by_role("button", name="Request information").click()
    expect(page.get_by_role("alert")).to_contain_text("Request information: done")
    expect(page.locator(".case-header")).to_contain_text("Awaiting partner")
    expect(timeline).to_contain_text(question)
    expect(timeline).to_contain_text(internal)
    screenshot(page, "flow-case-awaiting-mts")

    switch_user(page, sign_in, "reseller", PASSWORD)
    page.get_by_role("link", name="Cases", exact=True).click()
    page.locator("label", has_text="Waiting on us").click()  # the filter applies on change
    page.wait_for_url(re.compile(r"view=waiting"))
    page.get_by_role("link", name=case.number).first.click()
    expect(page.locator(".case-header")).to_contain_text("Awaiting partner")
    question_event = timeline.get_by_role("listitem").filter(has_text=question)
    expect(question_event).to_contain_text("Request information")
    expect(question_event).to_contain_text("Awaiting partner")
    expect(timeline).not_to_contain_text("same drive replaced")
    expect(timeline).not_to_contain_text("MTS internal")
    expect(page.get_by_label("MTS-internal note (never shown to partners or Dell)")).to_have_count(0)
    assert internal not in page.content()
    screenshot(page, "flow-case-awaiting-reseller")

    # The partner answers; the case goes back to the technician.
    page.get_by_label(re.compile("^Note")).fill("Uploaded TSR_ABC1234.zip; drive 3 LED is amber.")
    page.get_by_role("button", name="Provide information").click()
    expect(page.locator(".case-header")).to_contain_text("MTS investigating (L2)")
    expect(timeline).to_contain_text("drive 3 LED is amber")
    console.assert_clean()
