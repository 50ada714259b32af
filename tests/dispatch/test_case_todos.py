""" "What you can do" on the case page lists the dispatch actions open to the viewer, with links to their forms
in the dispatch panel, instead of "Nothing for you to do" while Dell or the partner has something to do."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from dispatch import services
from tests.dispatch.factories import NOW, dispatch_for

pytestmark = pytest.mark.django_db

VISIT = datetime(2026, 3, 11, 8, 0, tzinfo=UTC)  # 09:00 at the site on the NBD target day


def todos(client, case) -> list[str]:
    page = client.get(f"/cases/{case.number}/").content.decode()
    block = page.split('id="actions-h"')[1].split("</section>")[0]
    assert "Nothing for you to do" not in block or 'id="case-todos"' not in block
    return [
        f"{html.unescape(label).strip()} -> {url}"
        for url, label in re.findall(r'<li class="mb-1"><a href="([^"]+)"[^>]*><i[^>]*></i>([^<]+)</a>', block)
    ]


def step(dispatch, actor, action, **kwargs):
    dispatch.refresh_from_db()
    return services.dispatch_transition(
        actor=actor, dispatch=dispatch, action=action, version=dispatch.version, now=NOW, **kwargs
    )


@time_machine.travel(NOW, tick=False)
def test_dell_and_the_reseller_are_told_what_waits_for_them(client, reseller_user, mts_user, dell_user, unit):
    dispatch = dispatch_for(reseller_user, mts_user, unit)
    client.force_login(dell_user)
    assert todos(client, dispatch.case) == ["Accept the Dell dispatch (with Dell's number) or deny it -> #dispatch"]
    client.force_login(reseller_user)
    assert todos(client, dispatch.case) == []  # nothing yet: the page says so
    assert "Nothing for you to do right now" in client.get(f"/cases/{dispatch.case.number}/").content.decode()

    step(dispatch, dell_user, "accept", dispatch_number="DSP-1")
    client.force_login(dell_user)
    assert todos(client, dispatch.case) == ["Schedule the visit -> #schedule-form"]
    step(dispatch, dell_user, "schedule", visit_start_at=VISIT, visit_end_at=VISIT + timedelta(hours=3))
    services.part_add(
        actor=dell_user,
        dispatch=dispatch,
        values={"part_number": "PSU-1", "description": "Power supply", "is_hard_drive": False},
        now=NOW,
    )
    assert todos(client, dispatch.case) == [
        "Reschedule the visit, if the site asks -> #schedule-form",
        "Record the parts shipped or delivered -> #part-steps",
    ]  # docs/rules.md rule 8: the outcome waits for the visit to start at the site
    with time_machine.travel(VISIT + timedelta(minutes=30), tick=False):
        client.force_login(dell_user)  # a new day's session
        assert "Report how the visit went -> #dispatch" in todos(client, dispatch.case)
    client.force_login(reseller_user)
    assert todos(client, dispatch.case) == ["Reschedule the visit, if the site asks -> #schedule-form"]


@time_machine.travel(NOW, tick=False)
def test_the_clearance_request_is_listed_for_mts_then_for_dell(client, reseller_user, mts_user, dell_user, unit):
    dispatch = dispatch_for(reseller_user, mts_user, unit)
    services.dispatch_site_update(
        actor=reseller_user,
        dispatch=dispatch,
        version=dispatch.version,
        values={"security_requirements": "Escort required"},
        now=NOW,
    )
    client.force_login(mts_user)
    assert "Send the site's security requirements to Dell -> #dispatch" in todos(client, dispatch.case)
    dispatch.refresh_from_db()
    services.clearance_step(
        actor=mts_user, dispatch=dispatch, action="request", version=dispatch.version, note="", now=NOW
    )
    client.force_login(dell_user)
    assert "Accept or decline the site's security requirements -> #dispatch" in todos(client, dispatch.case)


def test_the_case_page_with_todos_costs_no_more_queries(
    client, reseller_user, mts_user, dell_user, unit, django_assert_max_num_queries
):
    number = dispatch_for(reseller_user, mts_user, unit).case.number
    client.force_login(dell_user)
    # the panel and the todos read the dispatch once (16 with the notification path's reads: the viewer's
    # notifications of the case marked read, when they last opened it, its followers)
    with django_assert_max_num_queries(16):
        page = client.get(f"/cases/{number}/")
    assert 'id="case-todos"' in page.content.decode()
