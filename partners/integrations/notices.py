"""Webhook endpoints on the one notification path (partners.notifications): the "webhook_endpoint" object
kind, registered from PartnersConfig.ready(), and the notice of an endpoint the relay disabled."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q
from django.urls import reverse

from partners.integrations.models import WebhookEndpoint
from partners.integrations.selectors import endpoints_managed_by
from partners.kinds import Role
from partners.models import User
from partners.notifications.registry import NoticeKind, register_kind
from partners.notifications.services import Notified, notify


def _admins(endpoint: WebhookEndpoint, actor: User | None = None) -> Q:
    return Q(organisation_id=endpoint.organisation_id, role=Role.ADMIN)


ENDPOINT_NOTICE_KIND = NoticeKind(
    object_type="webhook_endpoint",
    load=lambda pk: WebhookEndpoint.objects.filter(pk=pk).first(),
    visible_to=endpoints_managed_by,
    viewers_q=_admins,  # an organisation's integrations are its admins' business only
    audiences={"org_admins": _admins},
    url=lambda endpoint: reverse("partners:integration_detail", args=[endpoint.pk]),
    label=lambda endpoint: f"Webhook endpoint {endpoint.url}",
)


def register() -> None:
    register_kind(ENDPOINT_NOTICE_KIND)


def notify_disabled(endpoint: WebhookEndpoint, *, now: datetime) -> Notified:
    """Tell the organisation's admins the relay stopped sending to `endpoint` (in the relay's transaction)."""
    return notify(
        "endpoint.disabled",
        endpoint,
        actor=None,
        now=now,
        event_key=f"endpoint_disabled:{endpoint.pk}:{now.isoformat()}",
        text="We stopped sending events to a webhook endpoint",
        data={
            "note": f"{endpoint.disabled_reason}\n\nNothing is lost: events wait for the endpoint. Fix the receiver, "
            "send a test event from the Integrations page, then enable the endpoint again."
        },
    )
