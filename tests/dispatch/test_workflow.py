"""The dispatch state machine on its own: no database (no django_db mark), time passed in."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dispatch.workflow import (
    FINISHED_STATES,
    MAX_DENIALS,
    TRANSITIONS,
    Action,
    Clearance,
    ClearanceAction,
    DispatchFacts,
    DispatchKind,
    DispatchRefused,
    FeeKind,
    Outcome,
    State,
    available_actions,
    check_visit,
    plan,
    plan_clearance,
)
from husky_support.calendar import business_calendar
from husky_support.domain import ErrorKind
from partners.kinds import OrgKind

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
START = NOW + timedelta(days=10)
ONSITE = DispatchFacts(
    kind=DispatchKind.ONSITE,
    now=NOW,
    representative_named=True,
    visit_start_at=START,
    visit_end_at=START + timedelta(hours=2),
    dispatch_number="DSP-1",
    note="a reason",
    parts_count=1,
)
PARTS = replace(ONSITE, kind=DispatchKind.PARTS_ONLY)
VISITED = replace(ONSITE, current_visit_start_at=NOW - timedelta(hours=1))  # the visit window has started
D, M, R, DI = OrgKind.DELL, OrgKind.MTS, OrgKind.RESELLER, OrgKind.DISTRIBUTOR


@pytest.mark.parametrize(
    ("kind", "state", "action", "actor", "facts", "to_state", "fee"),
    [
        pytest.param("onsite", "requested", "accept", D, ONSITE, State.ACCEPTED, None, id="dell-accepts"),
        pytest.param("onsite", "requested", "deny", D, ONSITE, State.DENIED, None, id="dell-denies"),
        pytest.param(
            "onsite",
            "requested",
            "deny",
            D,
            replace(ONSITE, denial_count=MAX_DENIALS - 1),
            State.VOIDED,
            None,
            id="third-denial-voids",
        ),
        pytest.param("onsite", "denied", "resubmit", M, ONSITE, State.REQUESTED, None, id="mts-resubmits"),
        pytest.param("onsite", "accepted", "schedule", D, ONSITE, State.SCHEDULED, None, id="dell-schedules"),
        pytest.param("onsite", "accepted", "schedule", M, ONSITE, State.SCHEDULED, None, id="mts-schedules"),
        pytest.param("onsite", "scheduled", "reschedule", R, ONSITE, State.SCHEDULED, None, id="free-reschedule"),
        pytest.param(
            "onsite",
            "scheduled",
            "reschedule",
            DI,
            replace(ONSITE, late_change=True, accept_fee=True),
            State.SCHEDULED,
            FeeKind.LATE_RESCHEDULE,
            id="late-reschedule-with-fee",
        ),
        pytest.param(
            "onsite",
            "scheduled",
            "outcome",
            D,
            replace(VISITED, outcome=Outcome.COMPLETED),
            State.COMPLETED,
            None,
            id="visit-completed",
        ),
        pytest.param(
            "onsite",
            "scheduled",
            "outcome",
            D,
            replace(VISITED, outcome=Outcome.REPRESENTATIVE_ABSENT),
            State.ACCEPTED,
            FeeKind.REPRESENTATIVE_ABSENT,
            id="representative-absent-back-to-scheduling",
        ),
        pytest.param(
            "onsite",
            "scheduled",
            "outcome",
            D,
            replace(VISITED, outcome=Outcome.CLEARANCE_NOT_ARRANGED),
            State.ACCEPTED,
            FeeKind.SECURITY_CLEARANCE_NOT_ARRANGED,
            id="clearance-not-arranged-fee",
        ),
        pytest.param(
            "onsite",
            "scheduled",
            "outcome",
            D,
            replace(VISITED, outcome=Outcome.FAILED),
            State.FAILED,
            None,
            id="visit-failed",
        ),
        pytest.param("onsite", "scheduled", "cancel", M, ONSITE, State.CANCELLED, None, id="mts-cancels"),
        pytest.param("parts_only", "accepted", "ship_parts", D, PARTS, State.PARTS_SHIPPED, None, id="parts-ship"),
        pytest.param(
            "parts_only", "parts_shipped", "confirm_delivery", R, PARTS, State.DELIVERED, None, id="partner-confirms"
        ),
        pytest.param("parts_only", "delivered", "complete", M, PARTS, State.COMPLETED, None, id="parts-complete"),
    ],
)
def test_allowed_steps(kind, state, action, actor, facts, to_state, fee) -> None:
    step = plan(kind, state, action, actor, facts)
    assert (step.to_state, step.fee) == (to_state, fee)
    assert step.voids is (to_state is State.VOIDED)


@pytest.mark.parametrize(
    ("kind", "state", "action", "actor", "facts", "code"),
    [
        pytest.param("onsite", "requested", "accept", M, ONSITE, "role_not_allowed", id="mts-cannot-accept"),
        pytest.param("onsite", "requested", "accept", R, ONSITE, "role_not_allowed", id="partner-cannot-accept"),
        pytest.param(
            "onsite",
            "requested",
            "accept",
            D,
            replace(ONSITE, dispatch_number=" "),
            "dispatch_number_required",
            id="accept-needs-a-number",
        ),
        pytest.param("onsite", "requested", "deny", D, replace(ONSITE, note=""), "note_required", id="deny-reason"),
        pytest.param(
            "onsite",
            "accepted",
            "schedule",
            D,
            replace(ONSITE, representative_named=False),
            "authorized_rep_missing",
            id="schedule-needs-representative",
        ),
        pytest.param(
            "onsite",
            "accepted",
            "schedule",
            D,
            replace(ONSITE, visit_end_at=START - timedelta(hours=1)),
            "visit_window_inverted",
            id="window-ends-before-it-starts",
        ),
        pytest.param(
            "onsite",
            "accepted",
            "schedule",
            D,
            replace(ONSITE, visit_start_at=NOW - timedelta(hours=1), visit_end_at=NOW + timedelta(hours=1)),
            "visit_in_past",
            id="window-in-the-past",
        ),
        pytest.param(
            "onsite",
            "accepted",
            "schedule",
            D,
            replace(ONSITE, visit_start_at=None),
            "visit_window_required",
            id="window-missing",
        ),
        pytest.param(
            "onsite",
            "scheduled",
            "reschedule",
            R,
            replace(ONSITE, late_change=True),
            "late_reschedule_requires_fee_acceptance",
            id="late-without-fee",
        ),
        pytest.param(
            "onsite",
            "scheduled",
            "reschedule",
            R,
            replace(ONSITE, current_visit_start_at=NOW - timedelta(minutes=1)),
            "visit_started",
            id="reschedule-after-the-visit-started",
        ),
        pytest.param("onsite", "scheduled", "outcome", D, VISITED, "outcome_required", id="outcome-missing"),
        pytest.param(
            "onsite",
            "scheduled",
            "outcome",
            D,
            replace(VISITED, outcome=Outcome.FAILED, note=""),
            "note_required",
            id="failure-needs-a-reason",
        ),
        pytest.param("onsite", "accepted", "ship_parts", D, ONSITE, "not_allowed_from_state", id="onsite-no-ship"),
        pytest.param("parts_only", "accepted", "schedule", D, PARTS, "not_allowed_from_state", id="parts-no-visit"),
        pytest.param(
            "parts_only",
            "accepted",
            "ship_parts",
            D,
            replace(PARTS, parts_count=0),
            "parts_required",
            id="ship-needs-parts",
        ),
        pytest.param("onsite", "completed", "cancel", M, ONSITE, "not_allowed_from_state", id="no-cancel-when-done"),
        pytest.param("onsite", "requested", "cancel", D, ONSITE, "role_not_allowed", id="dell-cannot-cancel"),
        pytest.param("onsite", "requested", "fly", D, ONSITE, "unknown_action", id="unknown-action"),
    ],
)
def test_refused_steps(kind, state, action, actor, facts, code) -> None:
    with pytest.raises(DispatchRefused) as refused:
        plan(kind, state, action, actor, facts)
    assert refused.value.code == code
    assert refused.value.message


def test_bad_input_is_400_and_refusals_are_409() -> None:
    with pytest.raises(DispatchRefused) as bad:
        plan("onsite", "requested", "deny", D, replace(ONSITE, note=""))
    with pytest.raises(DispatchRefused) as refusal:
        plan("onsite", "requested", "accept", R, ONSITE)
    assert (bad.value.kind, refusal.value.kind) == (ErrorKind.INVALID, ErrorKind.CONFLICT)


def test_finished_states_allow_nothing() -> None:
    for state in FINISHED_STATES:
        for kind in DispatchKind:
            assert available_actions(kind, state, M, ONSITE) == []
            assert available_actions(kind, state, D, ONSITE) == []


def test_available_actions_per_party_while_scheduled() -> None:
    bare = replace(ONSITE, note="", dispatch_number="", visit_start_at=None, visit_end_at=None)
    assert available_actions("onsite", "scheduled", D, bare) == [Action.RESCHEDULE]
    started = replace(bare, current_visit_start_at=NOW)
    assert available_actions("onsite", "scheduled", D, started) == [Action.OUTCOME]
    assert available_actions("onsite", "scheduled", M, bare) == [Action.RESCHEDULE, Action.CANCEL]
    assert available_actions("onsite", "scheduled", R, bare) == [Action.RESCHEDULE]


def test_a_late_change_stays_offered_so_the_page_can_ask_for_the_fee() -> None:
    late = replace(ONSITE, late_change=True, visit_start_at=None, visit_end_at=None)
    assert Action.RESCHEDULE in available_actions("onsite", "scheduled", R, late)


def test_a_started_visit_can_no_longer_be_rescheduled() -> None:
    started = replace(ONSITE, current_visit_start_at=NOW)
    assert Action.RESCHEDULE not in available_actions("onsite", "scheduled", R, started)


def test_schedule_is_not_offered_without_a_representative() -> None:
    assert Action.SCHEDULE not in available_actions(
        "onsite", "accepted", D, replace(ONSITE, representative_named=False)
    )


@given(
    kind=st.sampled_from(DispatchKind),
    state=st.sampled_from(State),
    action=st.sampled_from(Action),
    actor=st.sampled_from([*OrgKind, None]),
    denials=st.integers(min_value=0, max_value=5),
    outcome=st.sampled_from([None, *Outcome]),
)
def test_plan_only_ever_lands_where_the_table_says(kind, state, action, actor, denials, outcome) -> None:
    facts = replace(ONSITE, kind=kind, denial_count=denials, outcome=outcome)
    try:
        step = plan(kind, state, action, actor, facts)
    except DispatchRefused:
        return
    assert (kind, state, action) in TRANSITIONS
    assert actor is not None
    if action is Action.DENY:
        assert step.to_state in {State.DENIED, State.VOIDED}
    elif action is Action.OUTCOME:
        assert step.to_state in {State.COMPLETED, State.ACCEPTED, State.FAILED}
    else:
        assert step.to_state is TRANSITIONS[(kind, state, action)]


@pytest.mark.parametrize(
    ("current", "action", "actor", "note", "expected"),
    [
        pytest.param(Clearance.STATED, "request", M, "", Clearance.REQUESTED, id="mts-sends-the-request"),
        pytest.param(Clearance.REQUESTED, "accept", D, "", Clearance.ACCEPTED, id="dell-accepts"),
        pytest.param(Clearance.REQUESTED, "decline", D, "No escort", Clearance.DECLINED, id="dell-declines"),
        pytest.param(Clearance.DECLINED, "request", M, "", Clearance.REQUESTED, id="mts-resends"),
    ],
)
def test_clearance_steps(current, action, actor, note, expected) -> None:
    assert plan_clearance(current, action, actor, note=note) is expected


@pytest.mark.parametrize(
    ("current", "action", "actor", "note", "code"),
    [
        pytest.param(Clearance.NONE, "request", M, "", "not_allowed_from_state", id="nothing-to-request"),
        pytest.param(Clearance.STATED, "accept", D, "", "not_allowed_from_state", id="not-requested-yet"),
        pytest.param(Clearance.STATED, "request", R, "", "role_not_allowed", id="partner-cannot-send"),
        pytest.param(Clearance.REQUESTED, "accept", M, "", "role_not_allowed", id="mts-cannot-accept"),
        pytest.param(Clearance.REQUESTED, "decline", D, " ", "note_required", id="decline-needs-reason"),
        pytest.param(Clearance.REQUESTED, "shrug", D, "", "unknown_action", id="unknown"),
    ],
)
def test_clearance_refusals(current, action, actor, note, code) -> None:
    with pytest.raises(DispatchRefused) as refused:
        plan_clearance(current, action, actor, note=note)
    assert refused.value.code == code


def test_pending_clearance_is_what_makes_nbd_not_guaranteed() -> None:
    assert {c for c in Clearance if c.pending} == {Clearance.STATED, Clearance.REQUESTED, Clearance.DECLINED}
    assert ClearanceAction.REQUEST.value == "request"


class TestRule8:
    """docs/rules.md rule 8: visits happen before they are reported; a booking past the target is said."""

    def test_an_outcome_before_the_window_starts_is_a_conflict_and_not_offered(self) -> None:
        early = replace(ONSITE, outcome=Outcome.COMPLETED, current_visit_start_at=NOW + timedelta(minutes=1))
        with pytest.raises(DispatchRefused) as refused:
            plan("onsite", "scheduled", "outcome", D, early)
        assert refused.value.code == "visit_not_started"
        assert refused.value.kind is ErrorKind.CONFLICT
        assert "Tue 10 Mar at 12:01" in refused.value.message
        assert Action.OUTCOME not in available_actions("onsite", "scheduled", D, early)

    def test_the_window_start_itself_is_in_time(self) -> None:
        at_start = replace(ONSITE, outcome=Outcome.REPRESENTATIVE_ABSENT, current_visit_start_at=NOW)
        assert plan("onsite", "scheduled", "outcome", D, at_start).to_state is State.ACCEPTED

    @pytest.mark.parametrize(
        ("actor", "first", "reason", "refused"),
        [
            (D, True, "", True),
            (D, True, "Technician on leave; customer agreed", False),
            (D, False, "", False),  # a later booking after a failed visit: no reason asked
            (M, True, "", False),  # MTS records a booking agreed with the customer
        ],
    )
    def test_dell_booking_the_first_visit_past_the_target_says_why(self, actor, first, reason, refused) -> None:
        facts = replace(ONSITE, nbd_target_on=date(2026, 3, 11), first_visit=first, past_target_reason=reason)
        if refused:
            with pytest.raises(DispatchRefused) as answer:
                plan("onsite", "accepted", "schedule", actor, facts)
            assert (answer.value.code, answer.value.kind) == ("past_target_reason_required", ErrorKind.INVALID)
            assert Action.SCHEDULE in available_actions("onsite", "accepted", actor, facts)
        else:
            assert plan("onsite", "accepted", "schedule", actor, facts).to_state is State.SCHEDULED

    def test_a_visit_on_the_target_day_needs_no_reason(self) -> None:
        on_day = datetime(2026, 3, 11, 22, 30, tzinfo=UTC)  # 23:30 in Copenhagen, still the target day
        facts = replace(
            ONSITE,
            nbd_target_on=date(2026, 3, 11),
            site_timezone="Europe/Copenhagen",
            first_visit=True,
            visit_start_at=on_day,
            visit_end_at=on_day + timedelta(minutes=20),
        )
        assert plan("onsite", "accepted", "schedule", D, facts).to_state is State.SCHEDULED

    def test_check_visit_names_the_holiday_and_the_weekend_at_the_site(self) -> None:
        sa = business_calendar("SA")
        friday = datetime(2026, 12, 11, 10, 0, tzinfo=UTC)  # 13:00 in Riyadh, the Saudi weekend
        notes = check_visit(friday, "Asia/Riyadh", sa, date(2026, 12, 8), [])
        assert [n.code for n in notes] == ["not_business_day", "after_nbd_target"]
        assert notes[0].message == "Fri 11 Dec is not a business day at the site: a weekend day there."
        assert notes[1].message == "A visit on Fri 11 Dec is after the next-business-day target Tue 8 Dec."
        dk = business_calendar("DK")
        christmas = datetime(2026, 12, 25, 9, 0, tzinfo=UTC)
        [note] = check_visit(christmas, "Europe/Copenhagen", dk, None, dk.holiday_names(date(2026, 12, 25)))
        assert note.code == "not_business_day"
        assert note.message.startswith("Fri 25 Dec is not a business day at the site: ")
        assert "weekend" not in note.message
        assert check_visit(datetime(2026, 12, 8, 9, 0, tzinfo=UTC), "Asia/Riyadh", sa, date(2026, 12, 8), []) == []
