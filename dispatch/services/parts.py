"""Replacement parts of a dispatch: listed, shipped, delivered, the faulty part's return."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction

from cases.checklist import ChecklistError, HardwareComponent, normalize_ppid
from dispatch import workflow as flow
from dispatch.models import Dispatch, Part
from dispatch.services.base import (
    WARN_BEFORE,
    end_of_site_day,
    full_clean_or_refuse,
    lock_dispatch,
    record_dispatch_event,
    start_of_site_day,
)
from husky_support.calendar import site_zone
from husky_support.domain import Conflict, DomainError, NotAllowed
from partners.kinds import OrgKind
from partners.models import User

MAX_PARTS = 4  # docs/rules.md "Dispatch": at most 4 replacement parts per dispatch
PART_RETURN_DAYS = 10  # faulty parts back within 10 site-local days of delivery


def delivered_today(dispatch: Dispatch, now: datetime) -> date:
    return now.astimezone(site_zone(dispatch.site_timezone)).date()


def set_return_due(part: Part, dispatch: Dispatch) -> None:
    if part.delivered_on is None or part.keep_faulty:
        part.return_due_on = part.return_warning_due_at = part.return_overdue_at = None
        return
    part.return_due_on = part.delivered_on + timedelta(days=PART_RETURN_DAYS)
    part.return_warning_due_at = start_of_site_day(part.return_due_on - WARN_BEFORE, dispatch.site_timezone)
    part.return_overdue_at = end_of_site_day(part.return_due_on, dispatch.site_timezone)


# What describes a part and its shipment (the API shows them in this order); a writer may also ask for a pickup.
PART_DETAILS = (
    "part_number",
    "description",
    "quantity",
    "is_hard_drive",
    "faulty_ppid",
    "carrier",
    "tracking_number",
)
PART_FIELDS = (*PART_DETAILS, "faulty_pickup")


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
    locked = lock_dispatch(dispatch)
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
    full_clean_or_refuse(part)
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


def _check_order(part: Part) -> None:
    """docs/rules.md "Dispatch": a part is shipped, then delivered (or fitted on site), then the faulty one is
    picked up; each step's date is on or after the one before. Checked on the part as it would be saved."""
    if part.delivered_on is not None and part.shipped_on is None:
        raise flow.DispatchRefused("part_not_shipped", "Record the part as shipped before it is delivered.")
    if part.returned_on is not None and part.delivered_on is None:
        raise flow.DispatchRefused(
            "part_not_delivered", "The faulty part is picked up only after its replacement was delivered."
        )
    for earlier, later, code, message in (
        ("shipped_on", "delivered_on", "delivered_before_shipped", "The part cannot be delivered before it shipped."),
        (
            "delivered_on",
            "returned_on",
            "picked_up_before_delivered",
            "The faulty part cannot be picked up before its replacement was delivered.",
        ),
    ):
        first, then = getattr(part, earlier), getattr(part, later)
        if first is not None and then is not None and then < first:
            raise DomainError(message, code=code, extra={"fields": {later: [{"code": code, "message": message}]}})


def fit_parts(dispatch: Dispatch, part_ids: Collection[int], *, now: datetime) -> list[int]:
    """An onsite visit completed with these listed parts fitted (inside the outcome's transaction): each is
    delivered on the visit's site-local day unless it was delivered before (a part the technician carried is
    shipped that day too), which starts its faulty part's 10-day return clock. Raises for a part not listed."""
    wanted = set(part_ids)
    if not wanted:
        return []
    rows = list(Part.objects.select_for_update().filter(dispatch=dispatch, pk__in=wanted).order_by("id"))
    if len(rows) != len(wanted):
        raise flow.DispatchRefused("unknown_part", "Tick only parts listed on this dispatch.", kind=flow.INPUT)
    today = delivered_today(dispatch, now)
    visit_day = (
        dispatch.visit_start_at.astimezone(site_zone(dispatch.site_timezone)).date()
        if (dispatch.visit_start_at is not None)
        else today
    )
    day = min(visit_day, today)
    for part in rows:
        part.fitted_on = day
        if part.delivered_on is None:
            part.delivered_on = max(day, part.shipped_on) if part.shipped_on else day
        if part.shipped_on is None:
            part.shipped_on = part.delivered_on
        set_return_due(part, dispatch)
        part.save(
            update_fields=[
                "fitted_on",
                "shipped_on",
                "delivered_on",
                "return_due_on",
                "return_warning_due_at",
                "return_overdue_at",
            ]
        )
    return [part.pk for part in rows]


@transaction.atomic
def part_update(*, actor: User, part: Part, values: dict[str, Any], now: datetime) -> Part:
    """Dell or MTS record shipping, delivery and the faulty part's return, on either kind of dispatch, in that
    order (`part_not_shipped`, `part_not_delivered`, `delivered_before_shipped`, `picked_up_before_delivered`).
    Setting `delivered_on` starts the 10-day return clock (site-local dates); a KYHD-kept drive has none and
    cannot be marked picked up (`kyhd_drive_kept`)."""
    if actor.org_kind not in {OrgKind.DELL, OrgKind.MTS}:
        raise NotAllowed("Only Dell or MTS updates parts.", code="role_not_allowed")
    locked = lock_dispatch(part.dispatch_id)
    row = Part.objects.select_for_update().get(pk=part.pk)
    allowed = {"carrier", "tracking_number", "shipped_on", "delivered_on", "returned_on", "faulty_ppid"}
    unknown = set(values) - allowed
    if unknown:
        raise DomainError(f"Unknown fields: {', '.join(sorted(unknown))}.", code="unknown_field")
    if values.get("returned_on") and row.keep_faulty:
        _check_pickup(row, locked, True)
    today = delivered_today(locked, now)
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
    _check_order(row)
    set_return_due(row, locked)
    full_clean_or_refuse(row)
    row.save()
    record_dispatch_event(locked, actor=actor, now=now, action="part_updated", part=row.pk, changes=sorted(values))
    return row
