"""When MTS owes the case its next answer: the stored, indexed `sla_due_at` the triage queue sorts by.

Pure. This is the seam DESIGN rule 7 replaces: for now a wall-clock target per priority (from settings),
set when the case enters a state MTS must act in, paused in `awaiting_partner` (the time left is kept and
given back when the partner answers), and cleared where MTS owes nothing (at the reseller, with Dell,
resolved, closed). The SLA issue swaps the arithmetic for business hours without touching callers.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from cases.checklist import Priority
from cases.workflow import SLA_PAUSED_STATES, State

# The states in which MTS owes an answer by `sla_due_at`.
SLA_RUNNING_STATES: frozenset[State] = frozenset({State.L2_MTS_QUEUE, State.L2_MTS_INVESTIGATING})


@dataclass(frozen=True, kw_only=True)
class SlaClock:
    due_at: datetime | None  # when MTS must answer next; None when no MTS clock runs
    paused_remaining: timedelta | None  # time left when the clock paused (awaiting_partner), else None


def on_enter(
    *,
    from_state: State,
    to_state: State,
    priority: Priority,
    now: datetime,
    current: SlaClock,
    targets: dict[Priority, timedelta],
) -> SlaClock:
    """The clock after a transition from `from_state` to `to_state` at `now` (aware UTC)."""
    if to_state == from_state:  # a take-over keeps the clock as it is
        return current
    if to_state in SLA_PAUSED_STATES:
        remaining = None
        if current.due_at is not None:
            remaining = max(current.due_at - now, timedelta(0))
        return SlaClock(due_at=None, paused_remaining=remaining)
    if to_state in SLA_RUNNING_STATES:
        if from_state in SLA_PAUSED_STATES and current.paused_remaining is not None:
            return SlaClock(due_at=now + current.paused_remaining, paused_remaining=None)
        return SlaClock(due_at=now + targets[priority], paused_remaining=None)
    return SlaClock(due_at=None, paused_remaining=None)


def on_priority_change(
    *, clock: SlaClock, old: Priority, new: Priority, targets: dict[Priority, timedelta]
) -> SlaClock:
    """Shift a running clock by the difference of the targets when the priority changes."""
    if clock.due_at is None or old == new:
        return clock
    return SlaClock(due_at=clock.due_at - targets[old] + targets[new], paused_remaining=clock.paused_remaining)
