"""The escalation chain: every allowed step per role, every refusal with its code, and properties.

Pure: no database, no Django, no clock.
"""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import product

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from cases.checklist import Category
from cases.workflow import (
    ACTION_LABELS,
    NOTE_REQUIRED,
    OPEN_STATES,
    REOPEN_WINDOW,
    SLA_PAUSED_STATES,
    STATE_LABELS,
    TRANSITIONS,
    WHO_MAY,
    Action,
    CaseFacts,
    State,
    Step,
    TransitionRefused,
    auto_close_due,
    available_actions,
    plan,
)
from partners.kinds import OrgKind

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
RESELLER, DISTRIBUTOR, MTS, DELL = OrgKind.RESELLER, OrgKind.DISTRIBUTOR, OrgKind.MTS, OrgKind.DELL
SYSTEM = None
ACTORS: list[OrgKind | None] = [*OrgKind, SYSTEM]


def facts(**overrides: object) -> CaseFacts:
    """Facts under which every guard passes (except take-over, which needs is_assignee=False)."""
    base = CaseFacts(
        category=Category.HARDWARE,
        now=NOW,
        checklist_missing=(),
        note="Details for the timeline.",
        is_assignee=True,
        resolved_at=NOW - timedelta(days=1),
        dispatch_finished=True,
    )
    return replace(base, **overrides)  # type: ignore[arg-type]  # test helper: overrides are field values


def good_facts(state: State, action: Action, actor: OrgKind | None) -> CaseFacts:
    if actor is SYSTEM:
        return facts(resolved_at=NOW - REOPEN_WINDOW)
    if action is Action.TAKE and state is not State.L2_MTS_QUEUE:
        return facts(is_assignee=False)  # taking over from another technician
    return facts()


# (label, state, action, actor, next state): the complete list of what is allowed. Anything else is refused.
ALLOWED = [
    ("reseller escalates to MTS", State.L1_RESELLER, Action.ESCALATE_TO_MTS, RESELLER, State.L2_MTS_QUEUE),
    (
        "distributor escalates to MTS",
        State.L1_RESELLER,
        Action.ESCALATE_TO_MTS,
        DISTRIBUTOR,
        State.L2_MTS_QUEUE,
    ),
    ("reseller resolves at L1", State.L1_RESELLER, Action.RESOLVE, RESELLER, State.RESOLVED),
    ("distributor resolves at L1", State.L1_RESELLER, Action.RESOLVE, DISTRIBUTOR, State.RESOLVED),
    ("MTS takes from queue", State.L2_MTS_QUEUE, Action.TAKE, MTS, State.L2_MTS_INVESTIGATING),
    ("MTS returns to partner", State.L2_MTS_QUEUE, Action.RETURN_TO_PARTNER, MTS, State.L1_RESELLER),
    (
        "MTS takes over investigation",
        State.L2_MTS_INVESTIGATING,
        Action.TAKE,
        MTS,
        State.L2_MTS_INVESTIGATING,
    ),
    ("MTS requests info", State.L2_MTS_INVESTIGATING, Action.REQUEST_INFO, MTS, State.AWAITING_PARTNER),
    ("MTS escalates to Dell", State.L2_MTS_INVESTIGATING, Action.ESCALATE_TO_DELL, MTS, State.L3_DELL),
    ("MTS resolves", State.L2_MTS_INVESTIGATING, Action.RESOLVE, MTS, State.RESOLVED),
    ("MTS takes over while awaiting", State.AWAITING_PARTNER, Action.TAKE, MTS, State.AWAITING_PARTNER),
    (
        "reseller provides info",
        State.AWAITING_PARTNER,
        Action.PROVIDE_INFO,
        RESELLER,
        State.L2_MTS_INVESTIGATING,
    ),
    (
        "distributor provides info",
        State.AWAITING_PARTNER,
        Action.PROVIDE_INFO,
        DISTRIBUTOR,
        State.L2_MTS_INVESTIGATING,
    ),
    ("MTS takes over at Dell", State.L3_DELL, Action.TAKE, MTS, State.L3_DELL),
    ("MTS takes back from Dell", State.L3_DELL, Action.RETURN_TO_MTS, MTS, State.L2_MTS_INVESTIGATING),
    ("reseller reopens", State.RESOLVED, Action.REOPEN, RESELLER, State.L2_MTS_QUEUE),
    ("distributor reopens", State.RESOLVED, Action.REOPEN, DISTRIBUTOR, State.L2_MTS_QUEUE),
    ("reseller closes", State.RESOLVED, Action.CLOSE, RESELLER, State.CLOSED),
    ("distributor closes", State.RESOLVED, Action.CLOSE, DISTRIBUTOR, State.CLOSED),
    ("MTS closes", State.RESOLVED, Action.CLOSE, MTS, State.CLOSED),
    ("system closes after 14 days", State.RESOLVED, Action.CLOSE, SYSTEM, State.CLOSED),
]
ALLOWED_MAP = {(state, action, actor): to for _, state, action, actor, to in ALLOWED}


@pytest.mark.parametrize(
    ("state", "action", "actor", "to_state"), [c[1:] for c in ALLOWED], ids=[c[0] for c in ALLOWED]
)
def test_allowed_transition(state: State, action: Action, actor: OrgKind | None, to_state: State) -> None:
    step = plan(state, action, actor, good_facts(state, action, actor))
    assert (step.from_state, step.action, step.to_state) == (state, action, to_state)
    assert step.assign_to_actor is (action is Action.TAKE)
    assert step.creates_dispatch is (action is Action.ESCALATE_TO_DELL)
    assert step.sla_paused is (to_state is State.AWAITING_PARTNER)
    assert step.by_system is (actor is SYSTEM)


REFUSED_BY_TABLE = [
    (state, action, actor)
    for state, action, actor in product(State, Action, ACTORS)
    if (state, action, actor) not in ALLOWED_MAP
]


@pytest.mark.parametrize(
    ("state", "action", "actor"),
    REFUSED_BY_TABLE,
    ids=[f"{actor or 'system'}-{action}-from-{state}" for state, action, actor in REFUSED_BY_TABLE],
)
def test_everything_else_is_refused_by_state_or_role(state: State, action: Action, actor: OrgKind | None) -> None:
    with pytest.raises(TransitionRefused) as refused:
        plan(state, action, actor, good_facts(state, action, actor))
    expected = "not_allowed_from_state" if (state, action) not in TRANSITIONS else "role_not_allowed"
    assert refused.value.code == expected
    assert refused.value.message


def test_dell_never_drives_a_case() -> None:
    assert all(DELL not in kinds for kinds in WHO_MAY.values())
    for state in State:
        assert available_actions(state, DELL, facts()) == []


GUARD_REFUSALS = [
    (
        "escalate with checklist incomplete",
        State.L1_RESELLER,
        Action.ESCALATE_TO_MTS,
        RESELLER,
        {"checklist_missing": ("service_tag", "ppids")},
        "checklist_incomplete",
    ),
    ("MTS resolves an L1 case", State.L1_RESELLER, Action.RESOLVE, MTS, {}, "role_not_allowed"),
    ("reseller resolves at L2", State.L2_MTS_INVESTIGATING, Action.RESOLVE, RESELLER, {}, "role_not_allowed"),
    (
        "partner resolves without note",
        State.L1_RESELLER,
        Action.RESOLVE,
        RESELLER,
        {"note": " "},
        "note_required",
    ),
    (
        "return to partner without reason",
        State.L2_MTS_QUEUE,
        Action.RETURN_TO_PARTNER,
        MTS,
        {"note": ""},
        "note_required",
    ),
    (
        "take over own case",
        State.L2_MTS_INVESTIGATING,
        Action.TAKE,
        MTS,
        {"is_assignee": True},
        "already_assignee",
    ),
    (
        "take over own awaiting case",
        State.AWAITING_PARTNER,
        Action.TAKE,
        MTS,
        {"is_assignee": True},
        "already_assignee",
    ),
    ("take over own Dell case", State.L3_DELL, Action.TAKE, MTS, {"is_assignee": True}, "already_assignee"),
    (
        "request info, not assignee",
        State.L2_MTS_INVESTIGATING,
        Action.REQUEST_INFO,
        MTS,
        {"is_assignee": False},
        "not_assignee",
    ),
    (
        "request info without note",
        State.L2_MTS_INVESTIGATING,
        Action.REQUEST_INFO,
        MTS,
        {"note": "\n"},
        "note_required",
    ),
    (
        "provide info without note",
        State.AWAITING_PARTNER,
        Action.PROVIDE_INFO,
        DISTRIBUTOR,
        {"note": ""},
        "note_required",
    ),
    (
        "Dell escalation, not assignee",
        State.L2_MTS_INVESTIGATING,
        Action.ESCALATE_TO_DELL,
        MTS,
        {"is_assignee": False},
        "not_assignee",
    ),
    (
        "Dell escalation of software case",
        State.L2_MTS_INVESTIGATING,
        Action.ESCALATE_TO_DELL,
        MTS,
        {"category": Category.SOFTWARE},
        "hardware_only",
    ),
    (
        "Dell escalation not onsite-eligible",
        State.L2_MTS_INVESTIGATING,
        Action.ESCALATE_TO_DELL,
        MTS,
        {"dispatch_refusal_reasons": ("warranty_expired", "country_not_covered")},
        "not_onsite_eligible",
    ),
    (
        "MTS resolves, not assignee",
        State.L2_MTS_INVESTIGATING,
        Action.RESOLVE,
        MTS,
        {"is_assignee": False},
        "not_assignee",
    ),
    (
        "MTS resolves without note",
        State.L2_MTS_INVESTIGATING,
        Action.RESOLVE,
        MTS,
        {"note": ""},
        "note_required",
    ),
    (
        "return from Dell, dispatch open",
        State.L3_DELL,
        Action.RETURN_TO_MTS,
        MTS,
        {"dispatch_finished": False},
        "dispatch_not_finished",
    ),
    (
        "return from Dell, not assignee",
        State.L3_DELL,
        Action.RETURN_TO_MTS,
        MTS,
        {"is_assignee": False},
        "not_assignee",
    ),
    (
        "reopen after 14 days",
        State.RESOLVED,
        Action.REOPEN,
        RESELLER,
        {"resolved_at": NOW - REOPEN_WINDOW},
        "reopen_window_closed",
    ),
    (
        "reopen without resolved_at",
        State.RESOLVED,
        Action.REOPEN,
        RESELLER,
        {"resolved_at": None},
        "reopen_window_closed",
    ),
    ("reopen without note", State.RESOLVED, Action.REOPEN, DISTRIBUTOR, {"note": ""}, "note_required"),
    (
        "system closes before 14 days",
        State.RESOLVED,
        Action.CLOSE,
        SYSTEM,
        {"resolved_at": NOW - REOPEN_WINDOW + timedelta(microseconds=1)},
        "close_not_due",
    ),
    (
        "system closes without resolved_at",
        State.RESOLVED,
        Action.CLOSE,
        SYSTEM,
        {"resolved_at": None},
        "close_not_due",
    ),
    ("system resolves", State.L2_MTS_INVESTIGATING, Action.RESOLVE, SYSTEM, {}, "role_not_allowed"),
]


@pytest.mark.parametrize(
    ("state", "action", "actor", "overrides", "code"),
    [c[1:] for c in GUARD_REFUSALS],
    ids=[c[0] for c in GUARD_REFUSALS],
)
def test_guard_refusal(
    state: State, action: Action, actor: OrgKind | None, overrides: dict[str, object], code: str
) -> None:
    with pytest.raises(TransitionRefused) as refused:
        plan(state, action, actor, facts(**overrides))
    assert refused.value.code == code
    assert refused.value.as_dict()["code"] == code


def test_checklist_refusal_lists_what_is_missing() -> None:
    with pytest.raises(TransitionRefused) as refused:
        plan(
            State.L1_RESELLER,
            Action.ESCALATE_TO_MTS,
            RESELLER,
            facts(checklist_missing=("service_tag", "ppids")),
        )
    assert refused.value.missing == ("service_tag", "ppids")
    assert "service tag" in refused.value.message
    assert "hard drive PPID" in refused.value.message
    assert refused.value.as_dict()["missing"] == ["service_tag", "ppids"]


def test_onsite_refusal_carries_the_reasons() -> None:
    reasons = ("warranty_expired", "location_mismatch")
    with pytest.raises(TransitionRefused) as refused:
        plan(State.L2_MTS_INVESTIGATING, Action.ESCALATE_TO_DELL, MTS, facts(dispatch_refusal_reasons=reasons))
    assert refused.value.reasons == reasons
    assert "warranty_expired" in refused.value.message


def test_parts_only_dispatch_ignores_onsite_eligibility() -> None:
    step = plan(
        State.L2_MTS_INVESTIGATING,
        Action.ESCALATE_TO_DELL,
        MTS,
        facts(dispatch_refusal_reasons=("country_not_covered",), parts_only=True),
    )
    assert step.to_state is State.L3_DELL
    assert step.creates_dispatch


@pytest.mark.parametrize(
    ("raw_action", "raw_state", "code"),
    [
        pytest.param("explode", "l1_reseller", "unknown_action", id="unknown action"),
        pytest.param("", "l1_reseller", "unknown_action", id="empty action"),
        pytest.param("take", "limbo", "unknown_state", id="unknown state"),
    ],
)
def test_unknown_inputs(raw_action: str, raw_state: str, code: str) -> None:
    with pytest.raises(TransitionRefused) as refused:
        plan(raw_state, raw_action, MTS, facts())
    assert refused.value.code == code


def test_plain_strings_from_the_database_are_accepted() -> None:
    step = plan("l2_mts_queue", "take", MTS, facts(is_assignee=False))
    assert step.from_state is State.L2_MTS_QUEUE
    assert step.to_state is State.L2_MTS_INVESTIGATING


@pytest.mark.parametrize(
    ("resolved_at_l1", "to_state"),
    [
        pytest.param(True, State.L1_RESELLER, id="resolved at L1 goes back to the reseller"),
        pytest.param(False, State.L2_MTS_QUEUE, id="resolved by MTS goes back to the MTS queue"),
    ],
)
def test_reopen_goes_back_to_the_level_that_resolved(resolved_at_l1: bool, to_state: State) -> None:
    step = plan(State.RESOLVED, Action.REOPEN, RESELLER, facts(resolved_at_l1=resolved_at_l1))
    assert step.to_state is to_state
    assert step.clear_assignee


def test_reopen_goes_back_to_the_mts_technician_who_resolved_it_while_active() -> None:
    step = plan(State.RESOLVED, Action.REOPEN, RESELLER, facts(resolver_active=True))
    assert (step.to_state, step.clear_assignee) == (State.L2_MTS_INVESTIGATING, False)
    at_l1 = plan(State.RESOLVED, Action.REOPEN, RESELLER, facts(resolved_at_l1=True, resolver_active=True))
    assert at_l1.to_state is State.L1_RESELLER


@pytest.mark.parametrize(
    ("age", "reopen_allowed"),
    [
        pytest.param(timedelta(0), True, id="just resolved"),
        pytest.param(REOPEN_WINDOW - timedelta(microseconds=1), True, id="14 days minus 1us"),
        pytest.param(REOPEN_WINDOW, False, id="exactly 14 days"),
        pytest.param(REOPEN_WINDOW + timedelta(seconds=1), False, id="14 days plus 1s"),
    ],
)
def test_reopen_window_edges(age: timedelta, reopen_allowed: bool) -> None:
    resolved_at = NOW - age
    # The reopen window and the automatic close are exact complements: never both, never neither.
    assert auto_close_due(resolved_at, NOW) is not reopen_allowed
    f = facts(resolved_at=resolved_at)
    assert (Action.REOPEN in available_actions(State.RESOLVED, RESELLER, f)) is reopen_allowed
    assert (Action.CLOSE in available_actions(State.RESOLVED, SYSTEM, f)) is not reopen_allowed


@pytest.mark.parametrize(
    ("state", "action", "to_state", "clear_assignee"),
    [
        pytest.param(State.L2_MTS_QUEUE, Action.RETURN_TO_PARTNER, State.L1_RESELLER, True, id="return to partner"),
        pytest.param(State.L2_MTS_INVESTIGATING, Action.REQUEST_INFO, State.AWAITING_PARTNER, False, id="request info"),
        pytest.param(State.L2_MTS_INVESTIGATING, Action.RESOLVE, State.RESOLVED, False, id="resolve keeps owner"),
    ],
)
def test_assignee_effects(state: State, action: Action, to_state: State, clear_assignee: bool) -> None:
    step = plan(state, action, MTS, facts())
    assert step.to_state is to_state
    assert step.clear_assignee is clear_assignee
    assert not step.assign_to_actor


def test_note_required_does_not_hide_a_button() -> None:
    f = facts(note="", is_assignee=True)
    actions = available_actions(State.L2_MTS_INVESTIGATING, MTS, f)
    assert actions == [Action.REQUEST_INFO, Action.ESCALATE_TO_DELL, Action.RESOLVE]
    assert {Action.REQUEST_INFO, Action.RESOLVE} <= NOTE_REQUIRED


def test_labels_cover_everything() -> None:
    assert set(STATE_LABELS) == set(State)
    assert set(ACTION_LABELS) == set(Action)
    assert Action.ESCALATE_TO_MTS.label == "Escalate to MTS"
    assert Action.TAKE.label == "Take"
    assert set(WHO_MAY) == set(Action)


def test_state_sets() -> None:
    assert State.RESOLVED not in OPEN_STATES
    assert State.CLOSED not in OPEN_STATES
    assert len(OPEN_STATES) == 5
    assert set(SLA_PAUSED_STATES) == {State.AWAITING_PARTNER}
    assert {to for to in TRANSITIONS.values()} | {s for s, _ in TRANSITIONS} == set(State)


# --- properties -------------------------------------------------------------------------------------------

facts_strategy = st.builds(
    CaseFacts,
    category=st.sampled_from(Category),
    now=st.just(NOW),
    checklist_missing=st.sampled_from([(), ("service_tag",)]),
    note=st.sampled_from(["", "why"]),
    is_assignee=st.booleans(),
    resolved_at=st.none() | st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=30)).map(lambda d: NOW - d),
    resolved_at_l1=st.booleans(),
    dispatch_finished=st.booleans(),
    dispatch_refusal_reasons=st.sampled_from([(), ("warranty_expired",)]),
    parts_only=st.booleans(),
)
actors = st.sampled_from(ACTORS)
KNOWN_CODES = {
    "not_allowed_from_state",
    "role_not_allowed",
    "not_assignee",
    "already_assignee",
    "checklist_incomplete",
    "hardware_only",
    "not_onsite_eligible",
    "dispatch_not_finished",
    "reopen_window_closed",
    "close_not_due",
    "note_required",
}


@given(state=st.sampled_from(State), actor=actors, f=facts_strategy)
def test_available_actions_are_exactly_what_plan_accepts(state: State, actor: OrgKind | None, f: CaseFacts) -> None:
    with_note = replace(f, note="a note")
    accepted = []
    for action in Action:
        try:
            plan(state, action, actor, with_note)
        except TransitionRefused:
            continue
        accepted.append(action)
    assert available_actions(state, actor, f) == accepted == available_actions(state, actor, with_note)


@given(state=st.sampled_from(State), action=st.sampled_from(Action), actor=actors, f=facts_strategy)
def test_plan_is_deterministic_and_stays_inside_the_table(
    state: State, action: Action, actor: OrgKind | None, f: CaseFacts
) -> None:
    outcome: Step | str
    try:
        outcome = plan(state, action, actor, f)
    except TransitionRefused as refused:
        outcome = refused.code
    if isinstance(outcome, str):
        assert outcome in KNOWN_CODES
        return
    step = outcome
    assert (state, action) in TRANSITIONS
    assert step == plan(state, action, actor, f)
    assert step.to_state in State
    assert not (step.assign_to_actor and step.clear_assignee)


class CaseWalk(RuleBasedStateMachine):
    """Random walks through the chain: every step lands on a defined state; closed is terminal."""

    def __init__(self) -> None:
        super().__init__()
        self.state = State.L1_RESELLER

    @initialize(start=st.sampled_from(State))
    def start_anywhere(self, start: State) -> None:
        # Walks from L1 alone rarely get deep into the chain; starting anywhere covers every state.
        self.state = start

    @rule(action=st.sampled_from(Action), actor=actors, f=facts_strategy)
    def attempt(self, action: Action, actor: OrgKind | None, f: CaseFacts) -> None:
        before = self.state
        try:
            step = plan(self.state, action, actor, f)
        except TransitionRefused:
            return
        assert before is not State.CLOSED, "closed is terminal"
        assert step.from_state is before
        self.state = step.to_state

    @invariant()
    def state_is_defined(self) -> None:
        assert self.state in State

    @invariant()
    def closed_offers_nothing(self) -> None:
        if self.state is State.CLOSED:
            for actor in ACTORS:
                assert available_actions(self.state, actor, facts()) == []


TestCaseWalk = CaseWalk.TestCase
TestCaseWalk.settings = settings(max_examples=100, stateful_step_count=30)
