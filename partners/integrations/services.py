"""Writes for webhook endpoints (register, change, rotate, ping, redeliver) and the relay's two steps:
claim what is due, then record what one attempt answered. `now` comes from the caller."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce

from husky_support.api.exceptions import DomainError
from partners.integrations import backoff, signing
from partners.integrations.catalog import SUBSCRIBABLE, EventType
from partners.integrations.models import (
    DeliveryAttempt,
    DeliveryStatus,
    Event,
    EventRecipient,
    WebhookDelivery,
    WebhookEndpoint,
)
from partners.integrations.outbox import _next_sequence, new_public_id
from partners.integrations.sender import SendOutcome, destination_policy
from partners.integrations.ssrf import DestinationRefused, check_url
from partners.kinds import Role
from partners.models import User

Sender = Callable[..., SendOutcome]
FieldErrors = dict[str, list[dict[str, str]]]

EDITABLE = ("url", "description", "event_types", "is_enabled")


class NotAllowed(DomainError):
    status_code = 403
    code = "not_allowed"


class InvalidWebhook(DomainError):
    """Bad endpoint input; `fields` maps each field to every problem found ([{code, message}])."""

    def __init__(self, fields: FieldErrors) -> None:
        first = next(iter(fields.values()))[0]
        message = "; ".join(f"{name}: {items[0]['message']}" for name, items in fields.items())
        super().__init__(message, code=first["code"], extra={"fields": fields})


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


def _require_admin(actor: User, endpoint: WebhookEndpoint | None = None) -> None:
    if not actor.is_org_admin or (endpoint is not None and endpoint.organisation_id != actor.organisation_id):
        raise NotAllowed("Only your organisation's admins manage its webhook endpoints.")


def _clean(values: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
    """Normalise endpoint input; raise InvalidWebhook listing every problem at once."""
    errors: FieldErrors = {}
    out: dict[str, Any] = {}
    unknown = set(values) - set(EDITABLE)
    if unknown:
        errors["non_field_errors"] = [
            {"code": "unknown_field", "message": f"Unknown fields: {', '.join(sorted(unknown))}."}
        ]
    if "url" in values or not partial:
        url = str(values.get("url") or "").strip()
        try:
            if not url:
                raise DestinationRefused("required", "Give the URL of your receiver.")
            if len(url) > 500:
                raise DestinationRefused("url_too_long", "A webhook URL is at most 500 characters.")
            URLValidator(schemes=["http", "https"])(url)
            check_url(url, destination_policy())
        except ValidationError:
            errors["url"] = [{"code": "invalid_url", "message": "That is not a valid URL."}]
        except DestinationRefused as refused:
            errors["url"] = [{"code": refused.code, "message": refused.message}]
        out["url"] = url
    if "description" in values:
        description = str(values.get("description") or "").strip()
        if len(description) > 200:
            errors["description"] = [{"code": "too_long", "message": "A description is at most 200 characters."}]
        out["description"] = description
    if "event_types" in values or not partial:
        raw = values.get("event_types") or []
        if isinstance(raw, str) or not isinstance(raw, Iterable):
            errors["event_types"] = [{"code": "invalid", "message": "Give a list of event types."}]
        else:
            known = {t.value for t in SUBSCRIBABLE}
            chosen = [str(t) for t in raw]
            bad = [t for t in chosen if t not in known]
            if bad:
                errors["event_types"] = [
                    {"code": "unknown_event_type", "message": f"Unknown event type: {t}."} for t in bad
                ]
            out["event_types"] = [t.value for t in SUBSCRIBABLE if t.value in chosen]  # catalogue order, no repeats
    if "is_enabled" in values:
        if not isinstance(values["is_enabled"], bool):
            errors["is_enabled"] = [{"code": "invalid", "message": "true or false."}]
        out["is_enabled"] = values["is_enabled"]
    if errors:
        raise InvalidWebhook(errors)
    return out


@transaction.atomic
def endpoint_create(*, actor: User, values: Mapping[str, Any], now: datetime) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint of the actor's organisation (org admins only). Returns it and its signing
    secret, which is shown once. Raises NotAllowed, InvalidWebhook (every field problem at once)."""
    _require_admin(actor)
    org_id = actor.organisation_id
    if org_id is None:  # _require_admin lets only members of an organisation through
        raise NotAllowed("Your account is not attached to an organisation.")
    clean = _clean(values, partial=False)
    clean.pop("is_enabled", None)
    if WebhookEndpoint.objects.filter(organisation_id=org_id).count() >= settings.WEBHOOKS_MAX_PER_ORG:
        raise DomainError(
            f"An organisation has at most {settings.WEBHOOKS_MAX_PER_ORG} endpoints.", code="too_many_endpoints"
        )
    secret = signing.generate_secret()
    endpoint = WebhookEndpoint(
        organisation_id=org_id,
        secret=secret,
        created_by=actor,
        created_at=now,
        updated_at=now,
        **clean,
    )
    endpoint.full_clean()
    endpoint.save()
    return endpoint, secret


def _lock(endpoint: WebhookEndpoint, version: int | None) -> WebhookEndpoint:
    locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    if version is not None and int(version) != locked.version:
        from husky_support.api.exceptions import Conflict

        raise Conflict(
            "Someone else changed this endpoint since you loaded it; reload it and try again.",
            code="conflict",
            extra={"current_version": locked.version},
        )
    return locked


@transaction.atomic
def endpoint_update(
    *, actor: User, endpoint: WebhookEndpoint, values: Mapping[str, Any], version: int | None, now: datetime
) -> WebhookEndpoint:
    """Change the URL, description, event types or enabled flag under the row lock; a stale `version` is a
    409 conflict. Enabling clears the failure count, so a repaired receiver gets its backlog."""
    _require_admin(actor, endpoint)
    endpoint = _lock(endpoint, version)
    clean = _clean(values, partial=True)
    enabling = clean.get("is_enabled") is True and not endpoint.is_enabled
    disabling = clean.get("is_enabled") is False and endpoint.is_enabled
    for name, value in clean.items():
        setattr(endpoint, name, value)
    if enabling:
        endpoint.disabled_reason, endpoint.disabled_at = "", None
        endpoint.consecutive_failures, endpoint.failing_since = 0, None
    if disabling:
        endpoint.disabled_reason, endpoint.disabled_at = f"Disabled by {actor.username}", now
    endpoint.version += 1
    endpoint.updated_at = now
    endpoint.full_clean()
    endpoint.save()
    return endpoint


@transaction.atomic
def endpoint_delete(*, actor: User, endpoint: WebhookEndpoint) -> None:
    _require_admin(actor, endpoint)
    endpoint.delete()


@transaction.atomic
def endpoint_rotate_secret(*, actor: User, endpoint: WebhookEndpoint, now: datetime) -> tuple[WebhookEndpoint, str]:
    """A new signing secret (shown once); the old one still signs for WEBHOOKS_ROTATION_WINDOW_SECONDS, so
    every delivery meanwhile carries both signatures and the receiver can switch without losing any."""
    _require_admin(actor, endpoint)
    endpoint = _lock(endpoint, None)
    secret = signing.generate_secret()
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = now + timedelta(seconds=settings.WEBHOOKS_ROTATION_WINDOW_SECONDS)
    endpoint.secret = secret
    endpoint.version += 1
    endpoint.updated_at = now
    endpoint.save()
    return endpoint, secret


@transaction.atomic
def endpoint_ping(*, actor: User, endpoint: WebhookEndpoint, now: datetime) -> WebhookDelivery:
    """Queue a `webhook.ping` event to this endpoint alone (enabled or not: testing a repaired receiver
    before enabling it is the point). Returns its delivery."""
    _require_admin(actor, endpoint)
    object_id = str(endpoint.pk)
    event = Event.objects.create(
        public_id=new_public_id(),
        type=EventType.WEBHOOK_PING,
        object_type="webhook_endpoint",
        object_id=object_id,
        sequence=_next_sequence("webhook_endpoint", object_id),
        occurred_at=now,
        details={"requested_by": actor.username},
    )
    recipient = EventRecipient.objects.create(
        event=event,
        organisation_id=endpoint.organisation_id,
        data={"id": endpoint.pk, "url": endpoint.url, "description": endpoint.description},
    )
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event=event, recipient=recipient, next_attempt_at=now, created_at=now
    )
    from partners.tasks import deliver_webhook_task

    # The ping goes even when the endpoint is disabled, so it is sent directly rather than by the sweep.
    deliver_webhook_task.delay_on_commit(delivery.pk)
    return delivery


@dataclass(frozen=True)
class Redelivered:
    queued: int
    truncated: bool


@transaction.atomic
def redeliver(
    *, actor: User, endpoint: WebhookEndpoint, now: datetime, event_id: str = "", since: datetime | None = None
) -> Redelivered:
    """Send again one event (by its evt_ id) or every event since a time that the endpoint subscribes to,
    including events from before the endpoint existed. Each goes as a new pending delivery with the same
    webhook-id, so a receiver that deduplicates ignores what it already has. Raises DomainError
    (`unknown_event` 404 for an event the organisation never received)."""
    _require_admin(actor, endpoint)
    recipients = EventRecipient.objects.filter(organisation_id=endpoint.organisation_id).select_related("event")
    if event_id:
        recipients = recipients.filter(event__public_id=event_id)
    elif since is not None:
        recipients = recipients.filter(event__occurred_at__gte=since)
    else:
        raise DomainError("Give an event id or a time to redeliver from.", code="event_or_since_required")
    limit = settings.WEBHOOKS_REDELIVER_MAX
    rows = [r for r in recipients.order_by("pk")[: limit + 1] if event_id or endpoint.wants(r.event.type)]
    truncated = len(rows) > limit
    rows = rows[:limit]
    if event_id and not rows:
        error = DomainError("Your organisation received no such event.", code="unknown_event")
        error.status_code = 404
        raise error
    existing = set(
        WebhookDelivery.objects.filter(endpoint=endpoint, event_id__in=[r.event_id for r in rows]).values_list(
            "event_id", flat=True
        )
    )
    WebhookDelivery.objects.filter(endpoint=endpoint, event_id__in=existing).update(
        status=DeliveryStatus.PENDING, next_attempt_at=now, first_attempt_at=None, delivered_at=None
    )
    WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(endpoint=endpoint, event=r.event, recipient=r, next_attempt_at=now, created_at=now)
            for r in rows
            if r.event_id not in existing
        ]
    )
    from partners.tasks import relay_webhooks_task

    relay_webhooks_task.delay_on_commit()
    return Redelivered(queued=len(rows), truncated=truncated)


# --- the relay ---------------------------------------------------------------------------------------


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
        _notify_disabled_on_commit(endpoint)
    endpoint.save(update_fields=update)
    return attempt


def _notify_disabled_on_commit(endpoint: WebhookEndpoint) -> None:
    recipients = list(
        User.objects.filter(organisation_id=endpoint.organisation_id, role=Role.ADMIN, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if not recipients:
        return
    subject = "Husky Support: a webhook endpoint was disabled"
    body = (
        f"We stopped sending events to {endpoint.url}.\n\n{endpoint.disabled_reason}\n\n"
        "Nothing is lost: events wait for the endpoint. Fix the receiver, send a test event from the "
        "Integrations page, then enable the endpoint again."
    )
    transaction.on_commit(lambda: send_mail(subject, body, None, recipients, fail_silently=True))


def due_count(*, now: datetime) -> int:
    return WebhookDelivery.objects.filter(
        Q(status=DeliveryStatus.PENDING) & Q(next_attempt_at__lte=now) & Q(endpoint__is_enabled=True)
    ).count()
