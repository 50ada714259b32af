"""Moving a case along the escalation chain: the facts the workflow's guards read, and the one service
that applies a planned step."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction

from cases import clocks, followers, hooks, notices, sla
from cases.checklist import (
    Category,
)
from cases.events import CaseEventType
from cases.models import Case, EventKind
from cases.services.base import (
    MTS_ANSWER_ACTIONS,
    NOTIFY_ACTIONS,
    actor_kind_of,
    lock_case,
    record_case_event,
    validate,
)
from cases.workflow import Action, CaseFacts, State, Step, plan
from husky_support.domain import Conflict, NotAllowed
from partners.integrations.outbox import record_event
from partners.kinds import OrgKind
from partners.models import User


def _resolver_active(case: Case) -> bool:
    """The case's assignee (resolve is the assignee's, so on a resolved case: who resolved it) is an active
    user of an active MTS organisation."""
    if case.assignee_id is None:
        return False
    return User.objects.filter(
        pk=case.assignee_id, is_active=True, organisation__kind=OrgKind.MTS, organisation__is_active=True
    ).exists()


def case_facts(
    case: Case, *, actor: User | None, now: datetime, note: str = "", dispatch_request: Any = None
) -> CaseFacts:
    """What the workflow guards need, read from the case (and the dispatch hook)."""
    dispatch = hooks.dispatch_facts(case, now, dispatch_request)
    return CaseFacts(
        category=Category(case.category),
        now=now,
        checklist_missing=case.checklist_missing(),
        note=note,
        is_assignee=actor is not None and case.assignee_id == actor.pk,
        resolved_at=case.resolved_at,
        resolved_at_l1=case.resolved_at_l1,
        resolver_active=case.state == State.RESOLVED and _resolver_active(case),
        dispatch_finished=dispatch.finished,
        dispatch_refusal_reasons=dispatch.refusal_reasons,
        parts_only=dispatch.parts_only,
    )


def _apply(case: Case, step: Step, *, actor: User | None, now: datetime) -> list[str]:
    """Set the fields the step changes; return their names for update_fields."""
    changed = ["state", "version", "updated_at"]
    if step.action is Action.ESCALATE_TO_MTS and case.escalated_at is None:
        # Routed when it first reaches MTS, by the site country as it stands then.
        case.team = clocks.team_for_country(case.site_country)
        changed.append("team")
    ctx = clocks.context_for(case, now=now)
    clock = clocks.clock_of(case)
    if step.action in MTS_ANSWER_ACTIONS and actor_kind_of(actor) is OrgKind.MTS:
        clock = sla.on_mts_answer(current=clock, now=now, ctx=ctx)
    clock = sla.on_enter(from_state=step.from_state, to_state=step.to_state, now=now, current=clock, ctx=ctx)
    changed += clocks.store(case, clock)
    case.state = step.to_state.value
    if step.assign_to_actor:
        case.assignee = actor
        changed.append("assignee")
    elif step.clear_assignee:
        case.assignee = None
        changed.append("assignee")
    if step.action is Action.ESCALATE_TO_MTS and case.escalated_at is None:
        case.escalated_at = now
        changed.append("escalated_at")
    if step.to_state is State.RESOLVED:
        case.resolved_at = now
        case.resolved_at_l1 = step.from_state is State.L1_RESELLER
        case.auto_close_due_at = now + timedelta(days=14)
        changed += ["resolved_at", "resolved_at_l1", "auto_close_due_at"]
    elif step.from_state is State.RESOLVED:
        case.auto_close_due_at = None
        changed.append("auto_close_due_at")
    if step.to_state is State.CLOSED:
        case.closed_at = now
        changed.append("closed_at")
    case.version += 1
    case.updated_at = now
    return changed


@transaction.atomic
def case_transition(
    *,
    actor: User | None,
    case: Case | int,
    action: str,
    now: datetime,
    note: str = "",
    version: int | None = None,
    expected_state: str | None = None,
    dispatch_request: Any = None,
) -> Case:
    """Apply one workflow action under the row lock: refuse a stale `version` (409 `conflict`), let
    workflow.plan() decide (TransitionRefused), save, write exactly one timeline row and enqueue the
    notification on commit. `actor=None` is the system (automatic close), which passes `expected_state`:
    a case no longer in it raises Conflict `state_changed` and is left alone. `dispatch_request` is what
    escalate_to_dell hands to the dispatch app (kind, representative, site requirements)."""
    if actor is not None and actor.org_kind is None:
        raise NotAllowed("Your account is not attached to an organisation.")
    case = lock_case(case, version)
    if expected_state is not None and case.state != expected_state:
        raise Conflict("The case moved on meanwhile.", code="state_changed", extra={"state": case.state})
    note = (note or "").strip()
    facts = case_facts(case, actor=actor, now=now, note=note, dispatch_request=dispatch_request)
    step = plan(case.state, action, actor_kind_of(actor), facts)  # TransitionRefused: nothing written
    previous_assignee = case.assignee_id
    answered = None
    if step.action in MTS_ANSWER_ACTIONS and actor_kind_of(actor) is OrgKind.MTS:
        answered = sla.next_update_outcome(clocks.clock_of(case), now)  # the clock before the answer moves it
    fields = _apply(case, step, actor=actor, now=now)
    if step.creates_dispatch and hooks.registry.create_dispatch is None:
        raise Conflict("Dell dispatches are not available yet.", code="dispatch_unavailable")
    validate(case)
    case.save(update_fields=list(dict.fromkeys(fields)))
    data: dict[str, Any] = {}
    if case.assignee_id != previous_assignee:
        data["assignee"] = {"from": previous_assignee, "to": case.assignee_id}
    if step.by_system:
        data["by_system"] = True
    if answered is not None:
        data["next_update"] = answered.value
    event = record_case_event(
        case,
        kind=EventKind.TRANSITION,
        actor=actor,
        now=now,
        action=step.action.value,
        from_state=step.from_state.value,
        to_state=step.to_state.value,
        note=note,
        data=data,
    )
    if step.creates_dispatch and hooks.registry.create_dispatch is not None:
        # After the transition's own row, so the timeline reads "escalated", then the dispatch's first step.
        hooks.registry.create_dispatch(case=case, actor=actor, note=note, now=now, request=dispatch_request)
    record_event(
        type=CaseEventType.CASE_TRANSITIONED,
        obj=case,
        now=now,
        details={
            "action": step.action.value,
            "from_state": step.from_state.value,
            "to_state": step.to_state.value,
            "note": note,
            "by_system": step.by_system,
        },
    )
    if case.assignee_id and case.assignee_id != previous_assignee:
        followers.add_followers(case, [case.assignee], now=now)  # the assignee follows the case
    if step.action in NOTIFY_ACTIONS:
        notices.notify_transition(event, now=now)
    return case
