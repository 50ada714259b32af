"""Every write to a Dell dispatch: its creation by escalate_to_dell, its transitions, the site's
representative and security requirements, the clearance request, parts and fees.

Callers pass only dispatches the actor may see (dispatch.selectors.dispatches_visible_to); `now` is read
once at the edge. Each write locks the dispatch row, refuses a stale `version`, and writes exactly one
row on the case's timeline (kind `dispatch`), in one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from cases import hooks
from cases.checklist import Category, ChecklistError, HardwareComponent, normalize_ppid
from cases.models import Case, CaseEvent, EventKind
from cases.services import record_case_event
from cases.workflow import State as CaseState
from dispatch import events
from dispatch import workflow as flow
from dispatch.eligibility import Eligibility, SiteFacts
from dispatch.models import Dispatch, Fee, Part, ScheduleChange
from dispatch.rescheduling import FREE_RESCHEDULE_DAYS, free_window_closes_at, reschedule_terms
from dispatch.selectors import eligibility_for_unit
from husky_support.calendar import site_zone
from husky_support.domain import Conflict, DomainError, NotAllowed
from husky_support.queue import enqueue_after_commit
from partners.integrations.catalog import EventType
from partners.integrations.outbox import record_event
from partners.kinds import PARTNER_KINDS, OrgKind, is_mts_admin
from partners.models import Organisation, User

__all__ = [
    "MAX_PARTS",
    "PART_RETURN_DAYS",
    "DispatchRequest",
    "clearance_step",
    "create_dispatch",
    "dispatch_facts_for_case",
    "dispatch_note",
    "dispatch_site_update",
    "dispatch_transition",
    "fee_waive",
    "part_add",
    "part_update",
]

# docs/rules.md "Dispatch": at most 4 replacement parts per dispatch; faulty parts back within 10 days of delivery.
MAX_PARTS = 4
PART_RETURN_DAYS = 10
# Workers warn this long before a deadline (the free-reschedule window, a part's return).
WARN_BEFORE = timedelta(days=2)


@dataclass(frozen=True, kw_only=True)
class DispatchRequest:
    """What MTS sends with escalate_to_dell."""

    kind: flow.DispatchKind = flow.DispatchKind.ONSITE
    representative_name: str = ""
    representative_phone: str = ""
    representative_email: str = ""
    security_requirements: str = ""

    @classmethod
    def from_input(cls, value: Any) -> DispatchRequest:
        """What the API or the page sent (a mapping), checked: every bad field reported at once (400)."""
        if value is None:
            return cls()
        if isinstance(value, DispatchRequest):
            return value
        if not isinstance(value, Mapping):
            raise DomainError(
                "`dispatch` must be an object.",
                code="invalid",
                extra={"fields": {"dispatch": [{"code": "invalid", "message": "Expected an object."}]}},
            )
        limits = {
            "representative_name": 200,
            "representative_phone": 40,
            "representative_email": 254,
            "security_requirements": 5_000,
        }
        errors: dict[str, list[dict[str, str]]] = {}
        for name in sorted(set(value) - {"kind", *limits}):
            errors[name] = [{"code": "unknown_field", "message": "Unknown field."}]
        clean: dict[str, Any] = {}
        try:
            clean["kind"] = flow.DispatchKind(value.get("kind") or flow.DispatchKind.ONSITE.value)
        except (ValueError, TypeError):
            errors["kind"] = [{"code": "invalid_choice", "message": "Choose onsite or parts_only."}]
        for name, limit in limits.items():
            raw = value.get(name, "")
            if not isinstance(raw, str):
                errors[name] = [{"code": "invalid", "message": "Expected text."}]
                continue
            if len(raw.strip()) > limit:
                errors[name] = [{"code": "max_length", "message": f"At most {limit} characters."}]
            clean[name] = raw.strip()
        if clean.get("representative_email"):
            try:
                validate_email(clean["representative_email"])
            except ValidationError:
                errors["representative_email"] = [{"code": "invalid", "message": "Enter a valid email address."}]
        if errors:
            raise DomainError("Some dispatch details are not valid.", code="invalid", extra={"fields": errors})
        return cls(**clean)

    @property
    def representative_named(self) -> bool | None:
        # Unknown (None) rather than missing when nothing was given: scheduling asks for it later.
        if not (self.representative_name.strip() or self.representative_phone.strip()):
            return None
        return bool(self.representative_name.strip() and self.representative_phone.strip())


def _current_dispatch(case: Case) -> Dispatch | None:
    return Dispatch.objects.filter(case=case).order_by("-created_at", "-id").first()


def _site_facts(case: Case, request: DispatchRequest) -> SiteFacts:
    requirements = bool(request.security_requirements.strip())
    return SiteFacts(
        site_country=case.site_country or None,
        security_requirements=requirements,
        security_accepted_beforehand=False,
        authorized_rep_named=request.representative_named,
    )


def _qualify(case: Case, request: DispatchRequest, now: datetime) -> tuple[Eligibility, date | None]:
    """Eligibility at the moment of qualification, and the NBD target. A pending clearance makes NBD "not
    guaranteed" (rule 3) but the target Dell aims for is still the one rule 1 gives, so it is kept."""
    if case.unit is None:
        raise flow.DispatchRefused(
            "unit_required", "Give the unit's service tag on the case before escalating to Dell."
        )
    site = _site_facts(case, request)
    answer = eligibility_for_unit(
        case.unit, qualified_at=now, site_country=site.site_country, site=site, partner_timezone=None
    ).eligibility
    target = answer.nbd_target_date
    if target is None and site.security_requirements:
        cleared = replace(site, security_requirements=False)
        without_clearance = eligibility_for_unit(
            case.unit, qualified_at=now, site_country=site.site_country, site=cleared
        )
        target = without_clearance.eligibility.nbd_target_date
    return answer, target


def dispatch_facts_for_case(case: Case, now: datetime, request: Any) -> hooks.DispatchFacts:
    """The cases.hooks seam: what escalate_to_dell and return_to_mts need to know about the dispatch."""
    state = CaseState(case.state)
    if state is CaseState.L3_DELL:
        current = _current_dispatch(case)
        return hooks.DispatchFacts(finished=current is None or current.is_finished)
    if state is not CaseState.L2_MTS_INVESTIGATING or case.category != Category.HARDWARE or case.unit is None:
        return hooks.DispatchFacts()
    request = DispatchRequest.from_input(request)
    parts_only = request.kind is flow.DispatchKind.PARTS_ONLY
    try:
        answer, _ = _qualify(case, request, now)
    except ValueError:  # bad place data on the unit: no onsite dispatch can be planned
        return hooks.DispatchFacts(refusal_reasons=("country_not_covered",), parts_only=parts_only)
    return hooks.DispatchFacts(refusal_reasons=tuple(r.value for r in answer.onsite_blockers), parts_only=parts_only)


def _dell_organisation() -> Organisation:
    org = Organisation.objects.filter(kind=OrgKind.DELL, is_active=True).order_by("pk").first()
    if org is None:
        raise Conflict("No active Dell organisation is set up to receive dispatches.", code="no_dell_organisation")
    return org


def _end_of_site_day(day: date, site_timezone: str) -> datetime:
    """The UTC instant a site-local date ends (the start of the next one)."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=site_zone(site_timezone)).astimezone(UTC)


def _start_of_site_day(day: date, site_timezone: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=site_zone(site_timezone)).astimezone(UTC)


def _snapshot(answer: Eligibility, target: date | None) -> dict[str, Any]:
    return {
        "onsite_eligible": answer.onsite_eligible,
        "nbd_eligible": answer.nbd_eligible,
        "kyhd_eligible": answer.kyhd_eligible,
        "nbd_target_date": target.isoformat() if target else None,
        "nbd_received_on": answer.nbd_received_on.isoformat() if answer.nbd_received_on else None,
        "site_timezone": answer.site_timezone,
        "site_local_qualified_at": answer.site_local_qualified_at.isoformat(),
        "reasons": [r.value for r in answer.reasons],
    }


# How each step reads on the case's timeline (the case page does not know the dispatch app).
EVENT_LABELS: dict[str, str] = {
    "requested": "requested from Dell",
    "site_updated": "site details changed",
    "clearance_request": "security requirements sent to Dell",
    "clearance_accept": "Dell accepted the security requirements",
    "clearance_decline": "Dell declined the security requirements",
    "note": "message",
    "part_added": "replacement part listed",
    "part_updated": "part updated",
    "fee_waived": "fee waived",
    "reschedule_window_ending": "free rescheduling ends in 2 days",
    "schedule_frozen": "schedule frozen: changes now carry the fee",
    "nbd_missed": "next-business-day target missed",
    "part_return_due_soon": "faulty part due back in 2 days",
    "part_return_overdue": "faulty part return overdue",
}


STEP_LABELS: dict[flow.Action, str] = {
    flow.Action.ACCEPT: "accepted by Dell",
    flow.Action.DENY: "denied by Dell",
    flow.Action.RESUBMIT: "resubmitted to Dell",
    flow.Action.SCHEDULE: "visit scheduled",
    flow.Action.RESCHEDULE: "visit rescheduled",
    flow.Action.OUTCOME: "visit outcome",
    flow.Action.SHIP_PARTS: "parts shipped",
    flow.Action.CONFIRM_DELIVERY: "parts delivered",
    flow.Action.COMPLETE: "completed",
    flow.Action.CANCEL: "cancelled",
}


def _event_label(action: str, data: dict[str, Any]) -> str:
    try:
        step = flow.Action(action)
    except ValueError:
        return EVENT_LABELS.get(action, action.replace("_", " "))
    label = STEP_LABELS[step]
    if data.get("dispatch_number"):
        label += f" (Dell number {data['dispatch_number']})"
    if data.get("outcome"):
        label += f": {flow.Outcome(data['outcome']).label.lower()}"
    if data.get("to") == flow.State.VOIDED:
        label += " a third time: the dispatch is void"
    if data.get("fee"):
        label += "; fee recorded"
    if step is flow.Action.OUTCOME and data.get("to") == flow.State.ACCEPTED:
        label += "; back to scheduling"
    return label


def record_dispatch_event(
    dispatch: Dispatch, *, actor: User | None, now: datetime, action: str, note: str = "", **data: Any
) -> CaseEvent:
    """One row on the case's timeline for one dispatch step (inside the caller's transaction)."""
    return record_case_event(
        dispatch.case,
        kind=EventKind.DISPATCH,
        actor=actor,
        now=now,
        action=action,
        note=note,
        data={"dispatch": dispatch.pk, "label": _event_label(action, data), **data},
    )


def create_dispatch(*, case: Case, actor: User | None, note: str, now: datetime, request: Any = None) -> Dispatch:
    """The cases.hooks seam, called inside escalate_to_dell's transaction: open the dispatch with the
    eligibility snapshot and NBD target at `now` (the moment of qualification, rule 1)."""
    request = DispatchRequest.from_input(request)
    answer, target = _qualify(case, request, now)
    dispatch = Dispatch(
        case=case,
        dell_org=_dell_organisation(),
        kind=request.kind.value,
        qualified_at=now,
        eligibility=_snapshot(answer, target),
        onsite_eligible=answer.onsite_eligible,
        nbd_eligible=answer.nbd_eligible,
        kyhd_keeps_drive=answer.kyhd_eligible,
        nbd_target_on=target if request.kind is flow.DispatchKind.ONSITE else None,
        site_timezone=answer.site_timezone,
        site_country=(case.site_country or case.unit.country if case.unit else case.site_country),
        representative_name=request.representative_name.strip(),
        representative_phone=request.representative_phone.strip(),
        representative_email=request.representative_email.strip(),
        security_requirements=request.security_requirements.strip(),
        clearance=(flow.Clearance.STATED if request.security_requirements.strip() else flow.Clearance.NONE).value,
        requested_by=actor,
        created_at=now,
        updated_at=now,
    )
    if dispatch.nbd_target_on is not None:
        dispatch.nbd_missed_due_at = _end_of_site_day(dispatch.nbd_target_on, dispatch.site_timezone)
    _full_clean(dispatch)
    dispatch.save()
    record_dispatch_event(dispatch, actor=actor, now=now, action="requested", note=note, to=flow.State.REQUESTED.value)
    record_event(type=EventType.DISPATCH_REQUESTED, obj=dispatch, now=now, details={"action": "requested"})
    notify_dispatch_step(dispatch.pk, "requested")
    return dispatch


def _full_clean(obj: Any) -> None:
    try:
        obj.full_clean()
    except ValidationError as exc:
        fields = (
            {
                name: [{"code": e.code or "invalid", "message": " ".join(e.messages)} for e in errors]
                for name, errors in exc.error_dict.items()
            }
            if hasattr(exc, "error_dict")
            else {}
        )
        raise DomainError(" ".join(exc.messages), code="invalid", extra={"fields": fields}) from None


def _lock(dispatch: Dispatch | int) -> Dispatch:
    pk = dispatch.pk if isinstance(dispatch, Dispatch) else dispatch
    return Dispatch.objects.select_for_update(of=("self",)).select_related("case").get(pk=pk)


def _check_version(dispatch: Dispatch, version: int | None) -> None:
    if version is not None and int(version) != dispatch.version:
        raise Conflict(
            "Someone else changed this dispatch since you loaded it; reload it and try again.",
            code="conflict",
            extra={"current_version": dispatch.version, "state": dispatch.state},
        )


def _late_change(dispatch: Dispatch, now: datetime) -> tuple[bool, int | None]:
    if dispatch.visit_start_at is None:
        return False, None
    terms = reschedule_terms(dispatch.visit_start_at, now, dispatch.site_timezone)
    return terms.fee_applies, terms.days_before


def dispatch_facts(
    dispatch: Dispatch,
    *,
    now: datetime,
    note: str = "",
    dispatch_number: str = "",
    visit_start_at: datetime | None = None,
    visit_end_at: datetime | None = None,
    accept_fee: bool = False,
    outcome: flow.Outcome | None = None,
    parts_count: int | None = None,
) -> flow.DispatchFacts:
    """What the dispatch workflow guards need, read from the dispatch and the request."""
    late, _ = _late_change(dispatch, now)
    return flow.DispatchFacts(
        kind=dispatch.kind_enum,
        now=now,
        note=note,
        denial_count=dispatch.denial_count,
        representative_named=dispatch.representative_named,
        dispatch_number=dispatch_number,
        visit_start_at=visit_start_at,
        visit_end_at=visit_end_at,
        current_visit_start_at=dispatch.visit_start_at,
        late_change=late,
        accept_fee=accept_fee,
        outcome=outcome,
        parts_count=dispatch.parts.count() if parts_count is None else parts_count,
    )


def _fee_terms(kind: flow.FeeKind) -> tuple[Decimal | None, str]:
    """The configured amount of a fee, or (None, "") for "per contract"."""
    configured = settings.DISPATCH_FEES.get(kind.value)
    if not configured:
        return None, ""
    amount, currency = configured
    return Decimal(str(amount)), currency


FEE_REASONS: dict[flow.FeeKind, str] = {
    flow.FeeKind.LATE_RESCHEDULE: (
        "The visit was rescheduled {days} site-local day(s) before it was due to start; changes are free only "
        f"when agreed at least {FREE_RESCHEDULE_DAYS} days before. The requester accepted the fee."
    ),
    flow.FeeKind.REPRESENTATIVE_ABSENT: (
        "No authorised customer representative was at the site when the technician arrived; a follow-up "
        "visit is needed."
    ),
    flow.FeeKind.SECURITY_CLEARANCE_NOT_ARRANGED: (
        "The site's security or clearance requirements were not arranged with Dell beforehand."
    ),
}


def _record_fee(dispatch: Dispatch, kind: flow.FeeKind, *, actor: User | None, now: datetime, reason: str) -> Fee:
    amount, currency = _fee_terms(kind)
    fee = Fee(
        dispatch=dispatch,
        kind=kind.value,
        amount=amount,
        currency=currency,
        reason=reason,
        recorded_at=now,
        recorded_by=actor,
    )
    _full_clean(fee)
    fee.save()
    return fee


def _book_visit(dispatch: Dispatch, start: datetime, end: datetime, now: datetime) -> None:
    """Set the visit window and the due-times of the reschedule-window sweeps (rule 4)."""
    dispatch.visit_start_at, dispatch.visit_end_at = start, end
    closes = free_window_closes_at(start, dispatch.site_timezone)
    dispatch.free_window_closes_at = closes
    dispatch.schedule_frozen_at = None
    reminder = closes - WARN_BEFORE
    dispatch.window_reminder_due_at = reminder if reminder > now else None
    dispatch.window_reminder_sent_at = None


def _clear_visit(dispatch: Dispatch) -> None:
    dispatch.visit_start_at = dispatch.visit_end_at = None
    dispatch.free_window_closes_at = dispatch.window_reminder_due_at = None


def _delivered_today(dispatch: Dispatch, now: datetime) -> date:
    return now.astimezone(site_zone(dispatch.site_timezone)).date()


def _set_return_due(part: Part, dispatch: Dispatch) -> None:
    if part.delivered_on is None or part.keep_faulty:
        part.return_due_on = part.return_warning_due_at = part.return_overdue_at = None
        return
    part.return_due_on = part.delivered_on + timedelta(days=PART_RETURN_DAYS)
    part.return_warning_due_at = _start_of_site_day(part.return_due_on - WARN_BEFORE, dispatch.site_timezone)
    part.return_overdue_at = _end_of_site_day(part.return_due_on, dispatch.site_timezone)


@transaction.atomic
def dispatch_transition(
    *,
    actor: User | None,
    dispatch: Dispatch | int,
    action: str,
    now: datetime,
    version: int | None = None,
    note: str = "",
    dispatch_number: str = "",
    visit_start_at: datetime | None = None,
    visit_end_at: datetime | None = None,
    accept_fee: bool = False,
    outcome: str = "",
) -> Dispatch:
    """Apply one dispatch action under the row lock: refuse a stale `version`, let workflow.plan() decide
    (DispatchRefused), record any fee and schedule change, save, write one timeline row on the case."""
    locked = _lock(dispatch)
    _check_version(locked, version)
    note = (note or "").strip()
    try:
        chosen = flow.Outcome(outcome) if outcome else None
    except ValueError:
        raise flow.DispatchRefused(
            "unknown_outcome", f"There is no visit outcome “{outcome}”.", kind=flow.INPUT
        ) from None
    facts = dispatch_facts(
        locked,
        now=now,
        note=note,
        dispatch_number=dispatch_number,
        visit_start_at=visit_start_at,
        visit_end_at=visit_end_at,
        accept_fee=accept_fee,
        outcome=chosen,
    )
    actor_kind = actor.org_kind if actor is not None else None
    step = flow.plan(locked.kind, locked.state, action, actor_kind, facts)  # DispatchRefused: nothing written
    data: dict[str, Any] = {"from": step.from_state.value, "to": step.to_state.value}
    fee: Fee | None = None
    if step.action is flow.Action.ACCEPT:
        locked.dispatch_number = dispatch_number.strip()[:40]
        data["dispatch_number"] = locked.dispatch_number
    elif step.action is flow.Action.DENY:
        locked.denial_count += 1
        locked.last_denial_reason = note
        data["denials"] = locked.denial_count
    elif step.action in {flow.Action.SCHEDULE, flow.Action.RESCHEDULE}:
        if visit_start_at is None or visit_end_at is None:  # plan() refused a missing window already
            raise flow.DispatchRefused("visit_window_required", "Give the visit's start and end.", kind=flow.INPUT)
        _, days_before = _late_change(locked, now)
        if step.fee is not None:
            reason = FEE_REASONS[step.fee].format(days=days_before)
            fee = _record_fee(locked, step.fee, actor=actor, now=now, reason=reason)
        ScheduleChange.objects.create(
            dispatch=locked,
            visit_start_at=visit_start_at,
            visit_end_at=visit_end_at,
            previous_start_at=locked.visit_start_at,
            previous_end_at=locked.visit_end_at,
            agreed_at=now,
            days_before=days_before,
            late=step.fee is not None,
            fee=fee,
            changed_by=actor,
            note=note,
        )
        _book_visit(locked, visit_start_at, visit_end_at, now)
        data["visit_start_at"], data["visit_end_at"] = visit_start_at.isoformat(), visit_end_at.isoformat()
    elif step.action is flow.Action.OUTCOME and chosen is not None:
        locked.outcome, locked.outcome_note = chosen.value, note
        data["outcome"] = chosen.value
        if step.fee is not None:
            fee = _record_fee(locked, step.fee, actor=actor, now=now, reason=note or FEE_REASONS[step.fee])
        if step.to_state is flow.State.ACCEPTED:  # rule 5: back to scheduling
            _clear_visit(locked)
    elif step.action is flow.Action.SHIP_PARTS:
        today = _delivered_today(locked, now)
        locked.parts.filter(shipped_on__isnull=True).update(shipped_on=today)
    elif step.action is flow.Action.CONFIRM_DELIVERY:
        today = _delivered_today(locked, now)
        for part in locked.parts.filter(delivered_on__isnull=True):
            part.delivered_on = today
            _set_return_due(part, locked)
            part.save(update_fields=["delivered_on", "return_due_on", "return_warning_due_at", "return_overdue_at"])
    if fee is not None:
        data["fee"] = fee.pk
    locked.state = step.to_state.value
    if step.to_state in flow.FINISHED_STATES:
        locked.finished_at = now
        locked.nbd_missed_due_at = None  # nothing left to miss
        locked.window_reminder_due_at = locked.free_window_closes_at = None
    if step.to_state is flow.State.COMPLETED and step.action is flow.Action.COMPLETE:
        locked.outcome = flow.Outcome.COMPLETED.value
    locked.version += 1
    locked.updated_at = now
    _full_clean(locked)
    locked.save()
    record_dispatch_event(locked, actor=actor, now=now, action=step.action.value, note=note, **data)
    partner_event = events.event_for_step(step.action, step.to_state)
    if partner_event is not None:
        details = {"action": step.action.value, "from_state": step.from_state.value, "to_state": step.to_state.value}
        record_event(type=partner_event, obj=locked, now=now, details=details)
    if fee is not None:
        record_event(type=EventType.FEE_RECORDED, obj=fee, now=now, details={"kind": fee.kind})
    notify_dispatch_step(locked.pk, step.action.value)
    return locked


def notify_dispatch_step(dispatch_id: int, what: str) -> None:
    """Email the parties of one dispatch step once the transaction commits."""
    enqueue_after_commit("dispatch.tasks.notify_dispatch_step_task", dispatch_id, what)


# --- the site: representative and security requirements -------------------------------------------------

SITE_FIELDS = ("representative_name", "representative_phone", "representative_email", "security_requirements")


@transaction.atomic
def dispatch_site_update(
    *, actor: User, dispatch: Dispatch | int, version: int | None, values: dict[str, Any], now: datetime
) -> Dispatch:
    """Partners and MTS name the authorised representative and state the site's security requirements
    while the dispatch is open. A change to the requirements sends the clearance back to "stated"."""
    if actor.org_kind not in {OrgKind.MTS, *PARTNER_KINDS}:
        raise NotAllowed(
            "Only the partner or MTS names the representative and the site's requirements.", code="role_not_allowed"
        )
    locked = _lock(dispatch)
    _check_version(locked, version)
    if locked.is_finished:
        raise Conflict("The dispatch has ended.", code="dispatch_finished")
    unknown = set(values) - set(SITE_FIELDS)
    if unknown:
        raise DomainError(f"Unknown fields: {', '.join(sorted(unknown))}.", code="unknown_field")
    changes = {}
    for name, value in values.items():
        clean = str(value or "").strip()
        if getattr(locked, name) != clean:
            changes[name] = [getattr(locked, name), clean]
            setattr(locked, name, clean)
    if not changes:
        return locked
    if "security_requirements" in changes:
        stated = flow.Clearance.STATED if locked.security_requirements else flow.Clearance.NONE
        locked.clearance, locked.clearance_note = stated.value, ""
    locked.version += 1
    locked.updated_at = now
    _full_clean(locked)
    locked.save()
    record_dispatch_event(locked, actor=actor, now=now, action="site_updated", changes=sorted(changes))
    return locked


@transaction.atomic
def clearance_step(
    *, actor: User, dispatch: Dispatch | int, action: str, version: int | None, note: str, now: datetime
) -> Dispatch:
    """MTS sends the special security request to Dell (`request`); Dell `accept`s or `decline`s it."""
    locked = _lock(dispatch)
    _check_version(locked, version)
    if locked.is_finished:
        raise Conflict("The dispatch has ended.", code="dispatch_finished")
    to = flow.plan_clearance(
        locked.clearance_enum, action, actor.org_kind, note=note
    )  # DispatchRefused: nothing written
    data = {"from": locked.clearance, "to": to.value}
    locked.clearance = to.value
    if action != flow.ClearanceAction.REQUEST:
        locked.clearance_note = (note or "").strip()
    locked.version += 1
    locked.updated_at = now
    locked.save()
    record_dispatch_event(locked, actor=actor, now=now, action=f"clearance_{action}", note=(note or "").strip(), **data)
    return locked


@transaction.atomic
def dispatch_note(*, actor: User, dispatch: Dispatch, body: str, now: datetime) -> CaseEvent:
    """A message on the dispatch thread, which the partner, MTS and Dell all read."""
    body = (body or "").strip()
    if not body:
        raise DomainError(
            "Write something first.",
            code="note_empty",
            extra={"fields": {"body": [{"code": "required", "message": "Required."}]}},
        )
    if len(body) > 10_000:
        raise DomainError("A message is at most 10,000 characters.", code="note_too_long")
    return record_dispatch_event(dispatch, actor=actor, now=now, action="note", note=body)


# --- parts ---------------------------------------------------------------------------------------------

PART_FIELDS = (
    "part_number",
    "description",
    "quantity",
    "is_hard_drive",
    "faulty_ppid",
    "carrier",
    "tracking_number",
    "faulty_pickup",
)


def _part_ppid(value: str) -> str:
    if not value:
        return ""
    try:
        return normalize_ppid(value)
    except ChecklistError as exc:
        raise DomainError(
            exc.message, code=exc.code, extra={"fields": {"faulty_ppid": [{"code": exc.code, "message": exc.message}]}}
        ) from None


def _check_pickup(part: Part, dispatch: Dispatch, pickup: bool | None) -> None:
    # docs/rules.md "Dispatch": a hard drive is kept by the customer, not picked up, when KYHD was purchased.
    part.keep_faulty = part.is_hard_drive and dispatch.kyhd_keeps_drive
    if pickup and part.keep_faulty:
        raise flow.DispatchRefused(
            "kyhd_drive_kept",
            "Keep Your Hard Drive was purchased and eligible for this unit: the customer keeps the faulty drive, "
            "so no pickup is arranged.",
        )


@transaction.atomic
def part_add(*, actor: User, dispatch: Dispatch | int, values: dict[str, Any], now: datetime) -> Part:
    """List a replacement part on an open dispatch (Dell or MTS). At most MAX_PARTS per dispatch."""
    if actor.org_kind not in {OrgKind.DELL, OrgKind.MTS}:
        raise NotAllowed("Only Dell or MTS lists replacement parts.", code="role_not_allowed")
    locked = _lock(dispatch)
    if locked.is_finished:
        raise Conflict("The dispatch has ended.", code="dispatch_finished")
    if locked.parts.count() >= MAX_PARTS:
        raise flow.DispatchRefused("too_many_parts", f"A dispatch carries at most {MAX_PARTS} replacement parts.")
    unknown = set(values) - set(PART_FIELDS)
    if unknown:
        raise DomainError(f"Unknown fields: {', '.join(sorted(unknown))}.", code="unknown_field")
    pickup = values.pop("faulty_pickup", None)
    part = Part(dispatch=locked, created_at=now, **values)
    part.faulty_ppid = _part_ppid(part.faulty_ppid)
    if locked.case.component == HardwareComponent.HARD_DRIVE and "is_hard_drive" not in values:
        part.is_hard_drive = True
    _check_pickup(part, locked, pickup)
    _full_clean(part)
    part.save()
    locked.version += 1
    locked.updated_at = now
    locked.save(update_fields=["version", "updated_at"])
    record_dispatch_event(
        locked,
        actor=actor,
        now=now,
        action="part_added",
        part=part.pk,
        part_number=part.part_number,
        keep_faulty=part.keep_faulty,
    )
    return part


@transaction.atomic
def part_update(*, actor: User, part: Part, values: dict[str, Any], now: datetime) -> Part:
    """Dell or MTS record shipping, delivery and the faulty part's return. Setting `delivered_on` starts the
    10-day return clock (site-local dates); a KYHD-kept drive has none and cannot be marked picked up."""
    if actor.org_kind not in {OrgKind.DELL, OrgKind.MTS}:
        raise NotAllowed("Only Dell or MTS updates parts.", code="role_not_allowed")
    locked = _lock(part.dispatch_id)
    row = Part.objects.select_for_update().get(pk=part.pk)
    allowed = {"carrier", "tracking_number", "shipped_on", "delivered_on", "returned_on", "faulty_ppid"}
    unknown = set(values) - allowed
    if unknown:
        raise DomainError(f"Unknown fields: {', '.join(sorted(unknown))}.", code="unknown_field")
    if values.get("returned_on") and row.keep_faulty:
        _check_pickup(row, locked, True)
    today = _delivered_today(locked, now)
    for name in ("shipped_on", "delivered_on", "returned_on"):
        day = values.get(name)
        if day is not None and day > today:
            message = "A date cannot be in the future at the site."
            raise DomainError(
                message,
                code="date_in_future",
                extra={"fields": {name: [{"code": "date_in_future", "message": message}]}},
            )
    if "faulty_ppid" in values:
        values["faulty_ppid"] = _part_ppid(values["faulty_ppid"])
    for name, value in values.items():
        setattr(row, name, value)
    _set_return_due(row, locked)
    _full_clean(row)
    row.save()
    record_dispatch_event(locked, actor=actor, now=now, action="part_updated", part=row.pk, changes=sorted(values))
    return row


# --- fees ----------------------------------------------------------------------------------------------


def may_waive_fees(user: User) -> bool:
    return is_mts_admin(user)


@transaction.atomic
def fee_waive(*, actor: User, fee: Fee, reason: str, now: datetime) -> Fee:
    """An MTS admin waives a fee with a reason; the fee and the waiver both stay on record."""
    if not may_waive_fees(actor):
        raise NotAllowed("Only an MTS admin may waive a fee.", code="mts_admin_required")
    row = Fee.objects.select_for_update().select_related("dispatch", "dispatch__case").get(pk=fee.pk)
    if row.waived_at is not None:
        raise Conflict("This fee was already waived.", code="fee_already_waived")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            "Say why the fee is waived.",
            code="reason_required",
            extra={"fields": {"reason": [{"code": "required", "message": "Required."}]}},
        )
    row.waived_at, row.waived_by, row.waiver_reason = now, actor, reason
    row.save(update_fields=["waived_at", "waived_by", "waiver_reason"])
    record_dispatch_event(
        row.dispatch, actor=actor, now=now, action="fee_waived", note=reason, fee=row.pk, kind=row.kind
    )
    return row
