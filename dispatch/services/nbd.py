"""docs/rules.md rule 9 kept on the dispatch: read its history into nbd.NbdFacts, store the verdict and cause, and
announce a decision (outbox event, and the parties' email for a miss) once the transaction commits."""

from __future__ import annotations

from datetime import datetime

from dispatch import nbd
from dispatch import workflow as flow
from dispatch.events import DispatchEventType
from dispatch.models import Dispatch
from partners.integrations.outbox import record_event

NBD_FIELDS = ("nbd_verdict", "nbd_miss_cause", "nbd_decided_at", "nbd_missed_at", "nbd_missed_due_at")


def nbd_facts(dispatch: Dispatch) -> nbd.NbdFacts:
    """What rule 9 reads, from the dispatch and its schedule history (one query)."""
    visits: list[nbd.Visit] = []
    moves: list[nbd.Move] = []
    for change in dispatch.schedule_changes.order_by("agreed_at", "id"):
        if change.outcome_reported_at is not None:
            visits.append(nbd.Visit(change.visit_start_at, change.outcome_reported_at))
        if change.previous_start_at is not None:
            moves.append(
                nbd.Move(change.agreed_at, change.previous_start_at, change.visit_start_at, change.by_customer)
            )
    if dispatch.state == flow.State.SCHEDULED and dispatch.visit_start_at is not None:
        visits.append(nbd.Visit(dispatch.visit_start_at, None))
    cancelled = dispatch.state == flow.State.CANCELLED
    return nbd.NbdFacts(
        nbd_target_on=dispatch.nbd_target_on,
        site_timezone=dispatch.site_timezone,
        onsite=dispatch.kind == flow.DispatchKind.ONSITE,
        visits=tuple(visits),
        moves=tuple(moves),
        requirements_stated=dispatch.clearance != flow.Clearance.NONE,
        clearance_accepted_at=dispatch.clearance_accepted_at,
        representative_named_at=dispatch.representative_named_at,
        first_denied_at=dispatch.first_denied_at,
        accepted_at=dispatch.accepted_at,
        cancelled_at=dispatch.finished_at if cancelled else None,
    )


def apply_nbd(dispatch: Dispatch, now: datetime) -> nbd.Verdict | None:
    """Set the stored verdict and cause on `dispatch` (not saved). Returns the verdict when it was decided by this
    call (met or missed for the first time), for the caller to announce after saving; a decided verdict is final."""
    if dispatch.nbd_decided_at is not None:
        return None
    answer = nbd.verdict(nbd_facts(dispatch), now)
    dispatch.nbd_verdict = answer.verdict.value
    dispatch.nbd_miss_cause = answer.cause.value if answer.cause else ""
    if not answer.decided:
        return None
    dispatch.nbd_decided_at = now
    if answer.verdict is nbd.NbdVerdict.MISSED:
        dispatch.nbd_missed_at = now
    return answer if answer.verdict in {nbd.NbdVerdict.MET, nbd.NbdVerdict.MISSED} else None


def announce_nbd(dispatch: Dispatch, decided: nbd.Verdict | None, now: datetime) -> None:
    """The partner event of a decided verdict. The parties hear of it through the step's own timeline row
    (its label says met or missed, with the cause) or the sweep's "nbd_missed" row (dispatch.notices)."""
    if decided is None:
        return
    details = {"nbd_verdict": decided.verdict.value, "nbd_miss_cause": decided.cause.value if decided.cause else None}
    if decided.verdict is nbd.NbdVerdict.MET:
        record_event(type=DispatchEventType.DISPATCH_NBD_MET, obj=dispatch, now=now, details=details)
    else:
        record_event(type=DispatchEventType.DISPATCH_NBD_MISSED, obj=dispatch, now=now, details=details)
