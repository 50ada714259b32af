"""The life of a Dell dispatch: states, actions, the transition table and its guards.

Pure: the caller reads the dispatch and the clock and passes them in as DispatchFacts; plan() decides
and changes nothing. Nothing else in the project decides a dispatch transition.

Onsite:     requested → accepted → scheduled → completed | failed            (cancelled before the end)
            requested → denied → (resubmit) requested; the third denial voids the dispatch
            scheduled → (representative absent / clearance not arranged) accepted: back to scheduling
Parts-only: requested → accepted → parts_shipped → delivered → completed
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from django.db.models import TextChoices

from husky_support.calendar import Calendar, site_zone
from husky_support.domain import ErrorKind, Refused
from partners.kinds import OrgKind

# docs/rules.md "Dispatch": a third denial voids the dispatch; a new one is needed.
MAX_DENIALS = 3


class DispatchKind(TextChoices):
    ONSITE = "onsite", "Onsite technician"
    PARTS_ONLY = "parts_only", "Parts only"


class State(TextChoices):
    REQUESTED = "requested", "Requested from Dell"
    ACCEPTED = "accepted", "Accepted by Dell"
    DENIED = "denied", "Denied by Dell"
    SCHEDULED = "scheduled", "Visit scheduled"
    PARTS_SHIPPED = "parts_shipped", "Parts shipped"
    DELIVERED = "delivered", "Parts delivered"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"
    VOIDED = "voided", "Voided after three denials"


class Action(TextChoices):
    ACCEPT = "accept", "Accept"
    DENY = "deny", "Deny"
    RESUBMIT = "resubmit", "Resubmit"
    SCHEDULE = "schedule", "Schedule visit"
    RESCHEDULE = "reschedule", "Reschedule visit"
    OUTCOME = "outcome", "Report visit outcome"
    SHIP_PARTS = "ship_parts", "Ship parts"
    CONFIRM_DELIVERY = "confirm_delivery", "Confirm delivery"
    COMPLETE = "complete", "Complete"
    CANCEL = "cancel", "Cancel dispatch"


class Outcome(TextChoices):
    """What the technician reports after a visit (docs/rules.md rule 5 and the seed's clearance paragraph)."""

    COMPLETED = "completed", "Completed"
    REPRESENTATIVE_ABSENT = "representative_absent", "Representative absent"
    CLEARANCE_NOT_ARRANGED = "clearance_not_arranged", "Security clearance not arranged"
    FAILED = "failed", "Failed for another reason"


class FeeKind(TextChoices):
    LATE_RESCHEDULE = "late_reschedule", "Late rescheduling fee"
    REPRESENTATIVE_ABSENT = "representative_absent", "Follow-up visit: representative absent"
    SECURITY_CLEARANCE_NOT_ARRANGED = "security_clearance_not_arranged", "Security requirements not arranged beforehand"


class Clearance(TextChoices):
    """Site security/clearance: the partner states it, MTS sends the special request, Dell decides."""

    NONE = "none", "No security requirements"  # no requirements stated
    STATED = (
        "stated",
        "Requirements stated, not yet sent to Dell",
    )  # the partner stated requirements; MTS has not sent the request yet
    REQUESTED = "requested", "Requested from Dell"  # sent to Dell, awaiting its answer
    ACCEPTED = "accepted", "Accepted by Dell"
    DECLINED = "declined", "Declined by Dell"

    @property
    def pending(self) -> bool:
        """NBD is not guaranteed until Dell accepted the requirements (docs/rules.md rule 3)."""
        return self in {Clearance.STATED, Clearance.REQUESTED, Clearance.DECLINED}


S, A, K = State, Action, DispatchKind

# (kind, state, action) -> next state. The outcome action's target depends on the outcome: see _outcome_target.
TRANSITIONS: dict[tuple[DispatchKind, State, Action], State] = {
    **{
        (kind, state, action): target
        for kind in DispatchKind
        for (state, action), target in {
            (S.REQUESTED, A.ACCEPT): S.ACCEPTED,
            (S.REQUESTED, A.DENY): S.DENIED,  # or VOIDED on the third denial: see plan()
            (S.DENIED, A.RESUBMIT): S.REQUESTED,
            (S.REQUESTED, A.CANCEL): S.CANCELLED,
            (S.ACCEPTED, A.CANCEL): S.CANCELLED,
            (S.DENIED, A.CANCEL): S.CANCELLED,
        }.items()
    },
    (K.ONSITE, S.ACCEPTED, A.SCHEDULE): S.SCHEDULED,
    (K.ONSITE, S.SCHEDULED, A.RESCHEDULE): S.SCHEDULED,
    (K.ONSITE, S.SCHEDULED, A.OUTCOME): S.COMPLETED,
    (K.ONSITE, S.SCHEDULED, A.CANCEL): S.CANCELLED,
    (K.PARTS_ONLY, S.ACCEPTED, A.SHIP_PARTS): S.PARTS_SHIPPED,
    (K.PARTS_ONLY, S.PARTS_SHIPPED, A.CONFIRM_DELIVERY): S.DELIVERED,
    (K.PARTS_ONLY, S.DELIVERED, A.COMPLETE): S.COMPLETED,
    (K.PARTS_ONLY, S.PARTS_SHIPPED, A.CANCEL): S.CANCELLED,
}

PARTNERS = frozenset({OrgKind.RESELLER, OrgKind.DISTRIBUTOR})
MTS = frozenset({OrgKind.MTS})
DELL = frozenset({OrgKind.DELL})

WHO_MAY: dict[Action, frozenset[OrgKind]] = {
    A.ACCEPT: DELL,
    A.DENY: DELL,
    A.RESUBMIT: MTS,
    A.SCHEDULE: DELL | MTS,  # Dell books the visit; MTS records one agreed by phone
    A.RESCHEDULE: DELL | MTS | PARTNERS,  # anyone may ask; the 8-day rule decides the fee
    A.OUTCOME: DELL,
    A.SHIP_PARTS: DELL,
    A.CONFIRM_DELIVERY: DELL | MTS | PARTNERS,  # whoever sees the carrier's delivery
    A.COMPLETE: DELL | MTS,
    A.CANCEL: MTS,
}

NOTE_REQUIRED: frozenset[Action] = frozenset({A.DENY, A.RESUBMIT, A.CANCEL})

FINISHED_STATES: frozenset[State] = frozenset({S.COMPLETED, S.FAILED, S.CANCELLED, S.VOIDED})
OPEN_STATES: frozenset[State] = frozenset(set(State) - FINISHED_STATES)
# Until a visit is done Dell still owes the next-business-day target (rule 1).
NBD_PENDING_STATES: frozenset[State] = frozenset({S.REQUESTED, S.ACCEPTED, S.DENIED, S.SCHEDULED})

STATE_LABELS = {member: member.label for member in State}

ACTION_LABELS = {member: member.label for member in Action}


class DispatchRefused(Refused):
    """A refused dispatch step: stable `code`, human `message`; a conflict with the dispatch's state unless
    raised with `kind=INPUT` (the request must be corrected)."""


INPUT = ErrorKind.INVALID


@dataclass(frozen=True, kw_only=True)
class DispatchFacts:
    """What the guards need, read by the caller. Fields only one action reads say so."""

    kind: DispatchKind
    now: datetime  # aware; read once at the edge
    note: str = ""
    denial_count: int = 0  # denials so far, before this one
    representative_named: bool = False
    dispatch_number: str = ""  # accept: Dell's number sent with the action
    visit_start_at: datetime | None = None  # schedule/reschedule: the proposed window
    visit_end_at: datetime | None = None
    current_visit_start_at: datetime | None = None  # reschedule: the visit being moved
    late_change: bool = False  # reschedule: rescheduling.reschedule_terms(...).fee_applies
    accept_fee: bool = False  # reschedule: the requester accepts the late rescheduling fee
    outcome: Outcome | None = None  # outcome
    nbd_target_on: date | None = None  # schedule: the site-local NBD target (rule 8)
    site_timezone: str = "UTC"  # schedule: the site's zone
    first_visit: bool = False  # schedule: no visit was booked on this dispatch before
    past_target_reason: str = ""  # schedule: why Dell books the first visit after the target
    parts_count: int = 0  # ship_parts: parts listed on the dispatch


@dataclass(frozen=True, kw_only=True)
class Step:
    """A planned dispatch step; the service applies it and writes one timeline row on the case."""

    from_state: State
    to_state: State
    action: Action
    fee: FeeKind | None  # a fee the step records
    voids: bool  # the third denial


def _kinds(kinds: frozenset[OrgKind]) -> str:
    return " or ".join(sorted(kind.label for kind in kinds))


def _check_window(facts: DispatchFacts) -> None:
    start, end = facts.visit_start_at, facts.visit_end_at
    if start is None or end is None:
        raise DispatchRefused("visit_window_required", "Give the visit's start and end.", kind=INPUT)
    if start.tzinfo is None or end.tzinfo is None:
        raise DispatchRefused("visit_window_naive", "Visit times need a time zone or UTC offset.", kind=INPUT)
    if end <= start:
        raise DispatchRefused("visit_window_inverted", "The visit must end after it starts.", kind=INPUT)
    if start <= facts.now:
        raise DispatchRefused("visit_in_past", "The visit cannot start in the past.", kind=INPUT)


def _site_date(moment: datetime, site_timezone: str) -> date:
    return moment.astimezone(site_zone(site_timezone)).date()


def _site_when(moment: datetime, site_timezone: str) -> str:
    local = moment.astimezone(site_zone(site_timezone))
    return f"{local:%a} {local.day} {local:%b} at {local:%H:%M}"


@dataclass(frozen=True, slots=True)
class VisitNote:
    """Something the person booking a visit should know before submitting (docs/rules.md rule 8)."""

    code: str  # not_business_day | after_nbd_target
    message: str


def check_visit(
    start: datetime, site_timezone: str, calendar: Calendar, nbd_target_on: date | None, holiday_names: list[str]
) -> list[VisitNote]:
    """docs/rules.md rule 8: a visit on a day that is not a business day at the site, or after the NBD target, is
    allowed but said. `holiday_names` are the site's public holidays on the visit's site-local date."""
    day = _site_date(start, site_timezone)
    shown = f"{day:%a} {day.day} {day:%b}"
    notes = []
    if not calendar.is_business_day(day):
        why = ", ".join(holiday_names) if holiday_names else "a weekend day there"
        notes.append(VisitNote("not_business_day", f"{shown} is not a business day at the site: {why}."))
    if nbd_target_on is not None and day > nbd_target_on:
        target = f"{nbd_target_on:%a} {nbd_target_on.day} {nbd_target_on:%b}"
        notes.append(
            VisitNote("after_nbd_target", f"A visit on {shown} is after the next-business-day target {target}.")
        )
    return notes


def _outcome_target(outcome: Outcome) -> tuple[State, FeeKind | None]:
    # docs/rules.md rule 5: an absent representative fails the visit, records the follow-up fee and goes back
    # to scheduling; the seed: clearance not arranged beforehand is an additional fee too.
    if outcome is Outcome.COMPLETED:
        return S.COMPLETED, None
    if outcome is Outcome.REPRESENTATIVE_ABSENT:
        return S.ACCEPTED, FeeKind.REPRESENTATIVE_ABSENT
    if outcome is Outcome.CLEARANCE_NOT_ARRANGED:
        return S.ACCEPTED, FeeKind.SECURITY_CLEARANCE_NOT_ARRANGED
    return S.FAILED, None


def _check_guards(state: State, action: Action, actor_kind: OrgKind | None, facts: DispatchFacts) -> None:
    allowed = WHO_MAY[action]
    if actor_kind not in allowed:
        raise DispatchRefused(
            "role_not_allowed", f"Only {_kinds(allowed)} may use “{action.label}” on a dispatch “{state.label}”."
        )
    if action is A.ACCEPT and not facts.dispatch_number.strip():
        raise DispatchRefused("dispatch_number_required", "Give Dell's dispatch number to accept.", kind=INPUT)
    if action in {A.SCHEDULE, A.RESCHEDULE}:
        if action is A.SCHEDULE and not facts.representative_named:
            raise DispatchRefused(
                "authorized_rep_missing",
                "Name the customer's authorised representative (name and phone) before a visit is scheduled.",
            )
        started = facts.current_visit_start_at is not None and facts.current_visit_start_at <= facts.now
        if action is A.RESCHEDULE and started:
            raise DispatchRefused("visit_started", "The visit has started; it can no longer be rescheduled.")
        _check_window(facts)
        # docs/rules.md rule 4: a late change is refused unless the requester accepts the fee.
        if action is A.RESCHEDULE and facts.late_change and not facts.accept_fee:
            raise DispatchRefused(
                "late_reschedule_requires_fee_acceptance",
                "The visit is less than 8 days away at the site: rescheduling now is subject to a rescheduling "
                "fee. Send accept_fee to accept it.",
            )
        if action is A.SCHEDULE and actor_kind is OrgKind.DELL and facts.first_visit and not facts.past_target_reason:
            # docs/rules.md rule 8: Dell booking the first visit past the NBD target says why.
            start = facts.visit_start_at
            target = facts.nbd_target_on
            if start is not None and target is not None and _site_date(start, facts.site_timezone) > target:
                raise DispatchRefused(
                    "past_target_reason_required",
                    f"The visit starts after the next-business-day target ({target:%a} {target.day} "
                    f"{target:%b}): say why it cannot be booked by then.",
                    kind=INPUT,
                )
    if action is A.OUTCOME:
        # docs/rules.md rule 8: a visit is reported only once its window has started by the site's clock.
        start = facts.current_visit_start_at
        if start is None or start > facts.now:
            when = "" if start is None else f" on {_site_when(start, facts.site_timezone)} (site time)"
            raise DispatchRefused(
                "visit_not_started", f"The visit has not started yet{when}: report its outcome once it has."
            )
    if action is A.OUTCOME and facts.outcome is None:
        raise DispatchRefused("outcome_required", "Say how the visit went.", kind=INPUT)
    if action is A.SHIP_PARTS and facts.parts_count == 0:
        raise DispatchRefused("parts_required", "List the replacement parts before shipping them.")
    if action in NOTE_REQUIRED and not facts.note.strip():
        what = "a reason" if action in {A.DENY, A.CANCEL} else "a note saying what was corrected"
        raise DispatchRefused("note_required", f"“{action.label}” needs {what}.", kind=INPUT)
    if action is A.OUTCOME and facts.outcome is Outcome.FAILED and not facts.note.strip():
        raise DispatchRefused("note_required", "Say why the visit failed.", kind=INPUT)


def plan(
    kind: DispatchKind | str, state: State | str, action: Action | str, actor_kind: OrgKind | None, facts: DispatchFacts
) -> Step:
    """Decide the step for `action` on a dispatch of `kind` in `state`. Changes nothing; raises DispatchRefused."""
    try:
        action = Action(action)
    except ValueError:
        raise DispatchRefused("unknown_action", f"There is no dispatch action “{action}”.", kind=INPUT) from None
    state, kind = State(state), DispatchKind(kind)
    if (kind, state, action) not in TRANSITIONS:
        raise DispatchRefused(
            "not_allowed_from_state",
            f"“{action.label}” is not possible for a {kind.label.lower()} dispatch “{state.label}”.",
        )
    _check_guards(state, action, actor_kind, facts)
    to_state, fee = TRANSITIONS[(kind, state, action)], None
    voids = False
    if action is A.OUTCOME and facts.outcome is not None:
        to_state, fee = _outcome_target(facts.outcome)
    elif action is A.DENY and facts.denial_count + 1 >= MAX_DENIALS:
        to_state, voids = S.VOIDED, True
    elif action is A.RESCHEDULE and facts.late_change:
        fee = FeeKind.LATE_RESCHEDULE
    return Step(from_state=state, to_state=to_state, action=action, fee=fee, voids=voids)


def available_actions(
    kind: DispatchKind | str, state: State | str, actor_kind: OrgKind | None, facts: DispatchFacts
) -> list[Action]:
    """The actions this actor may take now. Input the request carries (a note, a number, a window, an
    outcome, fee acceptance) does not hide an action: only the role, the state and the dispatch do."""
    actions = []
    for action in Action:
        try:
            plan(kind, state, action, actor_kind, facts)
        except DispatchRefused as refused:
            if refused.kind is not INPUT and refused.code != "late_reschedule_requires_fee_acceptance":
                continue
        actions.append(action)
    return actions


class ClearanceAction(StrEnum):
    REQUEST = "request"
    ACCEPT = "accept"
    DECLINE = "decline"


CLEARANCE_TRANSITIONS: dict[tuple[Clearance, ClearanceAction], Clearance] = {
    (Clearance.STATED, ClearanceAction.REQUEST): Clearance.REQUESTED,
    (Clearance.DECLINED, ClearanceAction.REQUEST): Clearance.REQUESTED,  # MTS resends after talking to the site
    (Clearance.REQUESTED, ClearanceAction.ACCEPT): Clearance.ACCEPTED,
    (Clearance.REQUESTED, ClearanceAction.DECLINE): Clearance.DECLINED,
}
CLEARANCE_WHO_MAY: dict[ClearanceAction, frozenset[OrgKind]] = {
    ClearanceAction.REQUEST: MTS,
    ClearanceAction.ACCEPT: DELL,
    ClearanceAction.DECLINE: DELL,
}


def plan_clearance(
    current: Clearance, action: ClearanceAction | str, actor_kind: OrgKind | None, *, note: str
) -> Clearance:
    """The seed's special request: the partner states the site's requirements, MTS sends the request to
    Dell, Dell accepts or declines it (a decline needs a reason). Raises DispatchRefused."""
    try:
        action = ClearanceAction(action)
    except ValueError:
        raise DispatchRefused("unknown_action", f"There is no clearance action “{action}”.", kind=INPUT) from None
    if (current, action) not in CLEARANCE_TRANSITIONS:
        raise DispatchRefused(
            "not_allowed_from_state", f"The clearance cannot be {action.value}ed while “{current.label}”."
        )
    if actor_kind not in CLEARANCE_WHO_MAY[action]:
        raise DispatchRefused("role_not_allowed", f"Only {_kinds(CLEARANCE_WHO_MAY[action])} may do this.")
    if action is ClearanceAction.DECLINE and not note.strip():
        raise DispatchRefused("note_required", "Say why Dell declines the site's requirements.", kind=INPUT)
    return CLEARANCE_TRANSITIONS[(current, action)]


def available_clearance_actions(current: Clearance, actor_kind: OrgKind | None) -> list[ClearanceAction]:
    """The clearance actions this actor may take now (a decline's reason is input, so it hides nothing)."""
    actions = []
    for action in ClearanceAction:
        try:
            plan_clearance(current, action, actor_kind, note="reason")
        except DispatchRefused:
            continue
        actions.append(action)
    return actions
