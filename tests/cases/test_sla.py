"""The stored SLA clock (cases.sla): set on entering MTS states, paused awaiting the partner. Pure."""

from datetime import UTC, datetime, timedelta

import pytest

from cases.checklist import Priority
from cases.sla import SlaClock, on_enter, on_priority_change
from cases.workflow import State

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
TARGETS = {
    Priority.P1_CRITICAL: timedelta(hours=4),
    Priority.P2_HIGH: timedelta(hours=8),
    Priority.P3_NORMAL: timedelta(hours=24),
    Priority.P4_LOW: timedelta(hours=72),
}
STOPPED = SlaClock(due_at=None, paused_remaining=None)


def enter(from_state, to_state, current=STOPPED, priority=Priority.P1_CRITICAL, now=NOW):
    return on_enter(
        from_state=from_state, to_state=to_state, priority=priority, now=now, current=current, targets=TARGETS
    )


@pytest.mark.parametrize("priority", list(Priority))
def test_escalation_starts_the_clock_at_the_priority_target(priority):
    clock = enter(State.L1_RESELLER, State.L2_MTS_QUEUE, priority=priority)
    assert clock.due_at == NOW + TARGETS[priority]


def test_awaiting_partner_pauses_and_the_answer_gives_the_time_left_back():
    running = SlaClock(due_at=NOW + timedelta(hours=3), paused_remaining=None)
    paused = enter(State.L2_MTS_INVESTIGATING, State.AWAITING_PARTNER, running)
    assert paused == SlaClock(due_at=None, paused_remaining=timedelta(hours=3))
    later = NOW + timedelta(days=2)
    resumed = enter(State.AWAITING_PARTNER, State.L2_MTS_INVESTIGATING, paused, now=later)
    assert resumed.due_at == later + timedelta(hours=3)


def test_a_take_over_keeps_the_clock():
    running = SlaClock(due_at=NOW + timedelta(hours=1), paused_remaining=None)
    assert enter(State.L2_MTS_INVESTIGATING, State.L2_MTS_INVESTIGATING, running) == running


@pytest.mark.parametrize("to_state", [State.L1_RESELLER, State.L3_DELL, State.RESOLVED, State.CLOSED])
def test_no_mts_clock_outside_mts_states(to_state):
    running = SlaClock(due_at=NOW, paused_remaining=None)
    assert enter(State.L2_MTS_INVESTIGATING, to_state, running) == STOPPED


def test_a_higher_priority_brings_the_due_time_forward():
    running = SlaClock(due_at=NOW + timedelta(hours=24), paused_remaining=None)
    moved = on_priority_change(clock=running, old=Priority.P3_NORMAL, new=Priority.P1_CRITICAL, targets=TARGETS)
    assert moved.due_at == NOW + timedelta(hours=4)
