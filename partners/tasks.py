"""Thin Celery entry points for outgoing webhooks."""

import time
from smtplib import SMTPException

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from husky_support.celery import TRANSIENT_ERRORS
from partners.integrations import relay, sender
from partners.notifications import services as notification_services
from partners.reports import monthly


@shared_task(name="partners.tasks.relay_webhooks_task")
def relay_webhooks_task() -> int:
    """Send due webhook deliveries in leased batches until none is due or WEBHOOKS_RELAY_MAX_SECONDS pass.
    Idempotent: a delivery leased by another relay is skipped. Returns attempts made."""
    made = 0
    deadline = time.monotonic() + settings.WEBHOOKS_RELAY_MAX_SECONDS
    while time.monotonic() < deadline:
        ids = relay.claim_due(now=timezone.now(), limit=settings.WEBHOOKS_RELAY_BATCH)
        if not ids:
            break
        for pk in ids:
            # Each attempt reads the clock: its webhook-timestamp must be fresh (receivers refuse old ones).
            if relay.attempt_delivery(delivery_id=pk, now=timezone.now(), send=sender.send):
                made += 1
    return made


@shared_task(name="partners.tasks.deliver_webhook_task")
def deliver_webhook_task(delivery_id: int) -> bool:
    """Send one delivery now, even to a disabled endpoint (the ping); retries then follow the sweep."""
    now = timezone.now()
    if not relay.claim_one(delivery_id=delivery_id, now=now):
        return False
    return relay.attempt_delivery(delivery_id=delivery_id, now=now, send=sender.send, force=True) is not None


# The shared retry policy (husky_support.celery.HuskyTask), plus the mail server's own transient errors.
@shared_task(name="partners.tasks.send_notifications_task", autoretry_for=(*TRANSIENT_ERRORS, SMTPException, OSError))
def send_notifications_task(notification_ids: list[int]) -> int:
    """The one task that sends notification emails: each due row claimed under its lock and marked sent
    with the send, so running it twice (or a redelivery) sends nothing twice. A database, broker or mail
    error is retried with bounded backoff, never swallowed. Returns emails sent."""
    return notification_services.send_notifications(notification_ids, now=timezone.now())


@shared_task(name="partners.tasks.monthly_reports_task")
def monthly_reports_task() -> int:
    """Hourly: write the monthly reports that fell due (the first business day of the month in each
    organisation's zone, or later after a downtime); the send task mails them. Idempotent."""
    return monthly.send_monthly_reports(now=timezone.now())
