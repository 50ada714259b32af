"""Parts on an onsite dispatch: shipped, delivered or fitted on the visit, the faulty part picked up or kept under
KYHD, in order (each step out of order refused with a code and nothing written), through the services, the API
and the case page; the 10-day return clock and its sweeps work as for parts-only."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from dispatch import services, sweeps
from dispatch.models import Part
from husky_support.domain import DomainError
from tests.dispatch.factories import NOW, dispatch_for
from tests.servicetags.factories import ConfirmedUnitFactory

pytestmark = pytest.mark.django_db

# The visit: Wednesday 11 March 2026, 09:00-12:00 in Copenhagen (08:00 UTC).
VISIT = datetime(2026, 3, 11, 8, 0, tzinfo=UTC)
AFTER_VISIT = VISIT + timedelta(hours=2)
PSU = {"part_number": "PSU-1", "description": "Power supply", "is_hard_drive": False}


def step(dispatch, actor, action, *, now=NOW, **kwargs):
    dispatch.refresh_from_db()
    return services.dispatch_transition(
        actor=actor, dispatch=dispatch, action=action, version=dispatch.version, now=now, **kwargs
    )


@pytest.fixture
def onsite(reseller_user, mts_user, dell_user, unit):
    dispatch = dispatch_for(reseller_user, mts_user, unit)
    step(dispatch, dell_user, "accept", dispatch_number="DSP-1")
    step(dispatch, dell_user, "schedule", visit_start_at=VISIT, visit_end_at=VISIT + timedelta(hours=3))
    dispatch.refresh_from_db()
    return dispatch


@pytest.fixture
def kyhd_unit(reseller_org):
    return ConfirmedUnitFactory(service_tag="KYH1234", reseller=reseller_org, kyhd=True)


def refused(call) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value


class TestOrder:
    def test_delivered_before_shipped_and_picked_up_before_delivered_are_refused(self, onsite, dell_user):
        part = services.part_add(actor=dell_user, dispatch=onsite, values=dict(PSU), now=NOW)
        error = refused(
            lambda: services.part_update(
                actor=dell_user, part=part, values={"delivered_on": date(2026, 3, 10)}, now=NOW
            )
        )
        assert (error.code, error.kind.value) == ("part_not_shipped", "conflict")
        error = refused(
            lambda: services.part_update(actor=dell_user, part=part, values={"returned_on": date(2026, 3, 10)}, now=NOW)
        )
        assert error.code == "part_not_delivered"
        part.refresh_from_db()
        assert (part.shipped_on, part.delivered_on, part.returned_on) == (None, None, None)  # nothing written

        services.part_update(actor=dell_user, part=part, values={"shipped_on": date(2026, 3, 10)}, now=NOW)
        error = refused(
            lambda: services.part_update(actor=dell_user, part=part, values={"delivered_on": date(2026, 3, 9)}, now=NOW)
        )
        assert (error.code, error.kind.value) == ("delivered_before_shipped", "invalid")
        services.part_update(actor=dell_user, part=part, values={"delivered_on": date(2026, 3, 10)}, now=NOW)
        error = refused(
            lambda: services.part_update(actor=dell_user, part=part, values={"returned_on": date(2026, 3, 9)}, now=NOW)
        )
        assert error.code == "picked_up_before_delivered"
        part = services.part_update(actor=dell_user, part=part, values={"returned_on": date(2026, 3, 10)}, now=NOW)
        assert part.returned_on == date(2026, 3, 10)

    def test_a_kyhd_drive_is_kept_not_picked_up(self, reseller_user, mts_user, dell_user, kyhd_unit):
        dispatch = dispatch_for(reseller_user, mts_user, kyhd_unit)
        part = services.part_add(
            actor=dell_user, dispatch=dispatch, values={"part_number": "HDD-1", "description": "Drive"}, now=NOW
        )
        services.part_update(
            actor=dell_user,
            part=part,
            values={"shipped_on": date(2026, 3, 10), "delivered_on": date(2026, 3, 10)},
            now=NOW,
        )
        error = refused(
            lambda: services.part_update(actor=dell_user, part=part, values={"returned_on": date(2026, 3, 10)}, now=NOW)
        )
        assert (error.code, error.kind.value) == ("kyhd_drive_kept", "conflict")
        part.refresh_from_db()
        assert (part.keep_faulty, part.returned_on, part.return_due_on) == (True, None, None)


class TestFittedOnTheVisit:
    def test_completing_the_visit_with_a_part_fitted_starts_its_return_clock(self, onsite, dell_user):
        shipped = services.part_add(actor=dell_user, dispatch=onsite, values=dict(PSU), now=NOW)
        services.part_update(
            actor=dell_user, part=shipped, values={"carrier": "DHL", "shipped_on": date(2026, 3, 10)}, now=NOW
        )
        spare = services.part_add(
            actor=dell_user, dispatch=onsite, values={**PSU, "part_number": "FAN-2", "description": "Fan"}, now=NOW
        )
        dispatch = step(onsite, dell_user, "outcome", now=AFTER_VISIT, outcome="completed", fitted_parts=[shipped.pk])
        assert dispatch.state == "completed"
        shipped.refresh_from_db()
        spare.refresh_from_db()
        assert (shipped.fitted_on, shipped.delivered_on, shipped.return_due_on) == (
            date(2026, 3, 11),
            date(2026, 3, 11),
            date(2026, 3, 21),
        )
        assert (spare.fitted_on, spare.delivered_on) == (None, None)  # not fitted: not delivered either
        label = dispatch.case.events.filter(action="outcome").get().data["label"]
        assert label == (
            "visit outcome Wed 11 Mar 09:00–12:00 (site time): completed; 1 part fitted; next-business-day target met"
        )

        # The sweeps flag the onsite part as they do a parts-only one.
        assert sweeps.warn_part_returns(now=datetime(2026, 3, 18, 23, 0, tzinfo=UTC)).done == 1
        assert sweeps.flag_overdue_part_returns(now=datetime(2026, 3, 21, 22, 59, tzinfo=UTC)).done == 0
        assert sweeps.flag_overdue_part_returns(now=datetime(2026, 3, 21, 23, 0, tzinfo=UTC)).done == 1
        shipped.refresh_from_db()
        assert shipped.return_overdue
        # The pickup, after completion, clears it.
        services.part_update(
            actor=dell_user,
            part=shipped,
            values={"returned_on": date(2026, 3, 22)},
            now=datetime(2026, 3, 22, 9, tzinfo=UTC),
        )
        shipped.refresh_from_db()
        assert not shipped.return_overdue

    def test_a_part_the_technician_carried_is_shipped_and_delivered_that_day(self, onsite, dell_user):
        part = services.part_add(actor=dell_user, dispatch=onsite, values=dict(PSU), now=NOW)
        step(onsite, dell_user, "outcome", now=AFTER_VISIT, outcome="completed", fitted_parts=[part.pk])
        part.refresh_from_db()
        assert (part.shipped_on, part.delivered_on, part.fitted_on) == (date(2026, 3, 11),) * 3

    def test_fitted_parts_with_another_outcome_or_not_listed_are_refused(
        self, onsite, dell_user, reseller_user, mts_user, other_unit
    ):
        part = services.part_add(actor=dell_user, dispatch=onsite, values=dict(PSU), now=NOW)
        error = refused(
            lambda: step(
                onsite,
                dell_user,
                "outcome",
                now=AFTER_VISIT,
                outcome="representative_absent",
                fitted_parts=[part.pk],
            )
        )
        assert error.code == "fitted_parts_need_completed_visit"
        error = refused(
            lambda: step(onsite, dell_user, "outcome", now=AFTER_VISIT, outcome="completed", fitted_parts=[999999])
        )
        assert (error.code, error.kind.value) == ("unknown_part", "invalid")
        onsite.refresh_from_db()
        part.refresh_from_db()
        assert (onsite.state, part.fitted_on, onsite.fees.count()) == ("scheduled", None, 0)  # nothing written


class TestApi:
    def test_part_steps_on_an_onsite_dispatch_with_their_codes(self, api_as, onsite, dell_user):
        dell = api_as(dell_user)
        made = dell.post(f"/api/v1/dispatches/{onsite.pk}/parts/", dict(PSU), format="json")
        part_url = f"/api/v1/dispatches/{onsite.pk}/parts/{made.json()['id']}/"
        with time_machine.travel(NOW, tick=False):
            early = dell.patch(part_url, {"delivered_on": "2026-03-10"}, format="json")
            assert (early.status_code, early.json()["code"]) == (409, "part_not_shipped")
            shipped = dell.patch(
                part_url, {"carrier": "DHL", "tracking_number": "JD1", "shipped_on": "2026-03-10"}, format="json"
            )
            assert shipped.status_code == 200
        with time_machine.travel(AFTER_VISIT, tick=False):
            done = dell.post(
                f"/api/v1/dispatches/{onsite.pk}/outcome/",
                {"version": onsite.version + 1, "outcome": "completed", "fitted_parts": [made.json()["id"]]},
                format="json",
            )
            assert done.status_code == 200, done.json()
            part = dell.get(f"/api/v1/dispatches/{onsite.pk}/parts/").json()[0]
            assert (part["fitted_on"], part["delivered_on"], part["return_due_on"]) == (
                "2026-03-11",
                "2026-03-11",
                "2026-03-21",
            )
            backwards = dell.patch(part_url, {"returned_on": "2026-03-10"}, format="json")
            assert (backwards.status_code, backwards.json()["code"]) == (400, "picked_up_before_delivered")
            picked = dell.patch(part_url, {"returned_on": "2026-03-11"}, format="json")
            assert picked.json()["returned_on"] == "2026-03-11"


class TestPage:
    def test_dell_ships_then_completes_with_the_part_fitted(self, client, onsite, dell_user):
        part = services.part_add(actor=dell_user, dispatch=onsite, values=dict(PSU), now=NOW)
        client.force_login(dell_user)
        case_url = f"/cases/{onsite.case.number}/"
        with time_machine.travel(NOW, tick=False):
            page = client.get(case_url).content.decode()
            assert "Shipped today" in page
            early = client.post(
                f"/dispatch/{onsite.pk}/parts/{part.pk}/", {"delivered_on": "2026-03-10"}, follow=True
            ).content.decode()
            assert "Record the part as shipped before it is delivered." in early
            assert "part_not_shipped" not in early  # words, not codes
            shipped = client.post(
                f"/dispatch/{onsite.pk}/parts/{part.pk}/",
                {"shipped_on": "2026-03-10", "carrier": "DHL", "tracking_number": "JD1"},
                follow=True,
            ).content.decode()
            assert "PSU-1 (Power supply) shipped." in shipped
            assert "Delivered to the site today" in shipped
        with time_machine.travel(AFTER_VISIT, tick=False):
            page = client.get(case_url).content.decode()
            assert 'name="fitted_parts"' in page
            onsite.refresh_from_db()
            done = client.post(
                f"/dispatch/{onsite.pk}/transition/",
                {"version": onsite.version, "action": "outcome", "outcome": "completed", "fitted_parts": [part.pk]},
                follow=True,
            ).content.decode()
            assert "fitted on site Wed 11 Mar; faulty part due back by Sat 21 Mar" in done
            assert "Picked up today" in done
            picked = client.post(
                f"/dispatch/{onsite.pk}/parts/{part.pk}/", {"returned_on": "2026-03-11"}, follow=True
            ).content.decode()
            assert "Faulty part of PSU-1 (Power supply) picked up." in picked

    def test_a_pickup_of_a_kyhd_drive_says_why_on_the_page(self, client, reseller_user, mts_user, dell_user, kyhd_unit):
        dispatch = dispatch_for(reseller_user, mts_user, kyhd_unit)
        part = services.part_add(
            actor=dell_user, dispatch=dispatch, values={"part_number": "HDD-1", "description": "Drive"}, now=NOW
        )
        services.part_update(
            actor=dell_user,
            part=part,
            values={"shipped_on": date(2026, 3, 10), "delivered_on": date(2026, 3, 10)},
            now=NOW,
        )
        client.force_login(dell_user)
        with time_machine.travel(NOW, tick=False):
            page = client.post(
                f"/dispatch/{dispatch.pk}/parts/{part.pk}/", {"returned_on": "2026-03-10"}, follow=True
            ).content.decode()
        assert "the customer keeps the faulty drive, so no pickup is arranged" in page
        assert Part.objects.get(pk=part.pk).returned_on is None
