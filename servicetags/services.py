"""Writes for orders, units and service-tag transfers, and the daily transfer-reminder sweep.

Callers pass objects fetched through the visibility gate; every time-dependent function takes `now`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse

from husky_support.calendar import Calendar, CalendarError
from husky_support.domain import DomainError
from husky_support.geo import single_timezone_for_country
from partners.calendars import calendar_for
from partners.integrations.catalog import EventType
from partners.integrations.outbox import record_event
from partners.kinds import OrgKind
from partners.models import Organisation, User
from partners.visibility import viewer_kind
from servicetags import transfers as flow
from servicetags.models import Location, LocationSource, Order, ServiceTagTransfer, TransferStatus, Unit
from servicetags.selectors import units_visible_to
from servicetags.validation import UnitDefaults, parse_unit_rows

logger = logging.getLogger(__name__)

ADDRESS_FIELDS = ("address_line1", "address_line2", "city", "postal_code", "country", "subdivision", "timezone")


class NotAllowed(DomainError):
    status_code = 403
    code = "not_allowed"


class NotVisible(DomainError):
    """Something the actor may not see: answered as 404 so its existence does not leak."""

    status_code = 404
    code = "not_found"


# A field (or "units") mapped to its problems: [{code, message}], unit rows also carry row, service_tag, field.
FieldErrors = dict[str, list[dict[str, Any]]]


class InvalidInputError(DomainError):
    """Bad input with field-level problems: `fields` maps a field to [{code, message}] (units: per row)."""

    code = "invalid"

    def __init__(self, message: str, *, code: str, fields: FieldErrors) -> None:
        super().__init__(message, code=code, extra={"fields": fields})
        self.fields = fields


def _fields_from_validation(exc: ValidationError) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = {}
    for name, errors in exc.error_dict.items():
        for err in errors:
            for message in err.messages:
                out.setdefault(name, []).append({"code": err.code or "invalid", "message": message})
    return out


def _first_code(fields: FieldErrors) -> str:
    for items in fields.values():
        if items:
            code: str = items[0]["code"]
            return code
    return "invalid"


def _raise_invalid(fields: FieldErrors, message: str | None = None) -> None:
    code = _first_code(fields)
    raise InvalidInputError(message or "Some fields are not valid: " + ", ".join(fields), code=code, fields=fields)


def _refused(exc: flow.TransferRefused) -> DomainError:
    if exc.code == "not_allowed":
        return NotAllowed(exc.message)
    if exc.code == "reason_required":
        return InvalidInputError(
            exc.message, code=exc.code, fields={"reason": [{"code": exc.code, "message": exc.message}]}
        )
    return DomainError(
        exc.message, code=exc.code, extra={"fields": {"status": [{"code": exc.code, "message": exc.message}]}}
    )


# --- Orders ----------------------------------------------------------------------------------------


def _clean_address(address: Mapping[str, str]) -> dict[str, str]:
    """Trimmed address values; a one-zone country's zone is filled in (full_clean checks the rest)."""
    values = {name: (address.get(name) or "").strip() for name in ADDRESS_FIELDS}
    if not values["timezone"] and values["country"]:
        values["timezone"] = single_timezone_for_country(values["country"]) or ""
    return values


def _due_dates(shipped_on: date) -> dict[str, date]:
    # docs/rules.md rule 6: "shipped more than N days ago" is due on the (N+1)th day after shipping.
    return {
        "transfer_reminder_due_on": shipped_on + timedelta(days=settings.TRANSFER_REMINDER_DAYS + 1),
        "transfer_assist_due_on": shipped_on + timedelta(days=settings.TRANSFER_ASSIST_DAYS + 1),
    }


def order_create(
    *,
    actor: User,
    reseller: Organisation | None,
    end_customer_name: str,
    shipped_on: date,
    address: Mapping[str, str],
    units: Sequence[Mapping[str, object]],
    defaults: UnitDefaults,
    store_reference: str = "",
    now: datetime,
) -> Order:
    """Create a distributor's order for one of its resellers with its units; the shipping address is each unit's
    first known location. Checks every field and every unit row first and writes nothing when any is bad.

    Raises NotAllowed (not a distributor), InvalidInputError (fields and per-row `units` problems).
    """
    if viewer_kind(actor) != OrgKind.DISTRIBUTOR:
        raise NotAllowed("Only a distributor creates orders for its resellers.")
    fields: FieldErrors = {}
    if reseller is None or reseller.kind != OrgKind.RESELLER or reseller.distributor_id != actor.organisation_id:
        fields["reseller"] = [{"code": "unknown_reseller", "message": "Choose one of your resellers."}]
    order = Order(
        distributor=actor.organisation,
        reseller=reseller if "reseller" not in fields else None,
        store_reference=(store_reference or "").strip(),
        end_customer_name=(end_customer_name or "").strip(),
        shipped_on=shipped_on,
        created_by=actor,
        **_clean_address(address),
    )
    try:
        order.full_clean(exclude=["reseller"])
    except ValidationError as exc:
        fields.update(_fields_from_validation(exc))
    rows, problems = parse_unit_rows(list(units), defaults)
    tags = [r.service_tag for r in rows]
    existing = set(Unit.objects.filter(service_tag__in=tags).values_list("service_tag", flat=True)) if tags else set()
    row_errors: list[dict[str, Any]] = [
        {"row": p.row, "service_tag": p.service_tag, "field": p.field, "code": p.code, "message": p.message}
        for p in problems
    ]
    for r in rows:
        if r.service_tag in existing:
            row_errors.append(
                {
                    "row": r.row,
                    "service_tag": r.service_tag,
                    "field": "service_tag",
                    "code": "duplicate_service_tag",
                    "message": f"{r.service_tag} is already registered to a unit.",
                }
            )
    if row_errors:
        row_errors.sort(key=lambda e: e["row"])
        fields["units"] = row_errors
    if fields:
        bad_rows = len({e["row"] for e in row_errors})
        message = f"{bad_rows} unit row(s) need fixing; nothing was saved." if row_errors and len(fields) == 1 else None
        _raise_invalid(fields, message)
    try:
        with transaction.atomic():
            order.save()
            created = Unit.objects.bulk_create(
                [
                    Unit(
                        service_tag=r.service_tag,
                        model=r.model,
                        warranty_start_on=r.warranty_start_on,
                        warranty_end_on=r.warranty_end_on,
                        nbd_onsite=r.nbd_onsite,
                        kyhd=r.kyhd,
                        extended_years=r.extended_years,
                        reseller=reseller,
                        order=order,
                        end_customer_name=order.end_customer_name,
                        shipped_on=order.shipped_on,
                        **order.address_values(),
                        **_due_dates(order.shipped_on),
                    )
                    for r in rows
                ]
            )
            if not created or created[0].pk is None:  # SQLite < 3.35 / some backends: re-read the ids
                created = list(Unit.objects.filter(order=order))
            Location.objects.bulk_create(
                [
                    Location(
                        unit=u,
                        source=LocationSource.ORDER,
                        confirmed=False,
                        recorded_at=now,
                        recorded_by=actor,
                        **order.address_values(),
                    )
                    for u in created
                ]
            )
    except IntegrityError as exc:
        # Another order registered one of these tags between our check and the insert.
        raise InvalidInputError(
            "A service tag of this order was registered meanwhile; nothing was saved.",
            code="duplicate_service_tag",
            fields={
                "units": [
                    {
                        "row": 0,
                        "service_tag": "",
                        "field": "service_tag",
                        "code": "duplicate_service_tag",
                        "message": "A service tag of this order was registered meanwhile.",
                    }
                ]
            },
        ) from exc
    return order


# --- Transfers -------------------------------------------------------------------------------------


def _clean_transfer(transfer: ServiceTagTransfer) -> None:
    try:
        transfer.full_clean(exclude=["unit", "filed_by_org", "created_by"], validate_constraints=False)
    except ValidationError as exc:
        _raise_invalid(_fields_from_validation(exc))


def _require_visible(actor: User, unit: Unit) -> None:
    if not units_visible_to(actor).filter(pk=unit.pk).exists():
        raise NotVisible("No unit with that service tag that you may see.")


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

    Raises NotVisible, NotAllowed, InvalidInputError (address fields; open_transfer_exists).
    """
    _require_visible(actor, unit)
    try:
        flow.plan(flow.State.DRAFT, flow.Action.EDIT, viewer_kind(actor))
    except flow.TransferRefused as exc:
        raise _refused(exc) from exc
    Unit.objects.select_for_update().filter(pk=unit.pk).first()  # serialise openers of the same unit
    open_transfer = unit.transfers.filter(status__in=[TransferStatus.DRAFT, TransferStatus.SUBMITTED]).first()
    if open_transfer is not None:
        _raise_invalid(
            {
                "unit": [
                    {
                        "code": "open_transfer_exists",
                        "message": f"{unit.service_tag} already has an open transfer ({open_transfer.number}, "
                        f"{open_transfer.get_status_display().lower()}).",
                    }
                ]
            }
        )
    transfer = ServiceTagTransfer(
        unit=unit,
        filed_by_org=actor.organisation,
        created_by=actor,
        end_customer_name=(end_customer_name or "").strip(),
        contact_name=(contact_name or "").strip(),
        contact_email=(contact_email or "").strip(),
        note=(note or "").strip(),
        **_clean_address(address),
    )
    _clean_transfer(transfer)
    transfer.save()
    if submit:
        transfer = transfer_submit(actor=actor, transfer=transfer, now=now)
    return transfer


def _lock(transfer: ServiceTagTransfer) -> ServiceTagTransfer:
    return ServiceTagTransfer.objects.select_for_update().get(pk=transfer.pk)


@transaction.atomic
def transfer_update(
    *, actor: User, transfer: ServiceTagTransfer, changes: Mapping[str, str], now: datetime
) -> ServiceTagTransfer:
    """Edit a draft's destination, contact or note.

    Raises NotAllowed, DomainError(invalid_transition), InvalidInputError.
    """
    locked = _lock(transfer)
    try:
        flow.plan(flow.State(locked.status), flow.Action.EDIT, viewer_kind(actor))
    except flow.TransferRefused as exc:
        raise _refused(exc) from exc
    editable = {*ADDRESS_FIELDS, "end_customer_name", "contact_name", "contact_email", "note"}
    for name, value in changes.items():
        if name in editable:
            setattr(locked, name, (value or "").strip())
    if "country" in changes and "timezone" not in changes:
        locked.timezone = ""
    for name, value in _clean_address(locked.address_values()).items():
        setattr(locked, name, value)
    _clean_transfer(locked)
    locked.save()
    return locked


class _WeekdayCalendar:
    """Monday–Friday, for a destination the holidays package does not know."""

    def is_business_day(self, day: date) -> bool:
        return day.weekday() < 5


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
            cal = _WeekdayCalendar()
    return flow.expected_confirmation_on(submitted_on, cross_country=cross_country, cal=cal)


@transaction.atomic
def transfer_submit(*, actor: User, transfer: ServiceTagTransfer, now: datetime) -> ServiceTagTransfer:
    """Send a draft to Dell; stores whether it crosses countries and the expected confirmation date."""
    locked = _lock(transfer)
    try:
        flow.plan(flow.State(locked.status), flow.Action.SUBMIT, viewer_kind(actor))
    except flow.TransferRefused as exc:
        raise _refused(exc) from exc
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
    record_event(type=EventType.TRANSFER_SUBMITTED, obj=locked, now=now)
    return locked


@transaction.atomic
def transfer_confirm(
    *, actor: User, transfer: ServiceTagTransfer, now: datetime, dell_reference: str = ""
) -> ServiceTagTransfer:
    """MTS or Dell confirms: the unit's registered location becomes the transfer's destination (with history).

    Locks the transfer and the unit, so two confirmers cannot both apply. Raises NotAllowed, DomainError.
    """
    locked = _lock(transfer)
    try:
        flow.plan(flow.State(locked.status), flow.Action.CONFIRM, viewer_kind(actor))
    except flow.TransferRefused as exc:
        raise _refused(exc) from exc
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
        **{name: getattr(locked, name) for name in ADDRESS_FIELDS},
    )
    record_event(type=EventType.TRANSFER_CONFIRMED, obj=locked, now=now)
    _notify_decision_on_commit(locked, unit)
    return locked


@transaction.atomic
def transfer_reject(*, actor: User, transfer: ServiceTagTransfer, reason: str, now: datetime) -> ServiceTagTransfer:
    """MTS or Dell rejects with a reason; the registered location does not change."""
    locked = _lock(transfer)
    try:
        flow.plan(flow.State(locked.status), flow.Action.REJECT, viewer_kind(actor), reason=reason or "")
    except flow.TransferRefused as exc:
        raise _refused(exc) from exc
    locked.status = TransferStatus.REJECTED
    locked.rejection_reason = reason.strip()
    locked.decided_at = now
    locked.decided_by = actor
    locked.save(update_fields=["status", "rejection_reason", "decided_at", "decided_by", "updated_at"])
    record_event(type=EventType.TRANSFER_REJECTED, obj=locked, now=now, details={"reason": locked.rejection_reason})
    _notify_decision_on_commit(locked, Unit.objects.get(pk=locked.unit_id))
    return locked


# --- Notifications ---------------------------------------------------------------------------------


def _site_url(path: str) -> str:
    return getattr(settings, "SITE_URL", "http://127.0.0.1:8000").rstrip("/") + path


def _recipients(org_ids: Sequence[int]) -> list[str]:
    return sorted(
        set(
            User.objects.filter(organisation_id__in=org_ids, is_active=True)
            .exclude(email="")
            .values_list("email", flat=True)
        )
    )


def _notify_decision_on_commit(transfer: ServiceTagTransfer, unit: Unit) -> None:
    org_ids = [unit.reseller_id]
    if transfer.filed_by_org_id != unit.reseller_id:
        org_ids.append(transfer.filed_by_org_id)
    recipients = _recipients(org_ids)
    if not recipients:
        return
    verb = "confirmed" if transfer.status == TransferStatus.CONFIRMED else "rejected"
    subject = f"[Husky Support] Service-tag transfer {transfer.number} for {unit.service_tag} {verb}"
    body = render_to_string(
        "servicetags/email/transfer_decided.txt",
        {
            "transfer": transfer,
            "unit": unit,
            "url": _site_url(reverse("servicetags:unit_detail", args=[unit.service_tag])),
        },
    )
    transaction.on_commit(lambda: send_mail(subject, body, None, recipients, fail_silently=True))


# --- The daily sweep (docs/rules.md rule 6) ---------------------------------------------------------------


@dataclass(frozen=True)
class SweepResult:
    reminded_units: int = 0
    reminder_emails: int = 0
    assisted_units: int = 0
    assist_emails: int = 0


def transfer_reminder_sweep(*, now: datetime) -> SweepResult:
    """Remind resellers of shipped units without a confirmed transfer; hand lagging ones to their distributor.

    Reads only due rows (indexed due dates, UTC date of `now`); each group is locked, emailed and marked in one
    transaction, so a second run (or a concurrent one) sends nothing twice.
    """
    today = now.astimezone(ZoneInfo("UTC")).date()
    reminded = reminder_emails = assisted = assist_emails = 0
    reseller_ids = (
        Unit.objects.filter(transfer_reminder_due_on__lte=today)
        .order_by()
        .values_list("reseller_id", flat=True)
        .distinct()
    )
    for reseller_id in list(reseller_ids):
        count = _remind_reseller(reseller_id, today=today, now=now)
        reminded += count
        reminder_emails += 1 if count else 0
    distributor_ids = (
        Unit.objects.filter(transfer_assist_due_on__lte=today)
        .order_by()
        .values_list("reseller__distributor_id", flat=True)
        .distinct()
    )
    for distributor_id in list(distributor_ids):
        count = _hand_to_distributor(distributor_id, today=today, now=now)
        assisted += count
        assist_emails += 1 if count else 0
    result = SweepResult(reminded, reminder_emails, assisted, assist_emails)
    logger.info("transfer reminder sweep %s", result)
    return result


def _lock_due(filter_q: Q) -> tuple[list[Unit], list[int]]:
    units = list(Unit.objects.select_for_update(skip_locked=True).filter(filter_q).order_by("service_tag"))
    confirmed = [u.pk for u in units if u.location_confirmed]
    return [u for u in units if not u.location_confirmed], confirmed


@transaction.atomic
def _remind_reseller(reseller_id: int, *, today: date, now: datetime) -> int:
    due, confirmed = _lock_due(Q(reseller_id=reseller_id, transfer_reminder_due_on__lte=today))
    if confirmed:
        Unit.objects.filter(pk__in=confirmed).update(transfer_reminder_due_on=None)
    if not due:
        return 0
    recipients = _recipients([reseller_id])
    if recipients:
        body = render_to_string(
            "servicetags/email/transfer_reminder.txt",
            {
                "units": due,
                "days": settings.TRANSFER_REMINDER_DAYS,
                "url": _site_url(reverse("servicetags:transfer_queue")),
            },
        )
        subject = f"[Husky Support] Register the final location of {len(due)} Husky IVO unit(s) with Dell"
        send_mail(subject, body, None, recipients)  # raises → rolls back the marks, retried next run
    Unit.objects.filter(pk__in=[u.pk for u in due]).update(transfer_reminder_due_on=None, transfer_reminder_sent_at=now)
    return len(due)


@transaction.atomic
def _hand_to_distributor(distributor_id: int | None, *, today: date, now: datetime) -> int:
    due, confirmed = _lock_due(Q(reseller__distributor_id=distributor_id, transfer_assist_due_on__lte=today))
    if confirmed:
        Unit.objects.filter(pk__in=confirmed).update(transfer_assist_due_on=None)
    if not due:
        return 0
    recipients = _recipients([distributor_id]) if distributor_id else []
    if recipients:
        body = render_to_string(
            "servicetags/email/transfer_assist.txt",
            {
                "units": due,
                "days": settings.TRANSFER_ASSIST_DAYS,
                "url": _site_url(reverse("servicetags:transfer_queue")),
            },
        )
        subject = f"[Husky Support] {len(due)} unit(s) of your resellers need help with their service-tag transfer"
        send_mail(subject, body, None, recipients)
    Unit.objects.filter(pk__in=[u.pk for u in due]).update(transfer_assist_due_on=None, transfer_assist_sent_at=now)
    return len(due)
