"""Field validators for countries and time zones, shared by every app that stores a place."""

from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.core.exceptions import ValidationError

from dispatch.geo import country_name


def validate_country(value: str) -> None:
    code = (value or "").strip().upper()
    if len(code) != 2 or country_name(code) is None:
        raise ValidationError(
            "%(value)s is not an ISO 3166-1 alpha-2 country code (for example DK, US, AE).",
            code="unknown_country",
            params={"value": value},
        )


def validate_timezone(value: str) -> None:
    if value not in _known_zones():
        raise ValidationError(
            "%(value)s is not an IANA time zone (for example Europe/Copenhagen).",
            code="unknown_timezone",
            params={"value": value},
        )
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError("%(value)s cannot be loaded.", code="unknown_timezone", params={"value": value}) from exc


@cache
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones())
