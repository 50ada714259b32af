"""The frame every dispatch write shares: the row lock with its version check, validation, the one
timeline row a write adds to the case (with its notifications) and the site-day boundaries."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError

from cases.models import CaseEvent, EventKind
from cases.services import record_case_event
from dispatch import notices
from dispatch import workflow as flow
from dispatch.models import Dispatch
from dispatch.nbd import MissCause, NbdVerdict
from husky_support.calendar import site_zone
from husky_support.domain import DomainError
from husky_support.locking import lock_versioned
from partners.models import User

WARN_BEFORE = timedelta(days=2)  # workers warn this long before a deadline (free window, part return)


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


def _missed(cause: str) -> str:
    return f"next-business-day target missed: {MissCause(cause).label}"


def _nbd_suffix(data: dict[str, Any]) -> str:
    if data.get("nbd_verdict") == NbdVerdict.MET:
        return "; next-business-day target met"
    if data.get("nbd_miss_cause"):
        return "; " + _missed(data["nbd_miss_cause"])
    return ""


def _window(data: dict[str, Any]) -> str:
    """The visit window in site time, as the timeline shows it."""
    start, end, zone = data.get("visit_start_at"), data.get("visit_end_at"), data.get("site_timezone")
    if not start or not zone:
        return ""
    begins = datetime.fromisoformat(start).astimezone(site_zone(zone))
    text = f" {begins:%a} {begins.day} {begins:%b} {begins:%H:%M}"
    if end:
        text += f"–{datetime.fromisoformat(end).astimezone(site_zone(zone)):%H:%M}"
    return text + " (site time)"


PART_STEP_LABELS = (
    ("returned_on", "faulty part picked up"),
    ("delivered_on", "part delivered"),
    ("shipped_on", "part shipped"),
)


def _part_step_label(changes: list[str]) -> str:
    for field, label in PART_STEP_LABELS:
        if field in changes:
            return label
    return EVENT_LABELS["part_updated"]


def event_label(action: str, data: dict[str, Any]) -> str:
    if action == "nbd_missed" and data.get("nbd_miss_cause"):
        return _missed(data["nbd_miss_cause"])
    try:
        step = flow.Action(action)
    except ValueError:
        if action == "part_updated":
            return _part_step_label(data.get("changes") or [])
        return EVENT_LABELS.get(action, action.replace("_", " "))
    label = STEP_LABELS[step]
    if step in {flow.Action.SCHEDULE, flow.Action.RESCHEDULE, flow.Action.OUTCOME}:
        label += _window(data)
    if data.get("dispatch_number"):
        label += f" (Dell number {data['dispatch_number']})"
    if data.get("outcome"):
        label += f": {flow.Outcome(data['outcome']).label.lower()}"
    if data.get("to") == flow.State.VOIDED:
        label += " a third time: the dispatch is void"
    if data.get("fee"):
        label += "; fee recorded"
    fitted = len(data.get("fitted_parts") or ())
    if fitted:
        label += f"; {fitted} part{'s' if fitted > 1 else ''} fitted"
    if step is flow.Action.OUTCOME and data.get("to") == flow.State.ACCEPTED:
        label += "; back to scheduling"
    return label + _nbd_suffix(data)


def record_dispatch_event(
    dispatch: Dispatch, *, actor: User | None, now: datetime, action: str, note: str = "", **data: Any
) -> CaseEvent:
    """One row on the case's timeline for one dispatch step (inside the caller's transaction), and its
    notifications to the parties it concerns (dispatch.notices, the table in partners.notifications)."""
    event = record_case_event(
        dispatch.case,
        kind=EventKind.DISPATCH,
        actor=actor,
        now=now,
        action=action,
        note=note,
        data={
            "dispatch": dispatch.pk,
            "label": event_label(action, {"site_timezone": dispatch.site_timezone, **data}),
            **data,
        },
    )
    notices.notify_step(dispatch, event, now=now)
    return event


def full_clean_or_refuse(obj: Any) -> None:
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


def lock_dispatch(dispatch: Dispatch | int, version: int | None = None) -> Dispatch:
    """The dispatch row (with its case) locked for this transaction; a stale `version` is refused (Conflict
    with its state). Workers pass no version."""
    pk = dispatch.pk if isinstance(dispatch, Dispatch) else dispatch
    return lock_versioned(
        Dispatch.objects.select_related("case"), pk, version, noun="dispatch", extra=lambda row: {"state": row.state}
    )


def end_of_site_day(day: date, site_timezone: str) -> datetime:
    """The UTC instant a site-local date ends (the start of the next one)."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=site_zone(site_timezone)).astimezone(UTC)


def start_of_site_day(day: date, site_timezone: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=site_zone(site_timezone)).astimezone(UTC)
