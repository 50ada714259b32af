"""A partner follows a case and reads, in the bell, a public reply, a Dell dispatch step and a fee; opening
the case reads them. With HUSKY_DOC_SCREENSHOTS=1 it also writes docs/screenshots/notifications.png."""

import importlib
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases import services as case_services
from dispatch import services as dispatch_services
from tests.browser.conftest import screenshot
from tests.browser.support import doc_screenshot, settle
from tests.conftest import PASSWORD
from tests.dispatch.factories import dispatch_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def coverage():
    """The coverage table is seeded by a migration, which an earlier transactional test's flush empties."""
    from django.apps import apps

    importlib.import_module("dispatch.migrations.0002_seed_coverage").seed(apps, None)


def step(dispatch, actor, action, *, now, **kwargs):
    dispatch.refresh_from_db()
    return dispatch_services.dispatch_transition(
        actor=actor, dispatch=dispatch, action=action, version=dispatch.version, now=now, **kwargs
    )


def test_a_follower_reads_a_reply_a_dispatch_step_and_a_fee_in_the_bell(
    live_server, page, sign_in, reseller_user, reseller_agent, mts_user, dell_user, unit, coverage, console
):
    now = timezone.now()
    dispatch = dispatch_for(reseller_user, mts_user, unit, now=now)
    case = dispatch.case

    # A colleague of the opener follows the case from its page.
    sign_in("reseller-agent", PASSWORD)
    page.goto(f"{live_server.url}/cases/{case.number}/")
    page.get_by_role("button", name="Follow").click()
    expect(page.get_by_role("button", name="Stop following")).to_be_visible()
    expect(page.locator(".case-followers")).to_contain_text("reseller-agent")
    screenshot(page, "case-followed")
    page.goto(f"{live_server.url}/")
    settle(page)

    # MTS answers in public, Dell accepts and books the visit, then reports nobody at the site: a fee.
    case_services.comment_create(actor=mts_user, case=case, body="A new system board is on its way.", now=now)
    step(dispatch, dell_user, "accept", now=now, dispatch_number="DSP-4411")
    start = now + timedelta(days=1)
    step(dispatch, dell_user, "schedule", now=now, visit_start_at=start, visit_end_at=start + timedelta(hours=3))
    step(dispatch, dell_user, "outcome", now=start + timedelta(hours=1), outcome="representative_absent")

    # The bell counts them; its page shows each, under the case, newest first.
    page.reload()
    bell = page.get_by_role("link", name="Notifications")
    expect(bell.locator(".notification-count")).to_contain_text("5")
    bell.click()
    group = page.locator(".notification-group").filter(has_text=case.number).first
    expect(group).to_contain_text("New reply from mts")
    expect(group).to_contain_text("Accepted by Dell (Dell number DSP-4411)")
    expect(group).to_contain_text("Visit scheduled")
    expect(group).to_contain_text("representative absent")
    expect(group).to_contain_text("A fee was recorded on the Dell dispatch")
    expect(group.locator(".badge")).to_contain_text("5 new")
    screenshot(page, "notifications-bell")
    doc_screenshot(page, "notifications")

    # Opening the case reads them.
    group.get_by_role("link", name=f"Case {case.number}").click()
    expect(page.locator(".case-header")).to_contain_text(case.number)
    page.goto(f"{live_server.url}/cases/notifications/")
    expect(page.locator(".notification-group .badge")).to_have_count(0)
    expect(page.get_by_role("link", name="Notifications").locator(".notification-count")).to_be_empty()
