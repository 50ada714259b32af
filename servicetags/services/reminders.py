"""The daily transfer-reminder sweep (docs/rules.md rule 6): remind resellers of shipped units without a
confirmed location, then hand the lagging ones to their distributor. Reads only what is due."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db import transaction

from partners.models import Organisation
from servicetags import notices
from servicetags.models import Unit

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
    reminded, reminder_emails = _sweep_step(REMIND, today=today, now=now)
    assisted, assist_emails = _sweep_step(ASSIST, today=today, now=now)
    result = SweepResult(reminded, reminder_emails, assisted, assist_emails)
    logger.info("transfer reminder sweep %s", result)
    return result


@dataclass(frozen=True)
class _Step:
    """One step of the sweep: whom it notifies about which due units, and the marks it sets."""

    due_field: str  # the indexed due date this step reads and clears
    sent_field: str
    owner_lookup: str  # the organisation notified, from a unit
    kind: str  # the event kind of partners.notifications.table


REMIND = _Step("transfer_reminder_due_on", "transfer_reminder_sent_at", "reseller_id", "transfer.reminder")
ASSIST = _Step("transfer_assist_due_on", "transfer_assist_sent_at", "reseller__distributor_id", "transfer.assistance")


def _sweep_step(step: _Step, *, today: date, now: datetime) -> tuple[int, int]:
    """Email every organisation with units due in this step, one group each; returns (units, emails)."""
    org_ids = (
        Unit.objects.filter(**{f"{step.due_field}__lte": today})
        .order_by()
        .values_list(step.owner_lookup, flat=True)
        .distinct()
    )
    units = emails = 0
    for org_id in list(org_ids):
        count = _email_due(step, org_id, today=today, now=now)
        units += count
        emails += 1 if count else 0
    return units, emails


@transaction.atomic
def _email_due(step: _Step, org_id: int | None, *, today: date, now: datetime) -> int:
    """Lock the organisation's due units (skipping rows another sweep holds), notify once, mark them: the
    notification rows and the marks commit together, so a second run notifies nothing twice.
    A unit confirmed meanwhile only has its due date cleared."""
    units = list(
        Unit.objects.select_for_update(skip_locked=True)
        .filter(**{step.owner_lookup: org_id, f"{step.due_field}__lte": today})
        .order_by("service_tag")
    )
    confirmed = [u.pk for u in units if u.location_confirmed]
    due = [u for u in units if not u.location_confirmed]
    if confirmed:
        Unit.objects.filter(pk__in=confirmed).update(**{step.due_field: None})
    if not due:
        return 0
    org = Organisation.objects.filter(pk=org_id).first() if org_id is not None else None
    if org is not None:  # the notification rows commit with the marks; the send task emails them
        notices.notify_reminder(
            step.kind, org, service_tags=[u.service_tag for u in due], today=today.isoformat(), now=now
        )
    Unit.objects.filter(pk__in=[u.pk for u in due]).update(**{step.due_field: None, step.sent_field: now})
    return len(due)
