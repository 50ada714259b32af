"""The webhook relay's steps: claim what is due, send one delivery, record what the attempt answered.
`now` comes from the caller (partners/tasks.py); the writes that queue deliveries are
partners/integrations/endpoints.py and the outbox."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce

from partners.integrations import backoff, notices, signing
from partners.integrations.models import DeliveryAttempt, DeliveryStatus, Event, WebhookDelivery, WebhookEndpoint
from partners.integrations.sender import SendOutcome

Sender = Callable[..., SendOutcome]


def retry_policy() -> backoff.RetryPolicy:
    return backoff.RetryPolicy(
        base=timedelta(seconds=settings.WEBHOOKS_RETRY_BASE_SECONDS),
        cap=timedelta(seconds=settings.WEBHOOKS_RETRY_CAP_SECONDS),
        give_up_after=timedelta(seconds=settings.WEBHOOKS_GIVE_UP_AFTER_SECONDS),
    )


def disable_policy() -> backoff.DisablePolicy:
    return backoff.DisablePolicy(
        min_failures=settings.WEBHOOKS_DISABLE_AFTER_FAILURES,
        failing_for=timedelta(seconds=settings.WEBHOOKS_DISABLE_AFTER_SECONDS),
    )


def due_deliveries(now: datetime, limit: int) -> list[int]:
    """Ids of pending deliveries due by `now` to enabled endpoints (the partial index webhook_delivery_due),
    for the redelivery sweep: when any is due it queues the relay, which claims them under lease."""
    return list(
        WebhookDelivery.objects.filter(
            status=DeliveryStatus.PENDING, next_attempt_at__lte=now, endpoint__is_enabled=True
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


@transaction.atomic
def claim_due(*, now: datetime, limit: int) -> list[int]:
    """Take up to `limit` due deliveries of enabled endpoints, oldest due first, and lease them: their due
    time moves WEBHOOKS_LEASE_SECONDS ahead, so another relay (or this one run twice) skips them, and a
    worker killed mid-delivery leaves them due again once the lease ends. Rows another relay is claiming
    right now are skipped, not waited for."""
    due = (
        WebhookDelivery.objects.filter(
            status=DeliveryStatus.PENDING, next_attempt_at__lte=now, endpoint__is_enabled=True
        )
        .order_by("next_attempt_at", "pk")
        .select_for_update(skip_locked=True, of=("self",))
    )
    ids = list(due.values_list("pk", flat=True)[:limit])
    if ids:
        WebhookDelivery.objects.filter(pk__in=ids).update(
            next_attempt_at=now + timedelta(seconds=settings.WEBHOOKS_LEASE_SECONDS),
            attempts=F("attempts") + 1,
            last_attempt_at=now,
            first_attempt_at=Coalesce("first_attempt_at", now),
        )
    return ids


@transaction.atomic
def claim_one(*, delivery_id: int, now: datetime) -> bool:
    """Lease one pending delivery whatever its endpoint's state; False when it is not pending or leased."""
    return bool(
        WebhookDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now).update(
            next_attempt_at=now + timedelta(seconds=settings.WEBHOOKS_LEASE_SECONDS),
            attempts=F("attempts") + 1,
            last_attempt_at=now,
            first_attempt_at=Coalesce("first_attempt_at", now),
        )
    )


def body_for(delivery: WebhookDelivery) -> bytes:
    """The JSON body: the event as the events feed shows it to the receiving organisation."""
    return json.dumps(event_document(delivery.event, delivery.recipient.data), separators=(",", ":")).encode()


def event_document(event: Event, data: Any) -> dict[str, Any]:
    return {
        "id": event.public_id,
        "type": event.type,
        "timestamp": event.occurred_at.isoformat().replace("+00:00", "Z"),
        "object_type": event.object_type,
        "object_id": event.object_id,
        "sequence": event.sequence,
        "data": data,
        "details": event.details,
    }


def secrets_in_force(endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    """The current secret, and during a rotation window the previous one too."""
    found = [endpoint.secret]
    if endpoint.previous_secret and endpoint.previous_secret_expires_at and endpoint.previous_secret_expires_at > now:
        found.append(endpoint.previous_secret)
    return found


def attempt_delivery(*, delivery_id: int, now: datetime, send: Sender, force: bool = False) -> DeliveryAttempt | None:
    """Send one claimed delivery and record the answer. The HTTP call runs outside any transaction (no row
    is locked while a receiver is slow). Returns the attempt, or None when there was nothing to send (the
    delivery was delivered or given up meanwhile, or its endpoint was disabled, unless `force`: the ping)."""
    delivery = WebhookDelivery.objects.select_related("endpoint", "event", "recipient").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != DeliveryStatus.PENDING:
        return None
    endpoint = delivery.endpoint
    if not endpoint.is_enabled and not force:
        return None
    body = body_for(delivery)
    timestamp = int(now.timestamp())
    headers = signing.headers(
        secrets_in_force(endpoint, now), msg_id=delivery.event.public_id, timestamp=timestamp, body=body
    )
    outcome = send(endpoint.url, body=body, headers=headers)
    return record_attempt(delivery_id=delivery.pk, outcome=outcome, now=now, jitter=random.random())  # noqa: S311 - jitter, not a secret


@transaction.atomic
def record_attempt(*, delivery_id: int, outcome: SendOutcome, now: datetime, jitter: float) -> DeliveryAttempt:
    """Log one attempt and move the delivery on: delivered on a 2xx; otherwise retried with backoff, or
    given up after about three days (or at once on 410 Gone, which also disables the endpoint). Repeated
    failure disables the endpoint and emails its organisation's admins, once."""
    delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery_id)
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=delivery.endpoint_id)
    attempted_at = now
    attempt = DeliveryAttempt.objects.create(
        delivery=delivery,
        endpoint=endpoint,
        attempted_at=attempted_at,
        status_code=outcome.status_code,
        duration_ms=outcome.duration_ms,
        succeeded=outcome.succeeded,
        error=outcome.error[:300],
        response_body=outcome.response_body[:1024],
    )
    delivery.last_status_code = outcome.status_code
    delivery.last_error = outcome.error[:300] or ("" if outcome.succeeded else f"HTTP {outcome.status_code}")
    fields = ["status", "next_attempt_at", "last_status_code", "last_error", "delivered_at"]
    if outcome.succeeded:
        delivery.status = DeliveryStatus.SUCCEEDED
        delivery.next_attempt_at = None
        delivery.delivered_at = now
        delivery.save(update_fields=fields)
        if endpoint.consecutive_failures or endpoint.failing_since:
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(consecutive_failures=0, failing_since=None)
        return attempt
    gone = outcome.status_code == 410
    retry_at = None
    if not gone:
        retry_at = backoff.next_attempt_at(
            attempt=max(delivery.attempts, 1),
            first_attempt_at=delivery.first_attempt_at or now,
            now=now,
            jitter=jitter,
            policy=retry_policy(),
        )
    delivery.status = DeliveryStatus.PENDING if retry_at else DeliveryStatus.FAILED
    delivery.next_attempt_at = retry_at
    delivery.save(update_fields=fields)
    endpoint.consecutive_failures += 1
    endpoint.failing_since = endpoint.failing_since or now
    update = ["consecutive_failures", "failing_since"]
    reason = ""
    if gone:
        reason = "The receiver answered 410 Gone."
    elif backoff.should_disable(
        consecutive_failures=endpoint.consecutive_failures,
        failing_since=endpoint.failing_since,
        now=now,
        policy=disable_policy(),
    ):
        reason = f"Every attempt failed since {endpoint.failing_since:%Y-%m-%d %H:%M} UTC."
    if reason and endpoint.is_enabled:
        endpoint.is_enabled, endpoint.disabled_reason, endpoint.disabled_at = False, reason, now
        endpoint.version += 1
        update += ["is_enabled", "disabled_reason", "disabled_at", "version"]
        notices.notify_disabled(endpoint, now=now)
    endpoint.save(update_fields=update)
    return attempt


def due_count(*, now: datetime) -> int:
    return WebhookDelivery.objects.filter(
        Q(status=DeliveryStatus.PENDING) & Q(next_attempt_at__lte=now) & Q(endpoint__is_enabled=True)
    ).count()
