"""Writes for a partner's webhook endpoints: register, change, rotate the secret, ping, redeliver. `now`
comes from the caller; the relay that sends what they queue is partners/integrations/relay.py."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Q

from husky_support.domain import FieldProblems, Invalid, NotAllowed, NotFound
from husky_support.locking import lock_versioned
from husky_support.queue import enqueue_after_commit
from partners.integrations import signing
from partners.integrations.catalog import IntegrationEventType, subscribable
from partners.integrations.models import DeliveryStatus, EventRecipient, WebhookDelivery, WebhookEndpoint
from partners.integrations.outbox import ObjectKind, active_orgs, record_event
from partners.integrations.sender import destination_policy
from partners.integrations.ssrf import DestinationRefused, check_url
from partners.models import User

EDITABLE = ("url", "description", "event_types", "is_enabled")

# How an endpoint appears in its own events (the ping): to its organisation only.
ENDPOINT_OBJECT_KIND = ObjectKind(
    model=WebhookEndpoint,
    object_type="webhook_endpoint",
    audience=lambda endpoint: active_orgs(Q(pk=endpoint.organisation_id)),
    payload=lambda endpoint, _kind: {"id": endpoint.pk, "url": endpoint.url, "description": endpoint.description},
)


def _require_admin(actor: User, endpoint: WebhookEndpoint | None = None) -> None:
    if not actor.is_org_admin or (endpoint is not None and endpoint.organisation_id != actor.organisation_id):
        raise NotAllowed("Only your organisation's admins manage its webhook endpoints.")


def _clean(values: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
    """Normalise endpoint input; raise Invalid listing every problem at once."""
    errors = FieldProblems()
    out: dict[str, Any] = {}
    unknown = set(values) - set(EDITABLE)
    if unknown:
        errors.add("non_field_errors", "unknown_field", f"Unknown fields: {', '.join(sorted(unknown))}.")
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
            errors.add("url", "invalid_url", "That is not a valid URL.")
        except DestinationRefused as refused:
            errors.add("url", refused.code, refused.message)
        out["url"] = url
    if "description" in values:
        description = str(values.get("description") or "").strip()
        if len(description) > 200:
            errors.add("description", "too_long", "A description is at most 200 characters.")
        out["description"] = description
    if "event_types" in values or not partial:
        raw = values.get("event_types") or []
        if isinstance(raw, str) or not isinstance(raw, Iterable):
            errors.add("event_types", "invalid", "Give a list of event types.")
        else:
            catalogue = [t.value for t in subscribable()]
            chosen = [str(t) for t in raw]
            bad = [t for t in chosen if t not in catalogue]
            for t in bad:
                errors.add("event_types", "unknown_event_type", f"Unknown event type: {t}.")
            out["event_types"] = [t for t in catalogue if t in chosen]  # catalogue order, no repeats
    if "is_enabled" in values:
        if not isinstance(values["is_enabled"], bool):
            errors.add("is_enabled", "invalid", "true or false.")
        out["is_enabled"] = values["is_enabled"]
    # One sentence naming each field's first problem, above the form and in the API's message.
    errors.raise_if_any("; ".join(f"{name}: {items[0]['message']}" for name, items in errors.fields.items()))
    return out


@transaction.atomic
def endpoint_create(*, actor: User, values: Mapping[str, Any], now: datetime) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint of the actor's organisation (org admins only). Returns it and its signing
    secret, which is shown once. Raises NotAllowed, Invalid (every field problem at once)."""
    _require_admin(actor)
    org_id = actor.organisation_id
    if org_id is None:  # _require_admin lets only members of an organisation through
        raise NotAllowed("Your account is not attached to an organisation.")
    clean = _clean(values, partial=False)
    clean.pop("is_enabled", None)
    if WebhookEndpoint.objects.filter(organisation_id=org_id).count() >= settings.WEBHOOKS_MAX_PER_ORG:
        raise Invalid(
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
    return lock_versioned(WebhookEndpoint.objects.all(), endpoint.pk, version, noun="endpoint")


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
    event = record_event(
        type=IntegrationEventType.WEBHOOK_PING, obj=endpoint, now=now, details={"requested_by": actor.username}
    )
    recipient = EventRecipient.objects.get(event=event, organisation_id=endpoint.organisation_id)
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event=event, recipient=recipient, next_attempt_at=now, created_at=now
    )
    # The ping goes even when the endpoint is disabled, so it is sent directly rather than by the sweep.
    enqueue_after_commit("partners.tasks.deliver_webhook_task", delivery.pk)
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
    webhook-id, so a receiver that deduplicates ignores what it already has. Raises Invalid, NotFound
    (`unknown_event`: an event the organisation never received)."""
    _require_admin(actor, endpoint)
    recipients = EventRecipient.objects.filter(organisation_id=endpoint.organisation_id).select_related("event")
    if event_id:
        recipients = recipients.filter(event__public_id=event_id)
    elif since is not None:
        recipients = recipients.filter(event__occurred_at__gte=since)
    else:
        raise Invalid("Give an event id or a time to redeliver from.", code="event_or_since_required")
    limit = settings.WEBHOOKS_REDELIVER_MAX
    rows = [r for r in recipients.order_by("pk")[: limit + 1] if event_id or endpoint.wants(r.event.type)]
    truncated = len(rows) > limit
    rows = rows[:limit]
    if event_id and not rows:
        raise NotFound("Your organisation received no such event.", code="unknown_event")
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
    enqueue_after_commit("partners.tasks.relay_webhooks_task")
    return Redelivered(queued=len(rows), truncated=truncated)
