"""The stored notifications of every app and each person's choice per topic (docs/rules.md "Notifications").

A notification is about one object named generically (object_type, object_id): a case, a dispatch, a
transfer, a unit reminder, a webhook endpoint. The apps that own those objects register how to resolve,
show and gate them (partners.notifications.registry); this app names none of them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Topic(models.TextChoices):
    """What a person tunes, one mode per topic."""

    CASES = "cases", "Cases: replies, status changes, escalations"
    DISPATCH = "dispatch", "Dell dispatches: steps, visits, parts and fees"
    TRANSFERS = "transfers", "Service-tag transfers, reminders and assistance requests"
    SLA = "sla", "SLA near-breach and breach warnings"
    INTEGRATIONS = "integrations", "Integrations: webhook endpoints"
    REPORTS = "reports", "Reports: the monthly report of your organisation, when its admin switched it on"


class Mode(models.TextChoices):
    """How one topic reaches a person. In the portal for every mode but off."""

    IMMEDIATELY = "immediately", "In the portal and by email at once"
    DIGEST = "digest", "In the portal and in a daily email digest at 08:00 my time"
    IN_APP = "in_app", "In the portal only"
    OFF = "off", "Off"


class Channel(models.TextChoices):
    IN_APP = "in_app", "In the portal"
    EMAIL = "email", "Email"


class Notification(models.Model):
    """One message to one person about one event, written in the change's transaction. The one send task
    sets `sent_at` under the row's lock, so a task run twice or redelivered sends nothing twice."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    # The email address at write time (email channel); a shared mailbox of older rows has no recipient.
    address = models.EmailField(blank=True)
    object_type = models.CharField(max_length=30)
    object_id = models.PositiveBigIntegerField()
    topic = models.CharField(max_length=20, choices=Topic.choices)
    kind = models.CharField(max_length=40, help_text="The event kind of partners.notifications.table.EVENTS.")
    # Which event this is one message of ("case_event:12"): each person hears of one event once per channel.
    event_key = models.CharField(max_length=60)
    text = models.CharField(max_length=300, help_text="One line of what changed, in words the recipient may read.")
    data = models.JSONField(default=dict, blank=True)
    internal = models.BooleanField(default=False, help_text="MTS-internal content: never shown outside MTS.")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    digest = models.BooleanField(default=False, help_text="An email held for the recipient's daily digest.")
    due_at = models.DateTimeField(null=True, blank=True, help_text="When the email is due (now, or the digest hour).")
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    # Handled at send time without an email: the recipient left, or may no longer see the object.
    withheld = models.BooleanField(default=False)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["event_key", "recipient", "channel"], name="notification_once_per_event"),
            models.CheckConstraint(name="notification_channel_is_valid", condition=Q(channel__in=Channel.values)),
            models.CheckConstraint(
                name="notification_email_has_due_time", condition=Q(channel="in_app") | Q(due_at__isnull=False)
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "channel", "-created_at"], name="notice_recipient_idx"),
            models.Index(fields=["recipient", "object_type", "object_id"], name="notice_object_idx"),
            # The redelivery sweep: unsent emails by due time only (a broker down at commit loses nothing).
            models.Index(
                fields=["due_at"], name="notice_unsent_due_idx", condition=Q(sent_at__isnull=True, channel="email")
            ),
            models.Index(
                fields=["recipient"], name="notice_unread_idx", condition=Q(read_at__isnull=True, channel="in_app")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} to {self.address or self.recipient_id} about {self.object_type} {self.object_id}"


class NotificationPreference(models.Model):
    """How one person wants one topic (no row: immediately)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    topic = models.CharField(max_length=20, choices=Topic.choices)
    mode = models.CharField(max_length=12, choices=Mode.choices, default=Mode.IMMEDIATELY)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "topic"], name="notification_preference_once"),
            models.CheckConstraint(name="notification_mode_is_valid", condition=Q(mode__in=Mode.values)),
            models.CheckConstraint(name="notification_topic_is_valid", condition=Q(topic__in=Topic.values)),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.topic}: {self.mode}"
