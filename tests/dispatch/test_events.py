"""Dispatch and fee events for partner systems: written with the change, to exactly who may see them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dispatch import services
from dispatch.models import Dispatch
from dispatch.selectors import dispatches_visible_to
from dispatch.workflow import DispatchRefused
from partners.integrations.models import Event, EventRecipient
from tests.dispatch.factories import NOW, dispatch_for
from tests.partners.factories import DellFactory, UserFactory

pytestmark = pytest.mark.django_db


def recipients(event_type):
    return {
        r.organisation.name
        for r in EventRecipient.objects.filter(event__type=event_type).select_related("organisation")
    }


def test_dispatch_events_reach_exactly_who_sees_the_dispatch(
    reseller_user, distributor_user, mts_user, dell_user, other_reseller_user, unit
):
    other_dell = UserFactory(username="dell-b", organisation=DellFactory(name="Dell Other Region"))
    dispatch = dispatch_for(reseller_user, mts_user, unit)
    start = NOW + timedelta(days=2)
    for action, kwargs in [
        ("accept", {"dispatch_number": "D-1"}),
        (
            "schedule",
            {"visit_start_at": start, "visit_end_at": start + timedelta(hours=1), "past_target_reason": "Later"},
        ),
        (
            "reschedule",
            {
                "visit_start_at": start + timedelta(days=1),
                "visit_end_at": start + timedelta(days=1, hours=1),
                "accept_fee": True,
            },
        ),
        ("outcome", {"outcome": "representative_absent"}),
    ]:
        dispatch.refresh_from_db()
        services.dispatch_transition(
            actor=dell_user if action != "reschedule" else reseller_user,
            dispatch=dispatch,
            action=action,
            version=dispatch.version,
            now=start + timedelta(days=1, minutes=5) if action == "outcome" else NOW,  # rule 8: after the visit
            **kwargs,
        )
    seeing = {
        user.organisation.name
        for user in (reseller_user, distributor_user, mts_user, dell_user, other_reseller_user, other_dell)
        if dispatches_visible_to(user).filter(pk=dispatch.pk).exists()
    }
    for event_type in (
        "dispatch.requested",
        "dispatch.accepted",
        "dispatch.scheduled",
        "dispatch.rescheduled",
        "dispatch.failed",
    ):
        assert recipients(event_type) == seeing, event_type
    # Dell charges the fees: its team sees them like MTS and the partner side (docs/rules.md "Dispatch").
    assert recipients("fee.recorded") == seeing
    assert Event.objects.filter(type="fee.recorded").count() == 2  # the late reschedule, the absent representative
    sequences = list(
        Event.objects.filter(object_type="dispatch").order_by("sequence").values_list("sequence", flat=True)
    )
    assert sequences == [1, 2, 3, 4, 5, 6]


def test_a_refused_step_records_no_event(reseller_user, mts_user, dell_user, unit):
    dispatch = dispatch_for(reseller_user, mts_user, unit)
    before = Event.objects.count()
    with pytest.raises(DispatchRefused):
        services.dispatch_transition(
            actor=dell_user, dispatch=dispatch, action="deny", version=dispatch.version, now=NOW
        )
    assert Event.objects.count() == before
    assert Dispatch.objects.get(pk=dispatch.pk).state == "requested"
