"""The SLA clock (cases.sla) in business hours of the owning team. Pure: no database mark."""

from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from cases import sla
from cases.sla import Alerted, Context, SlaClock, SlaState, Targets
from cases.workflow import State
from husky_support.business_hours import BusinessHours, parse_weekly_hours

CPH = ZoneInfo("Europe/Copenhagen")
NY = ZoneInfo("America/New_York")
WEEKDAYS_8_16 = {day: [["08:00", "16:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


class Open:
    def __init__(self, *closed: date) -> None:
        self.closed = set(closed)

    def is_business_day(self, day: date) -> bool:
        return day not in self.closed


def hours(zone=CPH, *closed):
    return BusinessHours(zone=zone, weekly=parse_weekly_hours(WEEKDAYS_8_16), calendar=Open(*closed))


TARGETS = Targets(first_response=timedelta(hours=4), next_update=timedelta(hours=8))
CTX = Context(targets=TARGETS, hours=hours(), near_ratio=0.8)
TUESDAY_EVENING = datetime(2026, 12, 1, 19, 0, tzinfo=CPH)
TUESDAY_NOON = datetime(2026, 12, 1, 12, 0, tzinfo=CPH)


def local(moment):
    return moment.astimezone(CPH).replace(tzinfo=None)


def escalate(now, ctx=CTX):
    return sla.on_enter(
        from_state=State.L1_RESELLER, to_state=State.L2_MTS_QUEUE, now=now, current=sla.STOPPED, ctx=ctx
    )


def test_a_case_opened_on_tuesday_evening_is_due_wednesday_morning_not_at_night():
    clock = escalate(TUESDAY_EVENING)
    assert local(clock.due_at) == datetime(2026, 12, 2, 12, 0)
    assert local(clock.near_at) == datetime(2026, 12, 2, 11, 12)  # 80 % of 4 business hours
    assert clock.target is sla.Target.FIRST_RESPONSE


def test_taking_the_case_keeps_its_due_time():
    clock = escalate(TUESDAY_NOON)
    taken = sla.on_enter(
        from_state=State.L2_MTS_QUEUE,
        to_state=State.L2_MTS_INVESTIGATING,
        now=TUESDAY_NOON + timedelta(minutes=5),
        current=clock,
        ctx=CTX,
    )
    assert taken == clock


def test_the_first_mts_answer_meets_the_first_response_and_starts_the_next_update():
    clock = escalate(TUESDAY_NOON)
    answered_at = TUESDAY_NOON + timedelta(hours=1)
    answered = sla.on_mts_answer(current=clock, now=answered_at, ctx=CTX)
    assert answered.responded_at == answered_at
    assert answered.target is sla.Target.NEXT_UPDATE
    # 8 business hours from 13:00 Tuesday: 3 h on Tuesday, 5 h on Wednesday.
    assert local(answered.due_at) == datetime(2026, 12, 2, 13, 0)


def test_an_mts_answer_meets_or_misses_the_next_update_it_owes_and_a_recorded_breach_is_not_counted_twice():
    first = escalate(TUESDAY_NOON)
    assert sla.next_update_outcome(first, TUESDAY_NOON + timedelta(hours=1)) is None  # the first response runs
    answered = sla.on_mts_answer(current=first, now=TUESDAY_NOON + timedelta(hours=1), ctx=CTX)
    due = answered.due_at  # Wednesday 13:00
    assert sla.next_update_outcome(answered, due) is sla.UpdateOutcome.MET
    assert sla.next_update_outcome(answered, due + timedelta(minutes=1)) is sla.UpdateOutcome.LATE
    breached = replace(answered, alerted=Alerted.BREACHED)  # the sweep's breach row counts this one
    assert sla.next_update_outcome(breached, due + timedelta(minutes=1)) is None
    paused = sla.on_enter(
        from_state=State.L2_MTS_INVESTIGATING, to_state=State.AWAITING_PARTNER, now=due, current=answered, ctx=CTX
    )
    assert sla.next_update_outcome(paused, due) is None  # nothing owed while the partner has the case


def test_a_partner_message_restarts_the_next_update_but_not_the_first_response():
    first = escalate(TUESDAY_NOON)
    later = TUESDAY_NOON + timedelta(hours=2)
    assert sla.on_partner_message(current=first, now=later, ctx=CTX) == first
    answered = sla.on_mts_answer(current=first, now=TUESDAY_NOON, ctx=CTX)
    restarted = sla.on_partner_message(current=answered, now=later, ctx=CTX)
    assert local(restarted.due_at) == datetime(2026, 12, 2, 14, 0)


def test_a_pause_keeps_the_business_time_left_and_resume_gives_it_back():
    clock = escalate(TUESDAY_NOON)  # due Tuesday 16:00
    paused = sla.on_enter(
        from_state=State.L2_MTS_INVESTIGATING,
        to_state=State.AWAITING_PARTNER,
        now=TUESDAY_NOON + timedelta(hours=1),
        current=clock,
        ctx=CTX,
    )
    assert (paused.due_at, paused.paused_remaining) == (None, timedelta(hours=3))
    assert sla.sla_state(paused, TUESDAY_NOON) is SlaState.PAUSED
    friday_afternoon = datetime(2026, 12, 4, 15, 0, tzinfo=CPH)
    resumed = sla.on_enter(
        from_state=State.AWAITING_PARTNER,
        to_state=State.L2_MTS_INVESTIGATING,
        now=friday_afternoon,
        current=paused,
        ctx=CTX,
    )
    # 1 h on Friday, then the weekend, then 2 h on Monday.
    assert local(resumed.due_at) == datetime(2026, 12, 7, 10, 0)


@pytest.mark.parametrize("to_state", [State.L1_RESELLER, State.L3_DELL, State.RESOLVED, State.CLOSED])
def test_no_clock_where_mts_owes_nothing(to_state):
    clock = escalate(TUESDAY_NOON)
    stopped = sla.on_enter(
        from_state=State.L2_MTS_INVESTIGATING, to_state=to_state, now=TUESDAY_NOON, current=clock, ctx=CTX
    )
    assert (stopped.due_at, stopped.near_at, stopped.paused_remaining) == (None, None, None)
    assert sla.sla_state(stopped, TUESDAY_NOON) is SlaState.NONE


def test_a_holiday_is_skipped():
    ctx = replace(CTX, hours=hours(CPH, date(2026, 12, 2)))
    assert local(escalate(TUESDAY_EVENING, ctx).due_at) == datetime(2026, 12, 3, 12, 0)


def test_a_higher_priority_counts_the_time_spent_against_its_shorter_target():
    slow = Targets(first_response=timedelta(hours=16), next_update=timedelta(hours=16))
    clock = escalate(TUESDAY_NOON, replace(CTX, targets=slow))
    one_hour_later = TUESDAY_NOON + timedelta(hours=1)
    moved = sla.on_priority_change(current=clock, now=one_hour_later, old=slow, ctx=CTX)
    assert local(moved.due_at) == datetime(2026, 12, 1, 16, 0)  # 4 h target from 12:00, 1 h of it spent


def test_a_team_move_counts_the_time_left_in_the_new_teams_hours():
    clock = escalate(TUESDAY_NOON)  # due Tuesday 16:00 Copenhagen, 4 business hours left
    new_york = replace(CTX, hours=hours(NY))
    moved = sla.on_team_change(current=clock, now=TUESDAY_NOON, old_hours=CTX.hours, ctx=new_york)
    # 12:00 Copenhagen is 06:00 in New York: the team opens at 08:00 and has 4 h to go.
    assert moved.due_at.astimezone(NY).replace(tzinfo=None) == datetime(2026, 12, 1, 12, 0)


@pytest.mark.parametrize(
    ("minutes_after", "expected"),
    [(0, SlaState.OK), (3 * 60 + 11, SlaState.OK), (3 * 60 + 12, SlaState.NEAR_BREACH), (4 * 60, SlaState.BREACHED)],
)
def test_sla_state_follows_the_business_time_spent(minutes_after, expected):
    clock = escalate(TUESDAY_NOON - timedelta(hours=4))  # 08:00, due 12:00, near 11:12
    assert sla.sla_state(clock, TUESDAY_NOON - timedelta(hours=4) + timedelta(minutes=minutes_after)) is expected


def test_a_warning_recorded_before_a_pause_is_not_recorded_again_after_it():
    clock = replace(escalate(TUESDAY_NOON), alerted=Alerted.NEAR_BREACH)
    paused = sla.on_enter(
        from_state=State.L2_MTS_INVESTIGATING,
        to_state=State.AWAITING_PARTNER,
        now=TUESDAY_NOON + timedelta(minutes=230),
        current=clock,
        ctx=CTX,
    )
    resumed = sla.on_enter(
        from_state=State.AWAITING_PARTNER,
        to_state=State.L2_MTS_INVESTIGATING,
        now=datetime(2026, 12, 2, 9, 0, tzinfo=CPH),
        current=paused,
        ctx=CTX,
    )
    assert resumed.alerted is Alerted.NEAR_BREACH
    assert local(resumed.due_at) == datetime(2026, 12, 2, 9, 10)


@pytest.mark.parametrize(
    ("clock", "now", "words"),
    [
        (SlaClock(due_at=datetime(2026, 12, 2, 10, 10, tzinfo=CPH)), TUESDAY_EVENING, "2 h 10 min left"),
        (SlaClock(due_at=datetime(2026, 12, 1, 18, 0, tzinfo=CPH)), TUESDAY_NOON, "4 h left"),
        (SlaClock(due_at=datetime(2026, 12, 1, 11, 25, tzinfo=CPH)), TUESDAY_NOON, "overdue by 35 min"),
        (SlaClock(paused_remaining=timedelta(days=2, hours=1)), TUESDAY_NOON, "2 days 1 h left, paused"),
        (SlaClock(), TUESDAY_NOON, ""),
    ],
)
def test_time_left_in_words_counts_business_hours(clock, now, words):
    assert sla.time_left_words(clock, now, hours()) == words
