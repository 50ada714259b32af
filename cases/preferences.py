"""A person's notification preferences and profile zone: reads and the one write (all fields checked at
once, with codes; nothing written on bad input). The topics and modes are the notification path's
(partners.notifications.models)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from partners.models import User
from partners.notifications.models import Mode, NotificationPreference, Topic
from partners.validators import validate_timezone


def preferences_of(user: User) -> dict[str, Any]:
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("topic", "mode"))
    return {
        "timezone": user.timezone,
        "effective_timezone": user.viewer_timezone,
        "language": user.language or "en",
        "topics": {topic: chosen.get(topic, Mode.IMMEDIATELY.value) for topic in Topic.values},
    }


@transaction.atomic
def preferences_save(
    *, actor: User, timezone: str | None = None, language: str | None = None, topics: dict[str, Any] | None = None
) -> User:
    """Change the actor's own zone, language and per-topic modes. Raises ValidationError per field
    (`unknown_timezone`, `unknown_topic`, `unknown_mode`), all at once, nothing written."""
    errors: dict[str, list[ValidationError]] = {}
    if timezone:
        try:
            validate_timezone(timezone)
        except ValidationError as refused:
            errors["timezone"] = refused.error_list
    topics = topics or {}
    problems: list[ValidationError] = []
    unknown = sorted(set(topics) - set(Topic.values))
    if unknown:
        problems.append(ValidationError(f"Unknown topics: {', '.join(unknown)}.", code="unknown_topic"))
    bad_modes = sorted(str(mode) for mode in topics.values() if mode not in Mode.values)
    if bad_modes:
        problems.append(
            ValidationError(
                f"Unknown modes: {', '.join(bad_modes)}; choose one of {', '.join(Mode.values)}.", code="unknown_mode"
            )
        )
    if problems:
        errors["topics"] = problems
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
    for topic, mode in topics.items():
        NotificationPreference.objects.update_or_create(user=actor, topic=topic, defaults={"mode": mode})
    return actor
