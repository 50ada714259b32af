"""Field validators for countries and time zones, shared by every app that stores a place."""

from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.core.exceptions import ValidationError

from husky_support.calendar import CalendarError, business_calendar
from husky_support.geo import country_name


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


def validate_calendar_country(value: str) -> None:
    """A country with a business calendar (so business days and NBD can be computed there)."""
    validate_country(value)
    try:
        business_calendar(value)
    except CalendarError as exc:
        raise ValidationError(str(exc), code="unknown_country") from exc
