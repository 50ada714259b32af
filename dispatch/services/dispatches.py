"""A dispatch's timeline rows, its row lock and its transitions (the visit, the outcome, the fees a step records).

Each write locks the dispatch row, refuses a stale `version`, and writes exactly one row on the case's
timeline (kind `dispatch`), in one transaction; `now` is read once at the edge."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q

from dispatch import events
from dispatch import workflow as flow
from dispatch.events import DispatchEventType
from dispatch.models import Dispatch, Fee, ScheduleChange
from dispatch.rescheduling import free_window_closes_at, reschedule_terms
from dispatch.services.base import (
    WARN_BEFORE,
    full_clean_or_refuse,
    lock_dispatch,
    record_dispatch_event,
)
from dispatch.services.fees import FEE_REASONS, record_fee
from dispatch.services.nbd import announce_nbd, apply_nbd
from dispatch.services.parts import delivered_today, fit_parts, set_return_due
from husky_support.calendar import CalendarError, business_calendar, site_zone
from partners.calendars import calendar_for
from partners.integrations.outbox import record_event
from partners.kinds import PARTNER_KINDS
from partners.models import User


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
    past_target_reason: str = "",
    first_visit: bool | None = None,
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
        nbd_target_on=dispatch.nbd_target_on,
        site_timezone=dispatch.site_timezone,
        first_visit=(not dispatch.schedule_changes.exists()) if first_visit is None else first_visit,
        past_target_reason=past_target_reason.strip(),
    )


def _past_target(dispatch: Dispatch, start: datetime) -> bool:
    target = dispatch.nbd_target_on
    return target is not None and start.astimezone(site_zone(dispatch.site_timezone)).date() > target


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
    past_target_reason: str = "",
    fitted_parts: Collection[int] = (),
) -> Dispatch:
    """Apply one dispatch action under the row lock: refuse a stale `version`, let workflow.plan() decide
    (DispatchRefused), record any fee and schedule change, save, write one timeline row on the case.
    `fitted_parts`: with a completed onsite visit, the listed parts the technician fitted (fit_parts)."""
    locked = lock_dispatch(dispatch, version)
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
        past_target_reason=past_target_reason,
        first_visit=None if action == flow.Action.SCHEDULE else False,
    )
    actor_kind = actor.org_kind if actor is not None else None
    step = flow.plan(locked.kind, locked.state, action, actor_kind, facts)  # DispatchRefused: nothing written
    if fitted_parts and not (step.action is flow.Action.OUTCOME and chosen is flow.Outcome.COMPLETED):
        raise flow.DispatchRefused(
            "fitted_parts_need_completed_visit",
            "Parts are recorded as fitted only with a completed visit.",
            kind=flow.INPUT,
        )
    data: dict[str, Any] = {"from": step.from_state.value, "to": step.to_state.value}
    fee: Fee | None = None
    if step.action is flow.Action.ACCEPT:
        locked.dispatch_number = dispatch_number.strip()[:40]
        locked.accepted_at = now
        data["dispatch_number"] = locked.dispatch_number
        _first_acceptance(locked, now)
    elif step.action is flow.Action.DENY:
        locked.denial_count += 1
        locked.first_denied_at = locked.first_denied_at or now
        locked.last_denial_reason = note
        data["denials"] = locked.denial_count
    elif step.action in {flow.Action.SCHEDULE, flow.Action.RESCHEDULE}:
        if visit_start_at is None or visit_end_at is None:  # plan() refused a missing window already
            raise flow.DispatchRefused("visit_window_required", "Give the visit's start and end.", kind=flow.INPUT)
        _, days_before = _late_change(locked, now)
        if step.fee is not None:
            reason = FEE_REASONS[step.fee].format(days=days_before)
            fee = record_fee(locked, step.fee, actor=actor, now=now, reason=reason)
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
            by_customer=actor_kind in PARTNER_KINDS,
            past_target_reason=past_target_reason.strip() if _past_target(locked, visit_start_at) else "",
        )
        _book_visit(locked, visit_start_at, visit_end_at, now)
        data["visit_start_at"], data["visit_end_at"] = visit_start_at.isoformat(), visit_end_at.isoformat()
    elif step.action is flow.Action.OUTCOME and chosen is not None:
        locked.outcome, locked.outcome_note = chosen.value, note
        data["outcome"] = chosen.value
        booking = locked.schedule_changes.order_by("-agreed_at", "-id").first()
        if booking is not None:  # the visit this outcome reports (docs/rules.md rule 9 reads it)
            booking.outcome, booking.outcome_reported_at = chosen.value, now
            booking.save(update_fields=["outcome", "outcome_reported_at"])
        if locked.visit_start_at is not None:
            data["visit_start_at"] = locked.visit_start_at.isoformat()
            data["visit_end_at"] = locked.visit_end_at.isoformat() if locked.visit_end_at else None
        if step.fee is not None:
            fee = record_fee(locked, step.fee, actor=actor, now=now, reason=note or FEE_REASONS[step.fee])
        if step.to_state is flow.State.ACCEPTED:  # rule 5: back to scheduling
            _clear_visit(locked)
        if fitted_parts:
            data["fitted_parts"] = fit_parts(locked, fitted_parts, now=now)
    elif step.action is flow.Action.SHIP_PARTS:
        today = delivered_today(locked, now)
        locked.parts.filter(shipped_on__isnull=True).update(shipped_on=today)
    elif step.action is flow.Action.CONFIRM_DELIVERY:
        today = delivered_today(locked, now)
        for part in locked.parts.filter(delivered_on__isnull=True):
            part.delivered_on = today
            set_return_due(part, locked)
            part.save(update_fields=["delivered_on", "return_due_on", "return_warning_due_at", "return_overdue_at"])
    if fee is not None:
        data["fee"] = fee.pk
    locked.state = step.to_state.value
    if step.to_state in flow.FINISHED_STATES:
        locked.finished_at = now
        locked.window_reminder_due_at = locked.free_window_closes_at = None
    if step.to_state is flow.State.COMPLETED and step.action is flow.Action.COMPLETE:
        locked.outcome = flow.Outcome.COMPLETED.value
    decided = apply_nbd(locked, now)  # docs/rules.md rule 9: every step may decide the target
    if decided is not None:
        data["nbd_verdict"] = decided.verdict.value
        if decided.cause is not None:
            data["nbd_miss_cause"] = decided.cause.value
    locked.version += 1
    locked.updated_at = now
    full_clean_or_refuse(locked)
    locked.save()
    record_dispatch_event(locked, actor=actor, now=now, action=step.action.value, note=note, **data)
    partner_event = events.event_for_step(step.action, step.to_state)
    if partner_event is not None:
        details = {"action": step.action.value, "from_state": step.from_state.value, "to_state": step.to_state.value}
        record_event(type=partner_event, obj=locked, now=now, details=details)
    if fee is not None:
        record_event(type=DispatchEventType.FEE_RECORDED, obj=fee, now=now, details={"kind": fee.kind})
    announce_nbd(locked, decided, now)
    return locked


def _first_acceptance(locked: Dispatch, now: datetime) -> None:
    """This acceptance's timeline row is, for every dispatch of the case requested by `now` that has none earlier,
    the first acceptance since its request (what time to dispatch measures, docs/rules.md "Reports")."""
    if locked.created_at <= now and (locked.first_accepted_at is None or locked.first_accepted_at > now):
        locked.first_accepted_at = now
    Dispatch.objects.filter(case_id=locked.case_id, created_at__lte=now).exclude(pk=locked.pk).filter(
        Q(first_accepted_at__isnull=True) | Q(first_accepted_at__gt=now)
    ).update(first_accepted_at=now)


def visit_notes(dispatch: Dispatch, start: datetime | None) -> list[flow.VisitNote]:
    """docs/rules.md rule 8 for a proposed visit start: not a business day at the site (with the holiday's name),
    or after the NBD target. Reads the site's calendar with its overrides (one query); [] without a start."""
    if start is None or start.tzinfo is None:
        return []
    day = start.astimezone(site_zone(dispatch.site_timezone)).date()
    unit = dispatch.case.unit if dispatch.case.unit_id else None
    subdivision = unit.subdivision if unit is not None and unit.country == dispatch.site_country else ""
    try:
        calendar = calendar_for(dispatch.site_country, subdivision, first=day, last=day)
        base = business_calendar(dispatch.site_country, subdivision or None)
    except CalendarError:
        return []
    names = base.holiday_names(day)
    if not names and not calendar.is_business_day(day) and day.weekday() not in base.weekend(day):
        names = ["a local closure"]
    return flow.check_visit(start, dispatch.site_timezone, calendar, dispatch.nbd_target_on, names)
