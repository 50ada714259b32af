"""The dispatch panel says what happened, in words, to the partner, MTS and Dell (docs/rules.md rules 8 and 9)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from django.utils import timezone

from dispatch import services, sweeps
from dispatch.nbd import MissCause
from tests.dispatch.factories import NOW, REPRESENTATIVE, dispatch_for

pytestmark = pytest.mark.django_db

ON_THE_DAY = datetime(2026, 3, 11, 8, 0, tzinfo=UTC)  # Wed 09:00 in Copenhagen, the target day
FRIDAY = datetime(2026, 3, 13, 8, 0, tzinfo=UTC)
DAY_ENDS = datetime(2026, 3, 11, 23, 0, tzinfo=UTC)
RAW_CODE = re.compile(
    r"\b(?:customer_reschedule|clearance_pending|representative_missing|dell_\w+|security_clearance_pending|location_unregistered|nbd_\w+_\w+)\b"
)


def step(dispatch, actor, action, *, now=NOW, **kwargs):
    dispatch.refresh_from_db()
    return services.dispatch_transition(
        actor=actor, dispatch=dispatch, action=action, version=dispatch.version, now=now, **kwargs
    )


def panel(client, user, dispatch) -> str:
    client.force_login(user)
    page = client.get(f"/cases/{dispatch.case.number}/")
    assert page.status_code == 200
    html = page.content.decode()
    return html[html.index('id="dispatch"') :]


def words(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_a_customer_reschedule_past_the_target_reads_the_same_to_all_three(
    client, reseller_user, mts_user, dell_user, unit
):
    dispatch = dispatch_for(reseller_user, mts_user, unit)
    step(dispatch, dell_user, "accept", dispatch_number="DSP-3")
    step(dispatch, dell_user, "schedule", visit_start_at=ON_THE_DAY, visit_end_at=ON_THE_DAY + timedelta(hours=3))
    step(
        dispatch,
        reseller_user,
        "reschedule",
        visit_start_at=FRIDAY,
        visit_end_at=FRIDAY + timedelta(hours=3),
        accept_fee=True,
    )
    sweeps.flag_missed_nbd(now=DAY_ENDS)
    for user in (reseller_user, mts_user, dell_user):
        html = panel(client, user, dispatch)
        text = words(html)
        assert f"NBD missed: {MissCause.CUSTOMER_RESCHEDULE.label}" in text, user
        assert (
            "Visit Fri 13 Mar 09:00–12:00 (site) is after the NBD target Wed 11 Mar: moved at the customer's "
            "request on Tue 10 Mar, late, fee recorded." in text
        )
        assert "(the customer's side)" in text
        assert not RAW_CODE.search(text), RAW_CODE.search(text)
        assert 'id="case-eligibility"' not in client.get(f"/cases/{dispatch.case.number}/").content.decode()
    # Dell's queue tells a customer-side miss from its own.
    client.force_login(dell_user)
    queue = words(client.get("/dispatch/queue/").content.decode())
    assert "NBD missed: customer side" in queue


def test_a_met_target_and_a_finished_dispatch_say_nothing_of_rescheduling_fees(
    client, reseller_user, mts_user, dell_user, unit
):
    dispatch = dispatch_for(reseller_user, mts_user, unit)
    step(dispatch, dell_user, "accept", dispatch_number="DSP-3")
    step(dispatch, dell_user, "schedule", visit_start_at=ON_THE_DAY, visit_end_at=ON_THE_DAY + timedelta(hours=3))
    step(dispatch, dell_user, "outcome", now=ON_THE_DAY + timedelta(hours=1), outcome="completed")
    text = words(panel(client, reseller_user, dispatch))
    assert "NBD met" in text
    assert "NBD met: the technician came on Wed 11 Mar 09:00–12:00 (site), by the end of the target day" in text
    assert "rescheduling fee" not in text
    assert "Free to reschedule" not in text


def test_clearance_accepted_is_not_shown_as_pending_any_more(client, reseller_user, mts_user, dell_user, unit):
    dispatch = dispatch_for(
        reseller_user, mts_user, unit, request={**REPRESENTATIVE, "security_requirements": "Escort and badge"}
    )
    assert "No NBD" in words(panel(client, mts_user, dispatch))
    for actor, action in ((mts_user, "request"), (dell_user, "accept")):
        dispatch.refresh_from_db()
        services.clearance_step(
            actor=actor, dispatch=dispatch, action=action, version=dispatch.version, note="", now=NOW
        )
    text = words(panel(client, reseller_user, dispatch))
    assert "clearance pending" not in text
    assert "No NBD" not in text
    assert "security_clearance_pending" not in text


def test_a_parts_only_dispatch_asks_for_a_delivery_contact(client, reseller_user, mts_user, unit):
    dispatch = dispatch_for(reseller_user, mts_user, unit, request={"kind": "parts_only"})
    text = words(panel(client, reseller_user, dispatch))
    assert "Delivery contact" in text
    assert "who receives the parts" in text
    assert "a visit cannot be scheduled" not in text


def test_a_refused_late_reschedule_keeps_what_was_typed_and_says_what_to_tick(
    client, reseller_user, mts_user, dell_user, unit
):
    now = timezone.now()
    dispatch = dispatch_for(reseller_user, mts_user, unit, now=now)
    start = now + timedelta(days=3)
    step(dispatch, dell_user, "accept", now=now, dispatch_number="DSP-4")
    step(
        dispatch,
        dell_user,
        "schedule",
        now=now,
        visit_start_at=start,
        visit_end_at=start + timedelta(hours=2),
        past_target_reason="Technician free then",
    )
    dispatch.refresh_from_db()
    client.force_login(reseller_user)
    typed = (now + timedelta(days=5)).astimezone(timezone.get_fixed_timezone(60)).strftime("%Y-%m-%dT10:00")
    page = client.post(
        f"/dispatch/{dispatch.pk}/transition/",
        {
            "action": "reschedule",
            "version": dispatch.version,
            "visit_start": typed,
            "visit_end": typed.replace("T10:00", "T12:00"),
            "note": "Customer on holiday",
        },
        follow=True,
    )
    html = page.content.decode()
    assert "Tick “The requester accepts the rescheduling fee” and send again" in words(html)
    assert f'value="{typed}"' in html
    assert 'value="Customer on holiday"' in html
    dispatch.refresh_from_db()
    assert dispatch.schedule_changes.count() == 1  # nothing written


def test_an_outcome_before_the_visit_is_refused_in_words_and_not_offered(
    client, reseller_user, mts_user, dell_user, unit
):
    now = timezone.now()
    dispatch = dispatch_for(reseller_user, mts_user, unit, now=now)
    start = now + timedelta(days=3)
    step(dispatch, dell_user, "accept", now=now, dispatch_number="DSP-4")
    step(
        dispatch,
        dell_user,
        "schedule",
        now=now,
        visit_start_at=start,
        visit_end_at=start + timedelta(hours=2),
        past_target_reason="Technician free then",
    )
    assert "How did the visit go?" not in panel(client, dell_user, dispatch)
    dispatch.refresh_from_db()
    page = client.post(
        f"/dispatch/{dispatch.pk}/transition/",
        {"action": "outcome", "version": dispatch.version, "outcome": "completed"},
        follow=True,
    )
    assert "The visit has not started yet on" in words(page.content.decode())
    dispatch.refresh_from_db()
    assert dispatch.state == "scheduled"


def test_the_visit_check_says_a_closed_day_before_submitting(client, reseller_user, mts_user, dell_user, unit):
    dispatch = dispatch_for(reseller_user, mts_user, unit)
    client.force_login(dell_user)
    answer = client.get(
        f"/dispatch/{dispatch.pk}/visit-check/", {"visit_start": "2026-03-14T10:00"}, HTTP_HX_REQUEST="true"
    )
    text = words(answer.content.decode())
    assert "Sat 14 Mar is not a business day at the site: a weekend day there." in text
    assert "A visit on Sat 14 Mar is after the next-business-day target Wed 11 Mar." in text
    assert (
        words(client.get(f"/dispatch/{dispatch.pk}/visit-check/", {"visit_start": "2026-03-11T10:00"}).content.decode())
        == ""
    )


def test_flash_messages_say_what_happened(client, reseller_user, mts_user, dell_user, unit):
    now = timezone.now() - timedelta(days=2)
    dispatch = dispatch_for(reseller_user, mts_user, unit, now=now)
    start = now + timedelta(hours=1)
    step(dispatch, dell_user, "accept", now=now, dispatch_number="DSP-5")
    step(
        dispatch,
        dell_user,
        "schedule",
        now=now,
        visit_start_at=start,
        visit_end_at=start + timedelta(hours=2),
        past_target_reason="x",
    )
    dispatch.refresh_from_db()
    client.force_login(dell_user)
    page = client.post(
        f"/dispatch/{dispatch.pk}/transition/",
        {"action": "outcome", "version": dispatch.version, "outcome": "representative_absent"},
        follow=True,
    )
    assert "Visit failed: representative absent. Fee recorded; book a new visit." in words(page.content.decode())
