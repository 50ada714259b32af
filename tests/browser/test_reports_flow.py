"""The MTS report in the browser: the figures of the hand-built data set, a filter that updates them in place
(htmx, the URL follows), and a bar that leads to the list of the records it counts."""

import pytest
from playwright.sync_api import expect

from tests.browser.support import accessibility_problems, doc_screenshot
from tests.conftest import PASSWORD
from tests.partners.factories import UserFactory
from tests.reports import fixtures
from tests.reports.data import PERIOD

# The report data set's fixtures (tests/reports), used here by name.
report_data, sibling_user = fixtures.report_data, fixtures.sibling_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_mts_report_filters_in_place_and_leads_to_the_list(live_server, page, sign_in, report_data, console):
    sign_in("mts", PASSWORD)
    page.goto(f"{live_server.url}/reports/?{PERIOD}")
    backlog = page.locator("#figure-backlog")
    expect(backlog.locator(".headline-value")).to_have_text("5")
    expect(page.locator("#figure-sla .headline-value")).to_have_text("75 %")
    expect(page.locator("#figure-repeat_units .headline-value")).to_have_text("2")
    assert accessibility_problems(page, live_server.url) == []
    doc_screenshot(page, "reports-mts")

    page.get_by_label("Reseller", exact=True).select_option(label="Copenhagen Reseller")
    # htmx swaps the figures in place and pushes the filter into the address bar.
    expect(backlog.locator(".headline-value")).to_have_text("4")
    expect(page).to_have_url(
        f"{live_server.url}/reports/?period=custom&quarter=&from=2026-03-01&to=2026-03-10&team=&country=&distributor=&reseller={report_data.a.reseller_id}&priority=&category=&component=&model="
    )

    backlog.get_by_role("row", name="Dell 1").get_by_role("link").click()
    expect(page).to_have_url(f"{live_server.url}/cases/queue/?state=l3_dell")
    expect(page.get_by_role("link", name=report_data.e.number)).to_be_visible()


@pytest.mark.parametrize(
    ("username", "figure", "headline", "absent"),
    [
        ("reseller", "backlog", "4", "figure-scorecard"),
        ("distributor-agent", "scorecard", "5", ""),
        ("dell", "dispatch_health", "100 %", "figure-backlog"),
    ],
)
def test_each_organisation_sees_its_own_report(
    live_server, page, sign_in, report_data, distributor_org, console, username, figure, headline, absent
):
    # An agent, not the admin: an organisation admin is first asked to set up two-factor sign-in.
    UserFactory(username="distributor-agent", organisation=distributor_org)
    sign_in(username, PASSWORD)
    # The home's headline tiles lead to the report too.
    expect(page.locator(".report-tiles a").first).to_be_visible()
    assert accessibility_problems(page, live_server.url) == []
    page.get_by_role("link", name="Reports").first.click()
    page.goto(f"{live_server.url}/reports/?{PERIOD}")
    expect(page.locator(f"#figure-{figure} .headline-value")).to_have_text(headline)
    if absent:
        expect(page.locator(f"#{absent}")).to_have_count(0)
    assert accessibility_problems(page, live_server.url) == []
    doc_screenshot(page, f"reports-{username.removesuffix('-agent')}")


def test_a_period_that_ends_before_it_starts_is_said_in_place(live_server, page, sign_in, mts_user):
    # No console watch here: the browser logs the expected 400 as a failed resource (the other tests watch).
    sign_in("mts", PASSWORD)
    page.goto(f"{live_server.url}/reports/?{PERIOD}")
    expect(page.locator("#figure-backlog")).to_be_visible()
    page.get_by_label("From", exact=True).fill("2026-03-20")
    page.get_by_label("From", exact=True).dispatch_event("change")
    alert = page.locator("#report-body [role=alert]")
    expect(alert).to_contain_text("The period ends before it starts.")
    expect(page.locator("#figure-backlog")).to_have_count(0)
