"""docs/rules.md rules 8 and 9 end to end through the services, with time travel (`now` arguments): every verdict
and every cause stored on the dispatch, decided once, announced once, in the site's zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cases.models import CaseEvent
from dispatch import services, sweeps
from dispatch.models import Dispatch, ScheduleChange
from husky_support.domain import DomainError, ErrorKind
from partners.integrations.models import Event
from tests.dispatch.factories import NOW, REPRESENTATIVE, dispatch_for

pytestmark = pytest.mark.django_db

# The unit is in Copenhagen: qualified Tue 10 Mar 13:00, target Wed 11 Mar, which ends at 23:00 UTC.
ON_THE_DAY = datetime(2026, 3, 11, 8, 0, tzinfo=UTC)  # 09:00 in Copenhagen
DAY_ENDS = datetime(2026, 3, 11, 23, 0, tzinfo=UTC)
FRIDAY = datetime(2026, 3, 13, 8, 0, tzinfo=UTC)
LATER = "The customer asked for a later day"


def step(dispatch, actor, action, *, now=NOW, **kwargs):
    dispatch.refresh_from_db()
    return services.dispatch_transition(
        actor=actor, dispatch=dispatch, action=action, version=dispatch.version, now=now, **kwargs
    )


def book(dispatch, dell_user, start, *, now=NOW, reason=""):
    step(dispatch, dell_user, "accept", now=now, dispatch_number="DSP-9")
    return step(
        dispatch,
        dell_user,
        "schedule",
        now=now,
        visit_start_at=start,
        visit_end_at=start + timedelta(hours=3),
        past_target_reason=reason,
    )


def stored(dispatch) -> tuple[str, str]:
    dispatch.refresh_from_db()
    return dispatch.nbd_verdict, dispatch.nbd_miss_cause


def nbd_events(dispatch) -> list[str]:
    return list(
        Event.objects.filter(object_type="dispatch", object_id=str(dispatch.pk), type__startswith="dispatch.nbd")
        .order_by("sequence")
        .values_list("type", flat=True)
    )


def sweep_at(now):
    return sweeps.flag_missed_nbd(now=now).done


class TestMet:
    def test_a_visit_on_the_target_day_meets_it_when_reported(self, reseller_user, mts_user, dell_user, unit):
        dispatch = book(dispatch_for(reseller_user, mts_user, unit), dell_user, ON_THE_DAY)
        assert stored(dispatch) == ("pending", "")
        step(dispatch, dell_user, "outcome", now=ON_THE_DAY + timedelta(hours=2), outcome="completed")
        assert stored(dispatch) == ("met", "")
        assert dispatch.nbd_decided_at == ON_THE_DAY + timedelta(hours=2)
        assert nbd_events(dispatch) == ["dispatch.nbd_met"]
        assert sweep_at(DAY_ENDS) == 0  # decided: the sweep leaves it alone
        assert nbd_events(dispatch) == ["dispatch.nbd_met"]

    def test_a_visit_on_the_day_reported_next_morning_awaits_then_meets(self, reseller_user, mts_user, dell_user, unit):
        evening = datetime(2026, 3, 11, 19, 0, tzinfo=UTC)  # 20:00 in Copenhagen
        dispatch = book(dispatch_for(reseller_user, mts_user, unit), dell_user, evening)
        assert sweep_at(DAY_ENDS) == 1
        assert stored(dispatch) == ("awaiting_outcome", "")
        assert dispatch.nbd_missed_at is None
        assert sweep_at(DAY_ENDS + timedelta(hours=1)) == 0  # not read again
        step(dispatch, dell_user, "outcome", now=DAY_ENDS + timedelta(hours=8), outcome="completed")
        assert stored(dispatch) == ("met", "")
        assert not CaseEvent.objects.filter(case=dispatch.case, action="nbd_missed").exists()

    def test_a_representative_absent_in_time_still_meets_it(self, reseller_user, mts_user, dell_user, unit):
        dispatch = book(dispatch_for(reseller_user, mts_user, unit), dell_user, ON_THE_DAY)
        step(dispatch, dell_user, "outcome", now=ON_THE_DAY + timedelta(hours=1), outcome="representative_absent")
        assert stored(dispatch) == ("met", "")
        assert dispatch.state == "accepted"  # back to scheduling, the target kept


class TestMissed:
    def test_a_late_customer_reschedule_is_the_customers_miss(self, reseller_user, mts_user, dell_user, unit):
        dispatch = book(dispatch_for(reseller_user, mts_user, unit), dell_user, ON_THE_DAY)
        step(
            dispatch,
            reseller_user,
            "reschedule",
            visit_start_at=FRIDAY,
            visit_end_at=FRIDAY + timedelta(hours=3),
            accept_fee=True,
        )
        assert ScheduleChange.objects.filter(dispatch=dispatch, by_customer=True, late=True).count() == 1
        assert stored(dispatch) == ("pending", "")
        assert sweep_at(DAY_ENDS) == 1
        assert stored(dispatch) == ("missed", "customer_reschedule")
        assert dispatch.nbd_missed_at == DAY_ENDS
        [row] = CaseEvent.objects.filter(case=dispatch.case, action="nbd_missed")
        assert row.data["label"] == (
            "next-business-day target missed: the visit was moved past the target at the customer's request"
        )
        assert nbd_events(dispatch) == ["dispatch.nbd_missed"]
        assert sweep_at(DAY_ENDS + timedelta(days=1)) == 0  # idempotent
        # the visit on Friday is still reported; the miss stays a miss
        step(dispatch, dell_user, "outcome", now=FRIDAY + timedelta(hours=1), outcome="completed")
        assert stored(dispatch) == ("missed", "customer_reschedule")

    def test_dell_booking_late_says_why_and_is_dells_miss(self, reseller_user, mts_user, dell_user, unit):
        dispatch = dispatch_for(reseller_user, mts_user, unit)
        step(dispatch, dell_user, "accept", dispatch_number="DSP-9")
        version = Dispatch.objects.get(pk=dispatch.pk).version
        with pytest.raises(DomainError) as refused:
            step(dispatch, dell_user, "schedule", visit_start_at=FRIDAY, visit_end_at=FRIDAY + timedelta(hours=2))
        assert (refused.value.code, refused.value.kind) == ("past_target_reason_required", ErrorKind.INVALID)
        assert Dispatch.objects.get(pk=dispatch.pk).version == version  # nothing written
        assert not ScheduleChange.objects.exists()
        step(
            dispatch,
            dell_user,
            "schedule",
            visit_start_at=FRIDAY,
            visit_end_at=FRIDAY + timedelta(hours=2),
            past_target_reason="Replacement board arrives Thursday",
        )
        assert ScheduleChange.objects.get().past_target_reason == "Replacement board arrives Thursday"
        sweep_at(DAY_ENDS)
        assert stored(dispatch) == ("missed", "dell_booked_late")

    @pytest.mark.parametrize(
        ("request_", "steps", "cause"),
        [
            pytest.param({}, [], "representative_missing", id="no-representative"),
            pytest.param(
                {**REPRESENTATIVE, "security_requirements": "Escort and badge"},
                [],
                "clearance_pending",
                id="clearance-never-accepted",
            ),
            pytest.param(None, [], "dell_not_accepted", id="never-accepted"),
            pytest.param(None, ["deny"], "dell_denied", id="denied"),
            pytest.param(None, ["accept"], "dell_booked_late", id="accepted-never-booked"),
        ],
    )
    def test_each_cause_through_the_services(self, reseller_user, mts_user, dell_user, unit, request_, steps, cause):
        dispatch = dispatch_for(reseller_user, mts_user, unit, request=request_)
        for action in steps:
            step(dispatch, dell_user, action, dispatch_number="DSP-1", note="Service tag not found")
        assert sweep_at(DAY_ENDS - timedelta(seconds=1)) == 0
        assert sweep_at(DAY_ENDS) == 1
        assert stored(dispatch) == ("missed", cause)
        assert nbd_events(dispatch) == ["dispatch.nbd_missed"]

    def test_requirements_accepted_in_time_move_the_blame_to_dell(self, reseller_user, mts_user, dell_user, unit):
        request = {**REPRESENTATIVE, "security_requirements": "Escort and badge"}
        dispatch = dispatch_for(reseller_user, mts_user, unit, request=request)
        for actor, action in ((mts_user, "request"), (dell_user, "accept")):
            dispatch.refresh_from_db()
            services.clearance_step(
                actor=actor, dispatch=dispatch, action=action, version=dispatch.version, note="", now=NOW
            )
        sweep_at(DAY_ENDS)
        assert stored(dispatch) == ("missed", "dell_not_accepted")

    def test_a_representative_named_on_the_target_day_is_too_late(self, reseller_user, mts_user, dell_user, unit):
        dispatch = dispatch_for(reseller_user, mts_user, unit, request={})
        services.dispatch_site_update(
            actor=reseller_user, dispatch=dispatch, version=dispatch.version, values=REPRESENTATIVE, now=ON_THE_DAY
        )
        book(dispatch, dell_user, FRIDAY, now=ON_THE_DAY, reason="Representative named only today")
        sweep_at(DAY_ENDS)
        assert stored(dispatch) == ("missed", "representative_missing")


class TestNotApplicable:
    def test_parts_only_has_nothing_to_keep(self, reseller_user, mts_user, dell_user, unit):
        dispatch = dispatch_for(reseller_user, mts_user, unit, request={**REPRESENTATIVE, "kind": "parts_only"})
        assert stored(dispatch) == ("not_applicable", "")
        assert dispatch.nbd_decided_at == NOW
        assert sweep_at(DAY_ENDS) == 0

    def test_cancelled_before_the_day_ends(self, reseller_user, mts_user, dell_user, unit):
        dispatch = dispatch_for(reseller_user, mts_user, unit)
        step(dispatch, mts_user, "cancel", now=ON_THE_DAY, note="Customer fixed it")
        assert stored(dispatch) == ("not_applicable", "")
        assert sweep_at(DAY_ENDS) == 0
        assert nbd_events(dispatch) == []


class TestRule8:
    def test_an_outcome_before_the_visit_starts_is_refused_and_nothing_is_written(
        self, reseller_user, mts_user, dell_user, unit
    ):
        dispatch = book(dispatch_for(reseller_user, mts_user, unit), dell_user, ON_THE_DAY)
        rows = CaseEvent.objects.filter(case=dispatch.case).count()
        with pytest.raises(DomainError) as refused:
            step(dispatch, dell_user, "outcome", now=ON_THE_DAY - timedelta(minutes=1), outcome="representative_absent")
        assert (refused.value.code, refused.value.kind) == ("visit_not_started", ErrorKind.CONFLICT)
        assert "Wed 11 Mar at 09:00 (site time)" in refused.value.message
        dispatch.refresh_from_db()
        assert (dispatch.state, dispatch.outcome, dispatch.fees.count()) == ("scheduled", "", 0)
        assert CaseEvent.objects.filter(case=dispatch.case).count() == rows

    def test_the_visit_notes_name_the_closed_day_and_the_target(self, reseller_user, mts_user, dell_user, unit):
        dispatch = dispatch_for(reseller_user, mts_user, unit)
        saturday = datetime(2026, 3, 14, 9, 0, tzinfo=UTC)
        notes = services.visit_notes(dispatch, saturday)
        assert [n.code for n in notes] == ["not_business_day", "after_nbd_target"]
        assert notes[0].message == "Sat 14 Mar is not a business day at the site: a weekend day there."
        assert services.visit_notes(dispatch, ON_THE_DAY) == []

    def test_a_finished_dispatch_cannot_be_rescheduled(self, reseller_user, mts_user, dell_user, unit):
        dispatch = book(dispatch_for(reseller_user, mts_user, unit), dell_user, ON_THE_DAY)
        step(dispatch, dell_user, "outcome", now=ON_THE_DAY + timedelta(hours=1), outcome="completed")
        with pytest.raises(DomainError) as refused:
            step(
                dispatch,
                reseller_user,
                "reschedule",
                now=ON_THE_DAY + timedelta(hours=2),
                visit_start_at=FRIDAY,
                visit_end_at=FRIDAY + timedelta(hours=1),
                accept_fee=True,
            )
        assert (refused.value.code, refused.value.kind) == ("not_allowed_from_state", ErrorKind.CONFLICT)


class TestApi:
    def test_the_list_answers_the_verdict_and_cause_and_filters_by_them(
        self, api_as, reseller_user, mts_user, dell_user, unit
    ):
        met = book(dispatch_for(reseller_user, mts_user, unit), dell_user, ON_THE_DAY)
        step(met, dell_user, "outcome", now=ON_THE_DAY + timedelta(hours=1), outcome="completed")
        missed = dispatch_for(reseller_user, mts_user, unit)
        sweep_at(DAY_ENDS)
        client = api_as(mts_user)
        rows = {r["id"]: r for r in client.get("/api/v1/dispatches/").json()["results"]}
        assert (rows[met.pk]["nbd_verdict"], rows[met.pk]["nbd_miss_cause"]) == ("met", "")
        assert (rows[missed.pk]["nbd_verdict"], rows[missed.pk]["nbd_miss_cause"]) == ("missed", "dell_not_accepted")
        only = client.get("/api/v1/dispatches/?nbd=missed").json()["results"]
        assert [r["id"] for r in only] == [missed.pk]
        both = client.get("/api/v1/dispatches/?nbd=missed&nbd=met").json()["results"]
        assert {r["id"] for r in both} == {met.pk, missed.pk}
        by_cause = client.get("/api/v1/dispatches/?nbd_miss_cause=customer_reschedule").json()["results"]
        assert by_cause == []
        bad = client.get("/api/v1/dispatches/?nbd=late")
        assert bad.status_code == 400
        early = client.post(
            f"/api/v1/dispatches/{met.pk}/outcome/", {"version": 1, "outcome": "completed"}, format="json"
        )
        assert early.status_code == 409  # finished, nothing written

    def test_an_early_outcome_is_409_visit_not_started_and_nothing_is_written(
        self, api_as, reseller_user, mts_user, dell_user, unit
    ):
        from django.utils import timezone

        now = timezone.now()
        dispatch = book(
            dispatch_for(reseller_user, mts_user, unit, now=now),
            dell_user,
            now + timedelta(days=3),
            now=now,
            reason="x",
        )
        dispatch.refresh_from_db()
        answer = api_as(dell_user).post(
            f"/api/v1/dispatches/{dispatch.pk}/outcome/",
            {"version": dispatch.version, "outcome": "representative_absent"},
            format="json",
        )
        assert (answer.status_code, answer.json()["code"]) == (409, "visit_not_started")
        dispatch.refresh_from_db()
        assert (dispatch.state, dispatch.fees.count()) == ("scheduled", 0)
