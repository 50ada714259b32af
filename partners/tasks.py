"""Thin Celery entry points for outgoing webhooks."""

import time

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from partners.integrations import relay, sender


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
