"""A person's notification preferences and profile zone: reads and the one write (all fields checked at
once, with codes; nothing written on bad input)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from cases.models import NotificationPreference, NotifyMode, NotifyTopic
from partners.models import User
from partners.validators import validate_timezone


def preferences_of(user: User) -> dict[str, Any]:
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("topic", "mode"))
    return {
        "timezone": user.timezone,
        "effective_timezone": user.viewer_timezone,
        "language": user.language or "en",
        "topics": {topic: chosen.get(topic, NotifyMode.IMMEDIATELY.value) for topic in NotifyTopic.values},
    }


@transaction.atomic
def preferences_save(
    *, actor: User, timezone: str | None = None, language: str | None = None, topics: dict[str, str] | None = None
) -> User:
    """Change the actor's own zone, language and per-topic modes. Raises ValidationError per field."""
    errors: dict[str, list[ValidationError]] = {}
    if timezone:
        try:
            validate_timezone(timezone)
        except ValidationError as refused:
            errors["timezone"] = refused.error_list
    unknown = sorted(set(topics or {}) - set(NotifyTopic.values))
    if unknown:
        errors["topics"] = [
            ValidationError(f"Unknown topics: {', '.join(unknown)}.", code="unknown_topic"),
        ]
    if errors:
        raise ValidationError(errors)
    fields = []
    if timezone is not None:
        actor.timezone = timezone
        fields.append("timezone")
    if language is not None:
        actor.language = language
        fields.append("language")
    if fields:
        actor.save(update_fields=fields)
    for topic, mode in (topics or {}).items():
        NotificationPreference.objects.update_or_create(user=actor, topic=topic, defaults={"mode": mode})
    return actor
