"""The daily transfer-reminder sweep (docs/rules.md rule 6): remind resellers of shipped units without a
confirmed location, then hand the lagging ones to their distributor. Reads only what is due."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse

from servicetags.models import Unit
from servicetags.services.transfers import emails_of

logger = logging.getLogger(__name__)


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
    recipients = emails_of([reseller_id])
    if recipients:
        body = render_to_string(
            "servicetags/email/transfer_reminder.txt",
            {
                "units": due,
                "days": settings.TRANSFER_REMINDER_DAYS,
                "url": settings.SITE_URL + reverse("servicetags:transfer_queue"),
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
    recipients = emails_of([distributor_id])
    if recipients:
        body = render_to_string(
            "servicetags/email/transfer_assist.txt",
            {
                "units": due,
                "days": settings.TRANSFER_ASSIST_DAYS,
                "url": settings.SITE_URL + reverse("servicetags:transfer_queue"),
            },
        )
        subject = f"[Husky Support] {len(due)} unit(s) of your resellers need help with their service-tag transfer"
        send_mail(subject, body, None, recipients)
    Unit.objects.filter(pk__in=[u.pk for u in due]).update(transfer_assist_due_on=None, transfer_assist_sent_at=now)
    return len(due)
