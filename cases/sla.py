"""When MTS owes the case its next answer, in business hours of the owning team (docs/rules.md rule 7).

Pure: the caller passes the clock as stored on the case, the targets of the case's priority (from the SLA
policy), the team's BusinessHours and `now`. Two targets run one after the other:
- first response: from the moment the case reaches the MTS queue until the first partner-visible MTS answer
  (a comment or a transition the partner sees; taking the case is not an answer);
- next update: from that answer on, restarted by each further MTS answer and by each partner message.
The clock pauses in `awaiting_partner` keeping the business time left, resumes with it, and stops where MTS
owes nothing (at the reseller, with Dell, resolved, closed). `near_at` is when `near_ratio` of the target has
passed; `alerted` remembers which warning the sweep already recorded, so it records each once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import IntEnum, StrEnum

from django.db.models import TextChoices

from cases.workflow import SLA_PAUSED_STATES, State
from husky_support.business_hours import BusinessHours, BusinessTimeline, add_business_time, business_time_between

# The states in which MTS owes an answer by `due_at`.
SLA_RUNNING_STATES: frozenset[State] = frozenset({State.L2_MTS_QUEUE, State.L2_MTS_INVESTIGATING})
DEFAULT_NEAR_RATIO = 0.8


class Target(StrEnum):
    FIRST_RESPONSE = "first_response"
    NEXT_UPDATE = "next_update"


class SlaState(TextChoices):
    OK = "ok", "On time"
    NEAR_BREACH = "near_breach", "Near breach"
    BREACHED = "breached", "Breached"
    PAUSED = "paused", "Paused"
    NONE = "none", "No SLA"


_STATE_LABELS = {member: member.label for member in SlaState}


class Alerted(IntEnum):
    """What the breach sweep has recorded for the running target."""

    NOTHING = 0
    NEAR_BREACH = 1
    BREACHED = 2


@dataclass(frozen=True, kw_only=True)
class Targets:
    """The SLA policy of one priority, in business time of the owning team."""

    first_response: timedelta
    next_update: timedelta

    def of(self, target: Target) -> timedelta:
        return self.first_response if target is Target.FIRST_RESPONSE else self.next_update


@dataclass(frozen=True, kw_only=True)
class SlaClock:
    due_at: datetime | None = None  # when MTS must answer; None when no clock runs
    near_at: datetime | None = None  # when the running target becomes a near-breach
    paused_remaining: timedelta | None = None  # business time left while paused (awaiting_partner)
    responded_at: datetime | None = None  # the first partner-visible MTS answer
    alerted: Alerted = Alerted.NOTHING

    @property
    def target(self) -> Target:
        """Which target runs (or is paused): first response until MTS answered, next update afterwards."""
        return Target.FIRST_RESPONSE if self.responded_at is None else Target.NEXT_UPDATE

    @property
    def running(self) -> bool:
        return self.due_at is not None


@dataclass(frozen=True, kw_only=True)
class Context:
    """What the arithmetic needs besides the clock: the case's targets and its team's hours."""

    targets: Targets
    hours: BusinessHours
    near_ratio: float = DEFAULT_NEAR_RATIO


STOPPED = SlaClock()


def _level(due_at: datetime, near_at: datetime, now: datetime) -> Alerted:
    if now >= due_at:
        return Alerted.BREACHED
    return Alerted.NEAR_BREACH if now >= near_at else Alerted.NOTHING


def _run(clock: SlaClock, *, now: datetime, left: timedelta, ctx: Context, alerted: Alerted) -> SlaClock:
    """Run the clock's target from `now` with `left` business time to go (its full target minus `left`
    already spent). A warning already recorded is not recorded again unless the clock moved back out of it."""
    full = ctx.targets.of(clock.target)
    spent = full - left
    due_at = add_business_time(now, max(left, timedelta(0)), ctx.hours)
    near_at = add_business_time(now, max(full * ctx.near_ratio - spent, timedelta(0)), ctx.hours)
    return replace(
        clock,
        due_at=due_at,
        near_at=near_at,
        paused_remaining=None,
        alerted=min(alerted, _level(due_at, near_at, now)),
    )


def _restart(clock: SlaClock, *, now: datetime, ctx: Context) -> SlaClock:
    return _run(clock, now=now, left=ctx.targets.of(clock.target), ctx=ctx, alerted=Alerted.NOTHING)


def _left(clock: SlaClock, now: datetime, hours: BusinessHours) -> timedelta:
    if clock.due_at is None:
        return clock.paused_remaining if clock.paused_remaining is not None else timedelta(0)
    return business_time_between(now, clock.due_at, hours)


def on_enter(*, from_state: State, to_state: State, now: datetime, current: SlaClock, ctx: Context) -> SlaClock:
    """The clock after a transition from `from_state` to `to_state` at `now` (aware). Moving between the
    MTS states (take) or staying put keeps the clock as it is."""
    running_before = from_state in SLA_RUNNING_STATES
    if to_state in SLA_RUNNING_STATES:
        if running_before and current.running:
            return current
        if from_state in SLA_PAUSED_STATES and current.paused_remaining is not None:
            return _run(current, now=now, left=current.paused_remaining, ctx=ctx, alerted=current.alerted)
        return _restart(current, now=now, ctx=ctx)
    if to_state in SLA_PAUSED_STATES:
        if from_state in SLA_PAUSED_STATES:
            return current
        remaining = max(_left(current, now, ctx.hours), timedelta(0)) if current.running else None
        return replace(current, due_at=None, near_at=None, paused_remaining=remaining)
    return replace(current, due_at=None, near_at=None, paused_remaining=None, alerted=Alerted.NOTHING)


def on_mts_answer(*, current: SlaClock, now: datetime, ctx: Context) -> SlaClock:
    """A partner-visible MTS answer: meets the first response, and a running clock owes the next update
    one target from now."""
    answered = current if current.responded_at is not None else replace(current, responded_at=now)
    if not answered.running:
        return answered
    return _restart(answered, now=now, ctx=ctx)


class UpdateOutcome(StrEnum):
    """What an MTS answer did to the next update it owed, kept on the answer's timeline row (data
    `next_update`) for the reports' next-update attainment."""

    MET = "met"  # by its due time
    LATE = "late"  # after it, before the breach sweep recorded the breach (a recorded breach counts it already)


def next_update_outcome(current: SlaClock, now: datetime) -> UpdateOutcome | None:
    """What a partner-visible MTS answer at `now` does to the next update the clock owes; None when it owes
    none (the first response still runs, the clock is paused or stopped) or its breach is already recorded."""
    if current.target is not Target.NEXT_UPDATE or current.due_at is None:
        return None
    if now <= current.due_at:
        return UpdateOutcome.MET
    return UpdateOutcome.LATE if current.alerted < Alerted.BREACHED else None


def on_partner_message(*, current: SlaClock, now: datetime, ctx: Context) -> SlaClock:
    """A partner message restarts a running next-update target; the first response keeps its due time."""
    if not current.running or current.responded_at is None:
        return current
    return _restart(current, now=now, ctx=ctx)


def on_priority_change(*, current: SlaClock, now: datetime, old: Targets, ctx: Context) -> SlaClock:
    """The same business time already spent, measured against the new priority's target."""
    target = current.target
    difference = ctx.targets.of(target) - old.of(target)
    if current.paused_remaining is not None:
        return replace(current, paused_remaining=max(current.paused_remaining + difference, timedelta(0)))
    if not current.running:
        return current
    return _run(current, now=now, left=_left(current, now, ctx.hours) + difference, ctx=ctx, alerted=current.alerted)


def on_team_change(*, current: SlaClock, now: datetime, old_hours: BusinessHours, ctx: Context) -> SlaClock:
    """The business time left in the old team's hours, counted on in the new team's hours from `now`. An
    overdue clock stays overdue where it is."""
    if not current.running:
        return current
    left = _left(current, now, old_hours)
    if left <= timedelta(0):
        return current
    return _run(current, now=now, left=left, ctx=ctx, alerted=current.alerted)


def sla_state(clock: SlaClock, now: datetime) -> SlaState:
    if clock.paused_remaining is not None:
        return SlaState.PAUSED
    if clock.due_at is None:
        return SlaState.NONE
    if now >= clock.due_at:
        return SlaState.BREACHED
    if clock.near_at is not None and now >= clock.near_at:
        return SlaState.NEAR_BREACH
    return SlaState.OK


def duration_words(duration: timedelta) -> str:
    """'2 h 10 min', '3 days 1 h', '45 min', 'under a minute' (a non-negative business duration)."""
    minutes = int(abs(duration).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(f"{days} day" if days == 1 else f"{days} days")
    if hours:
        parts.append(f"{hours} h")
    if mins and not days:
        parts.append(f"{mins} min")
    return " ".join(parts) or "under a minute"


def time_left_words(clock: SlaClock, now: datetime, hours: BusinessHours | BusinessTimeline) -> str:
    """'2 h 10 min left' in business hours, 'overdue by 35 min', '4 h left, paused', or '' with no clock.
    A BusinessTimeline answers a page of rows with one walk of the business intervals."""
    if clock.paused_remaining is not None:
        return f"{duration_words(clock.paused_remaining)} left, paused"
    if clock.due_at is None:
        return ""
    if isinstance(hours, BusinessTimeline):
        left = hours.between(now, clock.due_at)
    else:
        left = business_time_between(now, clock.due_at, hours)
    if now >= clock.due_at:
        return f"overdue by {duration_words(left)}"
    return f"{duration_words(left)} left"
