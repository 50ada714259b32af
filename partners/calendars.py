"""The one reader of business calendars: the `holidays` package's calendar of a place with the admin
holiday overrides applied. Every date rule goes through here (NBD targets, transfer confirmation
deadlines, SLA business hours), so an override moves all of them alike."""

from __future__ import annotations

from datetime import date

from django.db.models import Q

from husky_support.calendar import (
    WEEKDAYS,
    BusinessCalendar,
    Calendar,
    CalendarError,
    OverriddenCalendar,
    business_calendar,
)
from partners.models import HolidayOverride, OverrideKind

__all__ = ["calendar_for", "calendars_for", "calendars_or_weekdays", "overrides_between", "with_overrides"]


def overrides_between(country: str, subdivision: str, first: date, last: date) -> list[HolidayOverride]:
    """Overrides of `country` (whole country, plus `subdivision` in ISO 3166-2 form) dated first..last."""
    code, sub = country.strip().upper(), (subdivision or "").strip().upper()
    where = Q(subdivision="") | Q(subdivision=sub) if sub else Q(subdivision="")
    return list(
        HolidayOverride.objects.filter(where, country=code, applies_on__gte=first, applies_on__lte=last)
        .only("applies_on", "kind", "note")
        .order_by("applies_on")
    )


def with_overrides(base: BusinessCalendar, overrides: list[HolidayOverride]) -> Calendar:
    """`base` corrected by `overrides` (already read for the dates that matter)."""
    if not overrides:
        return base
    return OverriddenCalendar(
        base=base,
        closed_on=frozenset(o.applies_on for o in overrides if o.kind == OverrideKind.CLOSED),
        open_on=frozenset(o.applies_on for o in overrides if o.kind == OverrideKind.OPEN),
    )


def calendar_for(country: str, subdivision: str = "", *, first: date, last: date) -> Calendar:
    """The business calendar of a place with the admin overrides dated `first`..`last` applied.

    Dates outside that window follow the package calendar alone. One query.
    Raises UnknownCountry / UnknownSubdivision (CalendarError) for bad place data.
    """
    base = business_calendar(country, subdivision or None)
    return with_overrides(base, overrides_between(country, subdivision, first, last))


def calendars_for(places: set[tuple[str, str]], *, first: date, last: date) -> dict[tuple[str, str], Calendar]:
    """`calendar_for` of several (country, subdivision) places in one query, whatever their number."""
    if not places:
        return {}
    countries = {country.strip().upper() for country, _sub in places}
    overrides = list(
        HolidayOverride.objects.filter(country__in=countries, applies_on__gte=first, applies_on__lte=last)
        .only("country", "subdivision", "applies_on", "kind", "note")
        .order_by("applies_on")
    )
    out: dict[tuple[str, str], Calendar] = {}
    for country, subdivision in places:
        code, sub = country.strip().upper(), (subdivision or "").strip().upper()
        mine = [o for o in overrides if o.country == code and o.subdivision in ("", sub)]
        out[(country, subdivision)] = with_overrides(business_calendar(code, sub or None), mine)
    return out


def calendars_or_weekdays(places: set[tuple[str, str]], *, first: date, last: date) -> dict[tuple[str, str], Calendar]:
    """`calendars_for` of every place, where a place the holidays package has no calendar for (odd stored place
    data, an organisation in Antarctica) counts Monday to Friday: for reports and emails, which never fail on it."""
    known = {place for place in places if _has_calendar(*place)}
    found = calendars_for(known, first=first, last=last)
    return {place: found.get(place, WEEKDAYS) for place in places}


def _has_calendar(country: str, subdivision: str) -> bool:
    try:
        business_calendar(country, subdivision or None)
    except CalendarError:
        return False
    return True
