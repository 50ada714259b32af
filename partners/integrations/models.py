"""The outbox (events and who may receive them) and outgoing webhooks (endpoints, deliveries, attempts)."""

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q

from partners.integrations.catalog import event_type_choices


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Delivered"
    FAILED = "failed", "Given up"


class EventSequence(models.Model):
    """The last sequence number given to one object's events; its row lock orders concurrent writers."""

    object_type = models.CharField(max_length=30)
    object_id = models.CharField(max_length=40)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["object_type", "object_id"], name="event_sequence_object")]

    def __str__(self) -> str:
        return f"{self.object_type}:{self.object_id} #{self.last}"


class Event(models.Model):
    """One domain change, written in the transaction of the change (a transactional outbox)."""

    public_id = models.CharField(max_length=40, unique=True, help_text="evt_…; the webhook-id of its deliveries")
    type = models.CharField(max_length=40, choices=event_type_choices)
    object_type = models.CharField(max_length=30)
    object_id = models.CharField(max_length=40)
    sequence = models.PositiveIntegerField(help_text="1, 2, 3… per object, so receivers can order events")
    occurred_at = models.DateTimeField()
    details = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["object_type", "object_id", "sequence"], name="event_object_sequence"),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.type}"


class EventRecipient(models.Model):
    """An organisation that may see the event's object, with the object as the API shows it to that
    organisation. The events feed and the webhook bodies are read from here."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="recipients")
    organisation = models.ForeignKey("partners.Organisation", on_delete=models.CASCADE, related_name="+")
    data = models.JSONField(encoder=DjangoJSONEncoder)

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["event", "organisation"], name="event_recipient_once")]
        # The feed: one organisation's events in order, read with a cursor.
        indexes = [models.Index(fields=["organisation", "id"], name="event_recipient_feed")]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.organisation_id}"


class WebhookEndpoint(models.Model):
    """A URL of an organisation's own system that receives its events, signed with the endpoint's secret."""

    organisation = models.ForeignKey("partners.Organisation", on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    event_types = models.JSONField(default=list, blank=True, help_text="Subscribed types; empty means every type.")
    is_enabled = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=200, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    # The receiver needs the secret itself to verify, so it cannot be stored as a hash.
    secret = models.CharField(max_length=100)
    previous_secret = models.CharField(max_length=100, blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    failing_since = models.DateTimeField(null=True, blank=True, help_text="First failed attempt since the last success")
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey("partners.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.url

    def wants(self, event_type: str) -> bool:
        return not self.event_types or event_type in self.event_types


class WebhookDelivery(models.Model):
    """One event to one endpoint: pending until delivered or given up. Its attempts are the delivery log."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    recipient = models.ForeignKey(EventRecipient, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    # Due time of the next attempt; while an attempt is under way it is the end of the sender's lease.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    first_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event"], name="webhook_delivery_once"),
            models.CheckConstraint(
                name="webhook_delivery_pending_is_due",
                condition=~Q(status="pending") | Q(next_attempt_at__isnull=False),
            ),
        ]
        indexes = [
            # The relay's sweep: only pending deliveries, by due time.
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="webhook_delivery_due"),
            models.Index(fields=["endpoint", "-id"], name="webhook_delivery_log"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.endpoint_id} ({self.status})"


class DeliveryAttempt(models.Model):
    """One HTTP attempt of a delivery: time, status code, duration, error, the start of the response."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="+")
    attempted_at = models.DateTimeField()
    status_code = models.PositiveIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    succeeded = models.BooleanField(default=False)
    error = models.CharField(max_length=300, blank=True)
    response_body = models.TextField(blank=True, help_text="At most the first 1 KiB.")

    class Meta:
        ordering = ["-attempted_at", "-pk"]
        indexes = [models.Index(fields=["endpoint", "-attempted_at"], name="webhook_attempt_log")]

    def __str__(self) -> str:
        return f"{self.delivery_id} at {self.attempted_at:%Y-%m-%d %H:%M:%S}: {self.status_code or self.error}"
