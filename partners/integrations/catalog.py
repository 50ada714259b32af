"""The event types a partner system can subscribe to: one catalogue, shared by the outbox, the API and the pages.

Each app declares the types of its own objects as a `TextChoices` beside its object kind (cases/events.py,
servicetags/events.py, dispatch/events.py) and registers them from its `ready()`, so this lower app names no
higher app's events. The catalogue is ordered by topic (the part before the dot) alphabetically, then as each app
declared its types: the order of the API's enums and of the subscription form whatever the apps' loading order.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import AppRegistryNotReady
from django.db import models

from partners.kinds import OrgKind


class IntegrationEventType(models.TextChoices):
    WEBHOOK_PING = "webhook.ping", "A test event sent on request"


@dataclass(frozen=True)
class EventTypeSpec:
    value: str
    label: str
    # An endpoint subscribes to every type but the ping, which goes only to the endpoint it was sent for.
    subscribable: bool
    # Dell sees a dispatched case, but of its timeline only the dispatch's own rows
    # (cases.selectors.events_visible): the case's opening, transitions, comments and files are the partner's
    # thread with MTS. So a type reaches Dell only when its app says it may; a type added later without saying
    # so stays out of Dell's feed and webhooks.
    dell_receives: bool

    @property
    def topic(self) -> str:
        return self.value.split(".", 1)[0]


_REGISTERED: dict[str, EventTypeSpec] = {}
_ordered: tuple[EventTypeSpec, ...] | None = None


def register_event_types(choices: type[models.TextChoices], *, dell_receives: bool, subscribable: bool = True) -> None:
    """Add an app's event types to the catalogue; registering the same types again (a second `ready()`) is a no-op."""
    global _ordered
    for member in choices:
        _REGISTERED[member.value] = EventTypeSpec(
            value=member.value, label=str(member.label), subscribable=subscribable, dell_receives=dell_receives
        )
    _ordered = None


def event_types() -> tuple[EventTypeSpec, ...]:
    """Every registered type in catalogue order. Read only once every app is ready: read earlier, it would miss
    the types of the apps whose `ready()` has not run yet."""
    global _ordered
    if not apps.ready:
        raise AppRegistryNotReady("The event catalogue is complete only once every app's ready() has run.")
    if _ordered is None:
        _ordered = tuple(sorted(_REGISTERED.values(), key=lambda spec: spec.topic))
    return _ordered


def event_type_choices() -> list[tuple[str, str]]:
    """The model field's and the filters' choices, evaluated when first used (after the apps are ready)."""
    return [(spec.value, spec.label) for spec in event_types()]


def subscribable() -> tuple[EventTypeSpec, ...]:
    return tuple(spec for spec in event_types() if spec.subscribable)


def is_subscribable(event_type: str) -> bool:
    spec = _REGISTERED.get(event_type)
    return spec is not None and spec.subscribable


def spec_of(event_type: str) -> EventTypeSpec:
    """The registered type; LookupError for a value no app registered."""
    try:
        return _REGISTERED[event_type]
    except KeyError:
        raise LookupError(f"{event_type!r} is not a registered event type") from None


def may_receive(event_type: str, kind: OrgKind) -> bool:
    """Whether an organisation of `kind` that sees an event's object may receive an event of `event_type`."""
    return kind != OrgKind.DELL or spec_of(event_type).dell_receives
