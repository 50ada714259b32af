"""The case escalation chain: states, actions, the transition table and its guards.

Pure: the caller reads the case, the clock and the dispatch and passes them in as CaseFacts;
plan() decides and changes nothing. Nothing else in the project decides a case transition.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import TextChoices

from cases.checklist import ITEM_LABELS, Category
from husky_support.domain import ErrorKind, Refused
from partners.kinds import OrgKind


class State(TextChoices):
    L1_RESELLER = "l1_reseller", "At reseller (L1)"
    L2_MTS_QUEUE = "l2_mts_queue", "In MTS queue (L2)"
    L2_MTS_INVESTIGATING = "l2_mts_investigating", "MTS investigating (L2)"
    AWAITING_PARTNER = "awaiting_partner", "Awaiting partner"
    L3_DELL = "l3_dell", "With Dell (L3)"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"


class Action(TextChoices):
    ESCALATE_TO_MTS = "escalate_to_mts", "Escalate to MTS"
    TAKE = "take", "Take"
    RETURN_TO_PARTNER = "return_to_partner", "Return to partner"
    REQUEST_INFO = "request_info", "Request information"
    PROVIDE_INFO = "provide_info", "Provide information"
    ESCALATE_TO_DELL = "escalate_to_dell", "Escalate to Dell"
    RETURN_TO_MTS = "return_to_mts", "Return to MTS"
    RESOLVE = "resolve", "Resolve"
    REOPEN = "reopen", "Reopen"
    CLOSE = "close", "Close"


S, A = State, Action

TRANSITIONS: dict[tuple[State, Action], State] = {
    (S.L1_RESELLER, A.ESCALATE_TO_MTS): S.L2_MTS_QUEUE,
    (S.L1_RESELLER, A.RESOLVE): S.RESOLVED,  # the reseller fixed it at first level
    (S.L2_MTS_QUEUE, A.TAKE): S.L2_MTS_INVESTIGATING,
    (S.L2_MTS_QUEUE, A.RETURN_TO_PARTNER): S.L1_RESELLER,
    (S.L2_MTS_INVESTIGATING, A.TAKE): S.L2_MTS_INVESTIGATING,  # take over from another technician
    (S.L2_MTS_INVESTIGATING, A.REQUEST_INFO): S.AWAITING_PARTNER,
    (S.L2_MTS_INVESTIGATING, A.ESCALATE_TO_DELL): S.L3_DELL,
    (S.L2_MTS_INVESTIGATING, A.RESOLVE): S.RESOLVED,
    (S.AWAITING_PARTNER, A.TAKE): S.AWAITING_PARTNER,  # take over; the SLA clock stays paused
    (S.AWAITING_PARTNER, A.PROVIDE_INFO): S.L2_MTS_INVESTIGATING,
    (S.L3_DELL, A.TAKE): S.L3_DELL,  # take over while Dell works
    (S.L3_DELL, A.RETURN_TO_MTS): S.L2_MTS_INVESTIGATING,
    (S.RESOLVED, A.REOPEN): S.L2_MTS_QUEUE,  # or L1_RESELLER if resolved there: see _reopen_target
    (S.RESOLVED, A.CLOSE): S.CLOSED,
}

PARTNERS = frozenset({OrgKind.RESELLER, OrgKind.DISTRIBUTOR})
MTS = frozenset({OrgKind.MTS})

# Dell appears nowhere: it works on dispatches, never drives the case itself.
WHO_MAY: dict[Action, frozenset[OrgKind]] = {
    A.ESCALATE_TO_MTS: PARTNERS,
    A.TAKE: MTS,
    A.RETURN_TO_PARTNER: MTS,
    A.REQUEST_INFO: MTS,
    A.PROVIDE_INFO: PARTNERS,
    A.ESCALATE_TO_DELL: MTS,
    A.RETURN_TO_MTS: MTS,
    A.RESOLVE: PARTNERS | MTS,  # narrowed per level by RESOLVE_BY_LEVEL
    A.REOPEN: PARTNERS,
    A.CLOSE: PARTNERS | MTS,  # plus the system's automatic close (actor_kind=None)
}

# Resolve belongs to whoever holds the case at its level: partners at L1, MTS at L2.
RESOLVE_BY_LEVEL: dict[State, frozenset[OrgKind]] = {
    S.L1_RESELLER: PARTNERS,
    S.L2_MTS_INVESTIGATING: MTS,
}

# The note is the reason or the content of the step; it goes on the timeline.
NOTE_REQUIRED: frozenset[Action] = frozenset({A.RETURN_TO_PARTNER, A.REQUEST_INFO, A.PROVIDE_INFO, A.RESOLVE, A.REOPEN})

# Actions that only the assigned MTS technician may take (others take the case over first).
ASSIGNEE_ONLY: frozenset[Action] = frozenset({A.REQUEST_INFO, A.ESCALATE_TO_DELL, A.RETURN_TO_MTS, A.RESOLVE})

OPEN_STATES: frozenset[State] = frozenset(set(State) - {S.RESOLVED, S.CLOSED})
SLA_PAUSED_STATES: frozenset[State] = frozenset({S.AWAITING_PARTNER})
# Entering these states leaves the case without an MTS technician: it waits for someone to take it.
UNOWNED_STATES: frozenset[State] = frozenset({S.L1_RESELLER, S.L2_MTS_QUEUE})


class WaitsOn(TextChoices):
    """Who an open case waits on (docs/rules.md "Reports", backlog): its state, except that a case at Dell whose
    parts are on their way or at the site waits on the parts (the dispatch app says which, cases.hooks)."""

    RESELLER = "reseller", "Reseller (first level)"
    MTS = "mts", "MTS"
    PARTNER = "partner", "Partner information"
    DELL = "dell", "Dell"
    PARTS = "parts", "Parts"


WAITS_ON_STATE: dict[State, WaitsOn] = {
    S.L1_RESELLER: WaitsOn.RESELLER,
    S.L2_MTS_QUEUE: WaitsOn.MTS,
    S.L2_MTS_INVESTIGATING: WaitsOn.MTS,
    S.AWAITING_PARTNER: WaitsOn.PARTNER,
    S.L3_DELL: WaitsOn.DELL,
}

# docs/rules.md "Case states": the partner may reopen within 14 days; the case closes itself after that.
REOPEN_WINDOW = timedelta(days=14)

STATE_LABELS = {member: member.label for member in State}

ACTION_LABELS = {member: member.label for member in Action}


class TransitionRefused(Refused):
    """A refused transition: stable `code`, human `message`, and the checklist `missing` keys or the
    eligibility `reasons` when those caused it. A refusal of the case's state is a conflict; an unknown
    action or state, or a missing note, is input to correct."""

    INPUT_CODES = frozenset({"unknown_action", "unknown_state", "note_required"})

    def __init__(
        self, code: str, message: str, *, missing: tuple[str, ...] = (), reasons: tuple[str, ...] = ()
    ) -> None:
        kind = ErrorKind.INVALID if code in self.INPUT_CODES else ErrorKind.CONFLICT
        super().__init__(code, message, kind=kind, missing=list(missing), reasons=list(reasons))
        self.missing = missing
        self.reasons = reasons

    def as_dict(self) -> dict[str, str | list[str]]:
        return {"code": self.code, "message": self.message, **self.extra}


@dataclass(frozen=True, kw_only=True)
class CaseFacts:
    """What the guards need to know, read by the caller. Defaults are the refusing values, except
    where a fact only matters to one action (documented per field)."""

    category: Category
    now: datetime  # aware, UTC; read once at the edge
    checklist_missing: tuple[str, ...]  # checklist.missing_items(...) of the case
    note: str = ""  # the note sent with the action
    is_assignee: bool = False  # the acting user is the case's MTS technician
    resolved_at: datetime | None = None  # when the case entered `resolved`
    resolved_at_l1: bool = False  # the last resolve was taken from l1_reseller (reopen goes back there)
    # reopen: the MTS technician who resolved the case (still its assignee) is an active MTS user
    resolver_active: bool = False
    dispatch_finished: bool = False  # the case's current dispatch is finished or cancelled
    # Blocking reasons from dispatch eligibility (not warnings such as location_unregistered);
    # only read by escalate_to_dell, so () is the right value for every other action.
    dispatch_refusal_reasons: tuple[str, ...] = ()
    parts_only: bool = False  # the planned dispatch ships parts without an onsite visit


@dataclass(frozen=True, kw_only=True)
class Step:
    """A planned transition; the service applies it and writes one timeline row."""

    from_state: State
    to_state: State
    action: Action
    assign_to_actor: bool  # take: the acting technician becomes the assignee
    clear_assignee: bool  # the case goes back to a queue nobody owns yet
    sla_paused: bool  # the new state pauses the SLA clock
    creates_dispatch: bool  # escalate_to_dell: create the Dell dispatch in the same transaction
    by_system: bool  # the automatic close


def auto_close_due(resolved_at: datetime, now: datetime) -> bool:
    """True from exactly REOPEN_WINDOW after resolved_at: the reopen window is half-open [0, 14 days)."""
    return now >= resolved_at + REOPEN_WINDOW


def _reopen_target(facts: CaseFacts) -> State:
    # docs/rules.md "Case states": a reopened case goes back to the level that resolved it; at MTS, into the
    # work of the technician who resolved it while that person is active, else to the queue.
    if facts.resolved_at_l1:
        return S.L1_RESELLER
    return S.L2_MTS_INVESTIGATING if facts.resolver_active else TRANSITIONS[(S.RESOLVED, A.REOPEN)]


def _kinds(kinds: frozenset[OrgKind]) -> str:
    return " or ".join(sorted(kind.label for kind in kinds))


def _check_guards(state: State, action: Action, actor_kind: OrgKind | None, facts: CaseFacts) -> None:
    """Raise TransitionRefused for the first guard that fails, in a fixed order."""
    if actor_kind is None:  # the system may only close a case whose reopen window has passed
        if action is not A.CLOSE:
            raise TransitionRefused(
                "role_not_allowed", f"The system cannot use “{action.label}”; it only closes cases."
            )
        if facts.resolved_at is None or not auto_close_due(facts.resolved_at, facts.now):
            raise TransitionRefused("close_not_due", "The case closes itself only 14 days after it was resolved.")
        return
    allowed = RESOLVE_BY_LEVEL[state] if action is A.RESOLVE else WHO_MAY[action]
    if actor_kind not in allowed:
        raise TransitionRefused(
            "role_not_allowed",
            f"Only {_kinds(allowed)} may use “{action.label}” on a case in “{state.label}”.",
        )
    if action in ASSIGNEE_ONLY and actor_kind is OrgKind.MTS and not facts.is_assignee:
        raise TransitionRefused("not_assignee", "Only the assigned technician may do this; take the case first.")
    if action is A.TAKE and state is not S.L2_MTS_QUEUE and facts.is_assignee:
        raise TransitionRefused("already_assignee", "You are already the assigned technician.")
    if action is A.ESCALATE_TO_MTS and facts.checklist_missing:
        items = ", ".join(ITEM_LABELS.get(key, key) for key in facts.checklist_missing)
        raise TransitionRefused(
            "checklist_incomplete",
            f"Complete the checklist first; missing: {items}.",
            missing=facts.checklist_missing,
        )
    if action is A.ESCALATE_TO_DELL:
        if facts.category is not Category.HARDWARE:
            raise TransitionRefused("hardware_only", "Only hardware cases can be escalated to Dell.")
        # docs/rules.md "Case states": refused with the reasons when not onsite-eligible, unless parts-only.
        if facts.dispatch_refusal_reasons and not facts.parts_only:
            raise TransitionRefused(
                "not_onsite_eligible",
                "The unit is not eligible for Dell onsite support: " + ", ".join(facts.dispatch_refusal_reasons) + ".",
                reasons=facts.dispatch_refusal_reasons,
            )
    if action is A.RETURN_TO_MTS and not facts.dispatch_finished:
        raise TransitionRefused("dispatch_not_finished", "The Dell dispatch must be finished or cancelled first.")
    if action is A.REOPEN and (facts.resolved_at is None or auto_close_due(facts.resolved_at, facts.now)):
        raise TransitionRefused("reopen_window_closed", "A case can be reopened only within 14 days of its resolution.")
    # Last, so that available_actions() can ignore it: the note comes with the request.
    if action in NOTE_REQUIRED and not facts.note.strip():
        raise TransitionRefused("note_required", f"“{action.label}” needs a note.")


def plan(state: State | str, action: Action | str, actor_kind: OrgKind | None, facts: CaseFacts) -> Step:
    """Decide the step for `action` on a case in `state` by an actor of `actor_kind` (None = the system's
    automatic close). Changes nothing; raises TransitionRefused with a stable code."""
    try:
        action = Action(action)
    except ValueError:
        raise TransitionRefused("unknown_action", f"There is no action “{action}”.") from None
    try:
        state = State(state)
    except ValueError:
        raise TransitionRefused("unknown_state", f"There is no case state “{state}”.") from None
    if (state, action) not in TRANSITIONS:
        raise TransitionRefused(
            "not_allowed_from_state", f"“{action.label}” is not possible for a case in “{state.label}”."
        )
    _check_guards(state, action, actor_kind, facts)
    to_state = _reopen_target(facts) if action is A.REOPEN else TRANSITIONS[(state, action)]
    return Step(
        from_state=state,
        to_state=to_state,
        action=action,
        assign_to_actor=action is A.TAKE,
        clear_assignee=to_state in UNOWNED_STATES,
        sla_paused=to_state in SLA_PAUSED_STATES,
        creates_dispatch=action is A.ESCALATE_TO_DELL,
        by_system=actor_kind is None,
    )


def available_actions(state: State | str, actor_kind: OrgKind | None, facts: CaseFacts) -> list[Action]:
    """The actions plan() would accept now, in Action order. A missing note does not hide an action
    (the note is sent with it; NOTE_REQUIRED tells the page to ask for one)."""
    actions: list[Action] = []
    for action in Action:
        try:
            plan(state, action, actor_kind, facts)
        except TransitionRefused as refused:
            if refused.code != "note_required":
                continue
        actions.append(action)
    return actions
