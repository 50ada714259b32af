"""The one event seam: `record_event` writes a domain event in the caller's transaction (the outbox).

Each app registers, from its AppConfig.ready(), how its objects appear in events: who may receive them
(the same organisations its visibility gate lets see the object) and the object as the API shows it to
each kind of organisation. The partners app knows no higher app: cases registers "case", servicetags
"transfer", dispatch "dispatch" and "fee":

    from partners.integrations.outbox import ObjectKind, register_object_kind
    register_object_kind(ObjectKind(model=Dispatch, object_type="dispatch",
                                    audience=dispatch_audience, payload=dispatch_payload))

where `audience(obj) -> Iterable[Organisation]` and `payload(obj, kind: OrgKind) -> dict` (JSON-ready).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Model, Q

from husky_support.queue import enqueue_after_commit
from partners.integrations.catalog import is_subscribable, may_receive, spec_of
from partners.integrations.models import (
    DeliveryStatus,
    Event,
    EventRecipient,
    EventSequence,
    WebhookDelivery,
    WebhookEndpoint,
)
from partners.kinds import OrgKind
from partners.models import Organisation


@dataclass(frozen=True, kw_only=True)
class ObjectKind:
    model: type[Model]
    object_type: str  # "case", "transfer", "dispatch", "fee": the events' object_type
    audience: Callable[[Any], Iterable[Organisation]]
    payload: Callable[[Any, OrgKind], Mapping[str, Any]]


_KINDS: dict[type[Model], ObjectKind] = {}


def register_object_kind(kind: ObjectKind) -> None:
    """Called from an AppConfig.ready(); registering a model twice replaces the first entry."""
    _KINDS[kind.model] = kind


def object_kind_for(obj: Model) -> ObjectKind:
    try:
        return _KINDS[type(obj)]
    except KeyError:
        raise LookupError(f"{type(obj).__name__} is not registered with partners.integrations.outbox") from None


def active_orgs(condition: Q) -> list[Organisation]:
    """Active organisations matching `condition` (audience builders share this one query shape)."""
    return list(Organisation.objects.filter(condition, is_active=True).order_by("pk"))


def partner_audience_q(reseller: Organisation) -> Q:
    """The reseller, its distributor and MTS: who sees a partner's record (partners.visibility)."""
    q = Q(pk=reseller.pk) | Q(kind=OrgKind.MTS)
    if reseller.distributor_id:
        q |= Q(pk=reseller.distributor_id)
    return q


def _next_sequence(object_type: str, object_id: str) -> int:
    """1, 2, 3… per object; the counter row's lock serialises concurrent writers of one object. One round
    trip (an upsert on the unique object key), where an update, a savepoint, an insert and a read were four."""
    table = EventSequence._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (object_type, object_id, last) VALUES (%s, %s, 1) "  # noqa: S608 - the model's table
            f"ON CONFLICT (object_type, object_id) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [object_type, object_id],
        )
        last: int = cursor.fetchone()[0]
        return last


def new_public_id() -> str:
    return f"evt_{uuid.uuid4().hex}"


def record_event(*, type: str, obj: Model, now: datetime, details: Mapping[str, Any] | None = None) -> Event:
    """Write one event about `obj` (saved, registered through register_object_kind), its recipients and a
    pending delivery to each subscribed endpoint of theirs, all in the caller's transaction, so the event
    exists exactly when the change does. Call it after saving the change, inside the service's
    @transaction.atomic:

        record_event(type=CaseEventType.CASE_TRANSITIONED, obj=case, now=now,
                     details={"action": "take", "from_state": "l2_mts_queue", "to_state": "..."})

    `details` is what the event adds to the object (the transition, the comment), the same for every
    recipient; it must hold nothing a recipient may not see. The recipients are the object's audience less
    the organisations whose kind may not receive this type (catalog.may_receive: Dell gets no case events).
    The relay is started when the transaction commits; the beat sweep catches anything that start missed.
    Raises RuntimeError outside a transaction, LookupError for an unregistered model or event type."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_event must run inside the transaction of the change it records")
    kind = object_kind_for(obj)
    event_type = spec_of(type)
    object_id = str(obj.pk)
    event = Event.objects.create(
        public_id=new_public_id(),
        type=event_type.value,
        object_type=kind.object_type,
        object_id=object_id,
        sequence=_next_sequence(kind.object_type, object_id),
        occurred_at=now,
        details=dict(details or {}),
    )
    payloads: dict[OrgKind, Mapping[str, Any]] = {}
    recipients = []
    for org in kind.audience(obj):
        org_kind = OrgKind(org.kind)
        if not may_receive(event_type.value, org_kind):  # sees the object, not this part of it (catalog)
            continue
        if org_kind not in payloads:
            payloads[org_kind] = kind.payload(obj, org_kind)
        recipients.append(EventRecipient(event=event, organisation=org, data=dict(payloads[org_kind])))
    EventRecipient.objects.bulk_create(recipients)
    queue_deliveries(event, recipients, now=now)
    return event


def queue_deliveries(event: Event, recipients: list[EventRecipient], *, now: datetime) -> int:
    """A pending delivery of `event` to every endpoint of the recipients that subscribes to its type;
    disabled endpoints too, so re-enabling one delivers what it missed. Starts the relay on commit."""
    by_org = {r.organisation_id: r for r in recipients}
    endpoints = WebhookEndpoint.objects.filter(organisation_id__in=by_org).only("pk", "organisation", "event_types")
    deliveries = [
        WebhookDelivery(
            endpoint=endpoint,
            event=event,
            recipient=by_org[endpoint.organisation_id],
            status=DeliveryStatus.PENDING,
            next_attempt_at=now,
            created_at=now,
        )
        for endpoint in endpoints
        if is_subscribable(event.type) and endpoint.wants(event.type)
    ]
    if deliveries:
        WebhookDelivery.objects.bulk_create(deliveries)
        enqueue_after_commit("partners.tasks.relay_webhooks_task")
    return len(deliveries)
