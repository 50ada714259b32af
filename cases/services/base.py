"""What every case write shares: the editable fields and who may edit when, validation, the row lock
with its version check, and the one writer of the case's timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cases.models import SITE_ADDRESS_FIELDS, Case, CaseEvent
from cases.workflow import OPEN_STATES, Action, State
from husky_support.locking import lock_versioned
from partners.kinds import OrgKind
from partners.models import User

# The checklist's impact and diagnosis answers, in the order the case shows them (and the API lists them).
DIAGNOSIS_FIELDS = (
    "ppids",
    "users_impacted",
    "in_production",
    "failure_description",
    "troubleshooting_done",
    "customer_available_for_diagnostics",
    "diagnostics_unavailable_reason",
    "supportassist_unavailable_reason",
)
# Fields a partner fills in (the checklist and the title); the service validates and normalises them.
EDITABLE_FIELDS = (
    "title",
    "category",
    "component",
    "unit",
    *SITE_ADDRESS_FIELDS,
    *DIAGNOSIS_FIELDS,
)
# The address proper: the zone follows from it.
SITE_FIELDS = tuple(name for name in SITE_ADDRESS_FIELDS if name != "site_timezone")
PARTNER_EDITABLE_STATES = frozenset({State.L1_RESELLER.value, State.AWAITING_PARTNER.value})
MTS_EDITABLE_STATES = frozenset(s.value for s in OPEN_STATES)
# Dell works on its dispatch, never on the case's checklist.
CASE_EDITORS = frozenset({OrgKind.RESELLER, OrgKind.DISTRIBUTOR, OrgKind.MTS})


def may_edit_case(kind: OrgKind | None, state: str) -> bool:
    """Partners edit while the case is at the reseller or awaiting them, MTS while it is open."""
    if kind not in CASE_EDITORS:
        return False
    return state in (MTS_EDITABLE_STATES if kind == OrgKind.MTS else PARTNER_EDITABLE_STATES)


# MTS transitions the partner sees as an answer: they meet the first response (cases.sla).
MTS_ANSWER_ACTIONS = frozenset({Action.RETURN_TO_PARTNER, Action.REQUEST_INFO, Action.ESCALATE_TO_DELL, Action.RESOLVE})
# Transitions that email the other side (partner-visible text only).
NOTIFY_ACTIONS = frozenset(
    {
        Action.ESCALATE_TO_MTS,
        Action.RETURN_TO_PARTNER,
        Action.REQUEST_INFO,
        Action.PROVIDE_INFO,
        Action.RESOLVE,
        Action.REOPEN,
    }
)


def actor_kind_of(actor: User | None) -> OrgKind | None:
    return actor.org_kind if actor is not None else None


def validate(obj: Case | CaseEvent) -> None:
    """full_clean() without its queries: the fields' own checks (choices, lengths, validators) run, while
    - each foreign key is an object this request already read through a visibility gate (full_clean would
      query each one again to see that it exists: reseller, unit, opened_by, assignee, team, case, actor),
    - the case number is unique by the counter's row lock (full_clean would query for a duplicate),
    - the check constraints repeat the fields' choices (full_clean would run a query and two savepoints each),
    and the database enforces every one of them on the write anyway. 18 of a case creation's 39 queries."""
    relations = [f.name for f in obj._meta.concrete_fields if f.is_relation]
    obj.full_clean(exclude=relations, validate_unique=False, validate_constraints=False)


def lock_case(case: Case | int, version: int | None = None) -> Case:
    """The case row locked for this transaction; a stale `version` is refused (Conflict with its state)."""
    pk = case.pk if isinstance(case, Case) else case
    return lock_versioned(
        Case.objects.select_related("unit"), pk, version, noun="case", extra=lambda row: {"state": row.state}
    )


def record_case_event(case: Case, *, kind: str, actor: User | None, now: datetime, **fields: Any) -> CaseEvent:
    """Append one row to the case's timeline (inside the caller's transaction). The one writer of CaseEvent."""
    event = CaseEvent(case=case, kind=kind, actor=actor, at=now, **fields)
    validate(event)
    event.save()
    return event
