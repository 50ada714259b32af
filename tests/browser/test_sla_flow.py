"""The SLA in the browser: the triage queue shows business time left with near-breach, breached and paused
badges for the viewer's team; the navigation bar's unread badge appears without a reload."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases import services
from cases.models import Case
from tests.browser.conftest import screenshot
from tests.cases.factories import TeamFactory, open_case
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_queue_shows_sla_badges_for_my_team(live_server, page, sign_in, reseller_user, mts_user, unit, console):
    team = TeamFactory(name="EMEA", is_default=True, countries=["DK"], lead=mts_user)
    team.members.add(mts_user)
    now = timezone.now()
    breached = open_case(
        reseller_user, unit, title="Archive job fails every night", escalate=True, now=now - timedelta(days=9)
    )
    paused = open_case(reseller_user, unit, title="Smart Client cannot connect", escalate=True, now=now)
    paused = services.case_transition(actor=mts_user, case=paused, action="take", version=paused.version, now=now)
    services.case_transition(
        actor=mts_user, case=paused, action="request_info", note="Send the log.", version=paused.version, now=now
    )
    near = open_case(reseller_user, unit, title="Camera stream stutters", escalate=True, now=now)
    Case.objects.filter(pk=near.pk).update(sla_near_at=now - timedelta(minutes=1))

    sign_in("mts", PASSWORD)
    page.goto(f"{live_server.url}/cases/queue/")
    expect(page.get_by_label("Team")).to_have_value("")
    expect(page.locator(f"#case-row-{breached.pk} [data-sla=breached]:visible")).to_have_text("breached")
    expect(page.locator(f"#case-row-{near.pk} [data-sla=near_breach]:visible")).to_have_text("near breach")
    expect(page.locator(f"#case-row-{paused.pk} [data-sla=paused]:visible")).to_have_text("paused")
    screenshot(page, "triage-queue-sla")  # var/screenshots; the README's copies live in docs/screenshots

    page.goto(f"{live_server.url}/cases/{breached.number}/")
    expect(page.get_by_text("in EMEA business hours")).to_be_visible()
    screenshot(page, "case-page-sla")


def test_the_unread_badge_appears_in_the_navigation(live_server, page, sign_in, reseller_user, mts_user, unit, console):
    now = timezone.now()
    case = open_case(reseller_user, unit, escalate=True, now=now)
    case = services.case_transition(actor=mts_user, case=case, action="take", version=case.version, now=now)
    services.case_transition(
        actor=mts_user, case=case, action="request_info", note="Send the TSR.", version=case.version, now=now
    )
    sign_in("reseller", PASSWORD)
    expect(page.locator(".notification-count .badge")).to_have_text("1 unread")
    page.goto(f"{live_server.url}/cases/notifications/")
    group = page.locator(".notification-group").filter(has_text=case.number)
    expect(group.get_by_role("link", name="Request information")).to_be_visible()
    screenshot(page, "notifications")
