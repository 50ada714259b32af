"""Writes for service-tag transfers: open, edit, submit to Dell, confirm or reject; the decision's email.
The lifecycle itself is the pure servicetags/transfers.py (`flow`); these apply it under the row lock."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction

from husky_support.calendar import WEEKDAYS, Calendar, CalendarError
from husky_support.domain import FieldProblems, NotFound, problems_from_validation
from husky_support.locking import lock_versioned
from partners.calendars import calendar_for
from partners.integrations.outbox import record_event
from partners.models import User
from partners.visibility import viewer_kind
from servicetags import notices
from servicetags import transfers as flow
from servicetags.events import TransferEventType
from servicetags.models import Location, LocationSource, ServiceTagTransfer, TransferStatus, Unit
from servicetags.selectors import units_visible_to
from servicetags.services.orders import clean_address, raise_invalid
from servicetags.validation import ADDRESS_FIELDS


def _clean_transfer(transfer: ServiceTagTransfer) -> None:
    try:
        transfer.full_clean(exclude=["unit", "filed_by_org", "created_by"], validate_constraints=False)
    except ValidationError as exc:
        raise_invalid(problems_from_validation(exc))


def _require_visible(actor: User, unit: Unit) -> None:
    if not units_visible_to(actor).filter(pk=unit.pk).exists():
        raise NotFound("No unit with that service tag that you may see.")


@transaction.atomic
def transfer_create(
    *,
    actor: User,
    unit: Unit,
    address: Mapping[str, str],
    end_customer_name: str = "",
    contact_name: str = "",
    contact_email: str = "",
    note: str = "",
    submit: bool = False,
    now: datetime,
) -> ServiceTagTransfer:
    """Open a draft transfer for a unit (a reseller, or its distributor on the reseller's behalf); submit it if asked.

    Raises NotFound, Refused (not allowed), Invalid (address fields; open_transfer_exists).
    """
    _require_visible(actor, unit)
    flow.plan(flow.TransferStatus.DRAFT, flow.Action.EDIT, viewer_kind(actor))
    Unit.objects.select_for_update().filter(pk=unit.pk).first()  # serialise openers of the same unit
    open_transfer = unit.transfers.filter(status__in=[TransferStatus.DRAFT, TransferStatus.SUBMITTED]).first()
    if open_transfer is not None:
        message = (
            f"{unit.service_tag} already has an open transfer ({open_transfer.number}, "
            f"{open_transfer.get_status_display().lower()})."
        )
        raise_invalid(FieldProblems.one("unit", "open_transfer_exists", message))
    transfer = ServiceTagTransfer(
        unit=unit,
        filed_by_org=actor.organisation,
        created_by=actor,
        end_customer_name=(end_customer_name or "").strip(),
        contact_name=(contact_name or "").strip(),
        contact_email=(contact_email or "").strip(),
        note=(note or "").strip(),
        **clean_address(address),
    )
    _clean_transfer(transfer)
    transfer.save()
    if submit:
        transfer = transfer_submit(actor=actor, transfer=transfer, now=now)
    return transfer


def _lock(transfer: ServiceTagTransfer) -> ServiceTagTransfer:
    # Transfers carry no version: their state machine refuses what a stale page would do.
    return lock_versioned(ServiceTagTransfer.objects.all(), transfer.pk, None, noun="transfer")


@transaction.atomic
def transfer_update(
    *, actor: User, transfer: ServiceTagTransfer, changes: Mapping[str, str], now: datetime
) -> ServiceTagTransfer:
    """Edit a draft's destination, contact or note.

    Raises Refused (not_allowed, invalid_transition), Invalid.
    """
    locked = _lock(transfer)
    flow.plan(flow.TransferStatus(locked.status), flow.Action.EDIT, viewer_kind(actor))
    editable = {*ADDRESS_FIELDS, "end_customer_name", "contact_name", "contact_email", "note"}
    for name, value in changes.items():
        if name in editable:
            setattr(locked, name, (value or "").strip())
    if "country" in changes and "timezone" not in changes:
        locked.timezone = ""
    for name, value in clean_address(locked.address_values()).items():
        setattr(locked, name, value)
    _clean_transfer(locked)
    locked.save()
    return locked


# Dell's 10 business days fit well inside this many calendar days, holidays and overrides included.
_CONFIRMATION_WINDOW_DAYS = 45


def expected_confirmation(*, country: str, subdivision: str, timezone: str, cross_country: bool, now: datetime) -> date:
    """Dell's expected confirmation date: 7 (same country) or 10 (across) business days of the destination country
    and subdivision after the submit date, counted in the destination's zone (Dell works where the unit stands),
    on the calendar with the admin holiday overrides applied."""
    submitted_on = now.astimezone(ZoneInfo(timezone)).date()
    last = submitted_on + timedelta(days=_CONFIRMATION_WINDOW_DAYS)
    cal: Calendar
    try:
        cal = calendar_for(country, subdivision, first=submitted_on, last=last)
    except CalendarError:
        try:
            cal = calendar_for(country, first=submitted_on, last=last)
        except CalendarError:
            cal = WEEKDAYS  # a destination the holidays package does not know
    return flow.expected_confirmation_on(submitted_on, cross_country=cross_country, cal=cal)


@transaction.atomic
def transfer_submit(*, actor: User, transfer: ServiceTagTransfer, now: datetime) -> ServiceTagTransfer:
    """Send a draft to Dell; stores whether it crosses countries and the expected confirmation date."""
    locked = _lock(transfer)
    flow.plan(flow.TransferStatus(locked.status), flow.Action.SUBMIT, viewer_kind(actor))
    unit = Unit.objects.get(pk=locked.unit_id)
    locked.status = TransferStatus.SUBMITTED
    locked.submitted_at = now
    locked.submitted_by = actor
    locked.cross_country = locked.country != unit.country
    locked.expected_confirmation_on = expected_confirmation(
        country=locked.country,
        subdivision=locked.subdivision,
        timezone=locked.timezone,
        cross_country=locked.cross_country,
        now=now,
    )
    locked.save(
        update_fields=[
            "status",
            "submitted_at",
            "submitted_by",
            "cross_country",
            "expected_confirmation_on",
            "updated_at",
        ]
    )
    record_event(type=TransferEventType.TRANSFER_SUBMITTED, obj=locked, now=now)
    notices.notify_transfer(locked, "transfer.submitted", actor=actor, now=now)
    return locked


@transaction.atomic
def transfer_confirm(
    *, actor: User, transfer: ServiceTagTransfer, now: datetime, dell_reference: str = ""
) -> ServiceTagTransfer:
    """MTS or Dell confirms: the unit's registered location becomes the transfer's destination (with history).

    Locks the transfer and the unit, so two confirmers cannot both apply. Raises Refused (not_allowed,
    invalid_transition).
    """
    locked = _lock(transfer)
    flow.plan(flow.TransferStatus(locked.status), flow.Action.CONFIRM, viewer_kind(actor))
    unit = Unit.objects.select_for_update().get(pk=locked.unit_id)
    locked.status = TransferStatus.CONFIRMED
    locked.decided_at = now
    locked.decided_by = actor
    locked.dell_reference = (dell_reference or "").strip()[:40]
    locked.save(update_fields=["status", "decided_at", "decided_by", "dell_reference", "updated_at"])
    for name in ADDRESS_FIELDS:
        setattr(unit, name, getattr(locked, name))
    if locked.end_customer_name:
        unit.end_customer_name = locked.end_customer_name
    unit.location_confirmed = True
    unit.location_confirmed_at = now
    # Registered: nothing left to remind anyone of, and it leaves the assistance queue.
    unit.transfer_reminder_due_on = None
    unit.transfer_assist_due_on = None
    unit.transfer_assist_sent_at = None
    unit.save(
        update_fields=[
            *ADDRESS_FIELDS,
            "end_customer_name",
            "location_confirmed",
            "location_confirmed_at",
            "transfer_reminder_due_on",
            "transfer_assist_due_on",
            "transfer_assist_sent_at",
            "updated_at",
        ]
    )
    Location.objects.create(
        unit=unit,
        source=LocationSource.TRANSFER,
        confirmed=True,
        transfer=locked,
        recorded_at=now,
        recorded_by=actor,
        **locked.address_values(),
    )
    record_event(type=TransferEventType.TRANSFER_CONFIRMED, obj=locked, now=now)
    notices.notify_transfer(locked, "transfer.confirmed", actor=actor, now=now)
    return locked


@transaction.atomic
def transfer_reject(*, actor: User, transfer: ServiceTagTransfer, reason: str, now: datetime) -> ServiceTagTransfer:
    """MTS or Dell rejects with a reason; the registered location does not change."""
    locked = _lock(transfer)
    flow.plan(flow.TransferStatus(locked.status), flow.Action.REJECT, viewer_kind(actor), reason=reason or "")
    locked.status = TransferStatus.REJECTED
    locked.rejection_reason = reason.strip()
    locked.decided_at = now
    locked.decided_by = actor
    locked.save(update_fields=["status", "rejection_reason", "decided_at", "decided_by", "updated_at"])
    record_event(
        type=TransferEventType.TRANSFER_REJECTED, obj=locked, now=now, details={"reason": locked.rejection_reason}
    )
    notices.notify_transfer(locked, "transfer.rejected", actor=actor, now=now)
    return locked
