"""Reads of webhook endpoints, their delivery log and the events feed: each starts from the viewer's
own organisation (an organisation's integrations are nobody else's business, MTS included)."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch, QuerySet

from partners.integrations.models import DeliveryAttempt, EventRecipient, WebhookDelivery, WebhookEndpoint
from partners.models import User
from partners.visibility import active_organisation


def endpoints_managed_by(user: User | AnonymousUser) -> QuerySet[WebhookEndpoint]:
    """Org admins see and manage their organisation's endpoints; anyone else none."""
    org = active_organisation(user)
    if org is None or not isinstance(user, User) or not user.is_org_admin:
        return WebhookEndpoint.objects.none()
    return WebhookEndpoint.objects.filter(organisation=org).order_by("pk")


def deliveries_for(endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    """The endpoint's delivery log, newest first, each delivery with its attempts (constant queries a page)."""
    qs = WebhookDelivery.objects.filter(endpoint=endpoint)
    attempts = Prefetch("attempt_log", queryset=DeliveryAttempt.objects.order_by("-attempted_at", "-pk"))
    return qs.select_related("event").prefetch_related(attempts).order_by("-pk")


def events_feed(user: User | AnonymousUser) -> QuerySet[EventRecipient]:
    """The events the user's organisation received, oldest first (cursor-paginated on the primary key)."""
    org = active_organisation(user)
    if org is None:
        return EventRecipient.objects.none()
    return EventRecipient.objects.filter(organisation=org).select_related("event").order_by("pk")
