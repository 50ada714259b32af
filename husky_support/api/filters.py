"""Filter types shared by the API's filter sets."""

from datetime import UTC, timedelta

import django_filters
from django import forms

# The largest value a BIGINT primary key holds; SQLite raises OverflowError beyond it.
MAX_ID = 2**63 - 1


class IdFilter(django_filters.Filter):
    """An object id: a whole number from 1 up to the largest key; anything else is a 400."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class UtcIsoDateTimeField(django_filters.fields.IsoDateTimeField):
    """ISO 8601 instant, normalised to UTC. No zone on Earth is more than 14 hours from UTC, and the
    database refuses larger offsets, so those are a 400 rather than a database error."""

    def to_python(self, value):
        instant = super().to_python(value)
        if instant is None or instant.tzinfo is None:
            return instant
        offset = instant.utcoffset()
        if offset is not None and abs(offset) > timedelta(hours=14):
            raise forms.ValidationError("The UTC offset must be between -14:00 and +14:00.", code="invalid")
        try:
            return instant.astimezone(UTC)
        except OverflowError as exc:
            raise forms.ValidationError("That moment is out of range.", code="invalid") from exc


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField
