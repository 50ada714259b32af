"""What partners and technicians notice on case pages (issue 9 §4): site time beside the viewer's, every
service tag and case number a link, MTS's Cases entry, and "Nothing matches these filters" for a filtered list."""

import pytest
from django.test import Client

from cases.models import Case
from tests.cases.factories import NOW, CaseFactory, open_case
from tests.cases.test_notifications import ask_for_info

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_case_page_shows_site_time_beside_the_viewers_on_opened_timeline_and_sla(reseller_user, mts_user, unit):
    # Opened Tue 10 Mar 2026 12:00 UTC: 13:00 at the Copenhagen site, 08:00 for a technician in New York.
    case = open_case(reseller_user, unit, now=NOW, escalate=True)
    assert case.site_timezone == "Europe/Copenhagen"
    mts_user.timezone = "America/New_York"
    mts_user.save(update_fields=["timezone"])
    html = client_for(mts_user).get(f"/cases/{case.number}/").content.decode()
    opened = "Tue 10 Mar 2026, 08:00</time> your time · <span data-site-time"
    assert opened in html  # the "Opened" line
    assert 'title="Europe/Copenhagen">13:00 at the site</span>' in html
    assert "Tue 10 Mar, 08:00</time> your time" in html  # the timeline row of the opening
    assert "Times shown in America/New_York" in html


def test_a_viewer_in_the_sites_zone_reads_one_clock(reseller_user, unit):
    case = open_case(reseller_user, unit, now=NOW)
    html = client_for(reseller_user).get(f"/cases/{case.number}/").content.decode()
    assert "Tue 10 Mar 2026, 13:00</time> <span" in html
    assert "your and the site's time" in html
    timeline = html.split('id="timeline"')[1].split("</ol>")[0]
    assert "at the site</span>" not in timeline
    assert "your and the site's time</span>" not in timeline  # every row would repeat it: a tooltip says it
    assert 'title="Your and the site\'s time (Europe/Copenhagen)">Tue 10 Mar, 13:00</time>' in timeline


def test_service_tags_are_links_on_the_case_page_list_queue_and_dashboard(reseller_user, mts_user, unit):
    case = open_case(reseller_user, unit, escalate=True)
    unit_href = 'href="/units/ABC1234/"'
    partner = client_for(reseller_user)
    assert unit_href in partner.get(f"/cases/{case.number}/").content.decode()
    assert unit_href in partner.get("/cases/").content.decode()
    mts = client_for(mts_user)
    queue = mts.get("/cases/queue/").content.decode()
    assert unit_href in queue
    assert f'href="/cases/{case.number}/"' in queue


def test_the_partner_dashboard_links_units_without_a_registered_location(reseller_user, unit):
    html = client_for(reseller_user).get("/").content.decode()
    assert "Units without a registered location" in html
    assert 'href="/units/ABC1234/"' in html


def test_notifications_link_the_case_and_its_unit(reseller_user, mts_user, unit):
    ask_for_info(reseller_user, mts_user, unit, now=NOW)
    case = Case.objects.get()
    html = client_for(reseller_user).get("/cases/notifications/").content.decode()
    assert f'href="/cases/{case.number}/"' in html
    assert 'href="/units/ABC1234/"' in html


def _nav(html: str) -> str:
    return html.split("<nav", 1)[1].split("</nav>", 1)[0]


@pytest.mark.parametrize(
    ("who", "has_cases"),
    [("mts_user", True), ("reseller_user", True), ("distributor_user", True), ("dell_user", False)],
)
def test_the_cases_entry_of_the_navigation(request, who, has_cases):
    html = client_for(request.getfixturevalue(who)).get("/").content.decode()
    assert ('href="/cases/"' in _nav(html)) is has_cases


def test_mts_reaches_the_case_list_from_the_navigation(mts_user, reseller_user, unit):
    case = open_case(reseller_user, unit, escalate=True)
    html = client_for(mts_user).get("/cases/").content.decode()
    assert case.number in html


def test_an_empty_queue_without_filters_is_clear(mts_user):
    html = client_for(mts_user).get("/cases/queue/").content.decode()
    assert "The queue is clear" in html
    assert "Nothing matches these filters" not in html


def test_an_empty_queue_with_filters_says_nothing_matches_and_offers_to_clear(mts_user, reseller_org):
    CaseFactory(reseller=reseller_org, state="l2_mts_queue", priority="p3_normal")
    html = client_for(mts_user).get("/cases/queue/", {"priority": "p1_critical"}).content.decode()
    assert "Nothing matches these filters" in html
    assert "The queue is clear" not in html
    assert 'href="/cases/queue/" data-clear-filters' in html


def test_the_case_list_search_with_no_hit_says_nothing_matches(reseller_user, unit):
    open_case(reseller_user, unit)
    client = client_for(reseller_user)
    html = client.get("/cases/", {"view": "open", "q": "no-such-words"}).content.decode()
    assert "Nothing matches these filters" in html
    assert 'href="/cases/?view=open" data-clear-filters' in html
    finished = client.get("/cases/", {"view": "closed"}).content.decode()
    assert "No cases here." in finished
    assert "Nothing matches these filters" not in finished


def test_the_unit_list_and_dispatch_queue_say_nothing_matches_with_filters(mts_user, unit):
    client = client_for(mts_user)
    units = client.get("/units/", {"q": "NOPE"}).content.decode()
    assert "Nothing matches these filters" in units
    assert 'href="/units/" data-clear-filters' in units
    dispatches = client.get("/dispatch/queue/", {"country": "DK"}).content.decode()
    assert "Nothing matches these filters" in dispatches
    plain = client.get("/dispatch/queue/").content.decode()
    assert "No open dispatches." in plain
    assert "Nothing matches these filters" not in plain
