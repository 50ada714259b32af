"""Business calendars per country and subdivision, and the next-business-day (NBD) target.

Pure: no ORM, no clock, no settings; every time-dependent function takes the moment as an
argument. Weekends and public holidays come from the `holidays` package (docs/rules.md rule 1), so a
Friday-Saturday weekend country such as Saudi Arabia is handled, as are historical weekend
changes and the working Saturdays some countries declare to bridge holidays.
"""

from __future__ import annotations

import re
import threading
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from husky_support.domain import InputRefused

__all__ = [
    "BusinessCalendar",
    "Calendar",
    "CalendarError",
    "NbdTarget",
    "OverriddenCalendar",
    "UnknownCountry",
    "UnknownSubdivision",
    "UnknownTimezone",
    "business_calendar",
    "business_days_between",
    "clear_caches",
    "is_business_day",
    "nbd_target",
    "next_business_day",
    "received_on",
    "require_aware",
    "site_zone",
]

# No real calendar goes this long without a business day; the bound turns a broken
# holiday definition into an error instead of an endless loop.
_MAX_CLOSED_RUN = 366

_COUNTRY_CODE = re.compile(r"^[A-Z]{2}$")


class CalendarError(InputRefused):
    """Bad calendar input. `code` is stable and machine-readable; the message is for people."""

    code = "calendar_error"


class UnknownCountry(CalendarError):
    code = "unknown_country"


class UnknownSubdivision(CalendarError):
    code = "unknown_subdivision"


class UnknownTimezone(CalendarError):
    code = "unknown_timezone"


class Calendar(Protocol):
    """Anything that can say whether a date is a business day."""

    def is_business_day(self, day: date) -> bool: ...


class WeekdayCalendar:
    """Monday to Friday: for a place the holidays package has no calendar for, where a report or a deadline
    still needs business days rather than a failure."""

    def is_business_day(self, day: date) -> bool:
        return day.weekday() < 5


WEEKDAYS = WeekdayCalendar()


class BusinessCalendar:
    """The business days of one country (and optional subdivision), loaded a year at a time.

    Get instances from `business_calendar()`, which caches one per (country, subdivision).
    Thread-safe: a year is loaded under a lock, then read without one.
    """

    __slots__ = ("_closed_by_year", "_holidays", "_lock", "country", "subdivision")

    def __init__(self, country: str, subdivision: str | None) -> None:
        self.country = country
        self.subdivision = subdivision
        # years=() with the package's default expand=True: a year is populated on first use.
        self._holidays = holidays.country_holidays(country, subdiv=subdivision)
        self._closed_by_year: dict[int, frozenset[date]] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        where = f"{self.country}-{self.subdivision}" if self.subdivision else self.country
        return f"BusinessCalendar({where})"

    def _closed_days(self, year: int) -> frozenset[date]:
        closed = self._closed_by_year.get(year)
        if closed is not None:
            return closed
        with self._lock:
            closed = self._closed_by_year.get(year)
            if closed is None:
                closed = self._load_year(year)
                self._closed_by_year[year] = closed
        return closed

    def _load_year(self, year: int) -> frozenset[date]:
        first = date(year, 1, 1)
        with warnings.catch_warnings():
            # Outside a country's supported years the package warns and knows no holidays; weekends
            # still apply. Silenced here (under our lock) so a far-future question does not spam logs.
            warnings.simplefilter("ignore", UserWarning)
            self._holidays.get(first)  # populates the year's holidays and declared working weekend days
        days = (first + timedelta(days=n) for n in range((date(year + 1, 1, 1) - first).days))
        # docs/rules.md rule 1: closed = a weekend day of the country (per its own, possibly historical,
        # definition) unless declared a working day, or a public holiday of country + subdivision.
        return frozenset(day for day in days if not self._holidays.is_working_day(day))

    def is_business_day(self, day: date) -> bool:
        """Whether `day` (a site-local date) is neither a weekend day nor a public holiday."""
        return day not in self._closed_days(day.year)

    def holiday_names(self, day: date) -> list[str]:
        """The public holidays on `day` (for explaining why a day is closed); [] if none."""
        self._closed_days(day.year)
        return self._holidays.get_list(day)

    def weekend(self, day: date) -> frozenset[int]:
        """The weekend weekdays (Monday=0) in force on `day`."""
        monday = day - timedelta(days=day.weekday())
        return frozenset(wd for wd in range(7) if self._holidays.is_weekend(monday + timedelta(days=wd)))


@dataclass(frozen=True, slots=True)
class OverriddenCalendar:
    """A calendar with local exceptions on top (e.g. an admin-declared closure or a working day)."""

    base: Calendar
    closed_on: frozenset[date] = frozenset()
    open_on: frozenset[date] = frozenset()

    def is_business_day(self, day: date) -> bool:
        if day in self.closed_on:
            return False
        return day in self.open_on or self.base.is_business_day(day)


def _canonical_country(country: str) -> str:
    code = country.strip().upper() if isinstance(country, str) else ""
    if not _COUNTRY_CODE.match(code):
        raise UnknownCountry(f"{country!r} is not an ISO 3166-1 alpha-2 country code (e.g. 'DK').")
    if code not in holidays.list_supported_countries():
        raise UnknownCountry(f"No holiday calendar is available for country {code!r}.")
    return code


@lru_cache(maxsize=512)
def _subdivision_lookup(country: str) -> tuple[tuple[str, ...], dict[str, str]]:
    cls = type(holidays.country_holidays(country, years=()))
    codes: tuple[str, ...] = tuple(cls.subdivisions)
    lookup = {code.casefold(): code for code in codes}
    for alias, code in cls.subdivisions_aliases.items():
        lookup.setdefault(alias.casefold(), code)
    return codes, lookup


@lru_cache(maxsize=4096)
def _canonical(country: str, subdivision: str | None) -> tuple[str, str | None]:
    code = _canonical_country(country)
    if subdivision is None or not subdivision.strip():
        return code, None
    raw = subdivision.strip()
    # ISO 3166-2 codes carry the country ("US-CA"); the `holidays` package wants the part after it.
    local = raw[3:] if raw[:3].upper() == f"{code}-" else raw
    codes, lookup = _subdivision_lookup(code)
    canonical = lookup.get(local.casefold())
    if canonical is None:
        known = ", ".join(codes[:12]) + (f" and {len(codes) - 12} more" if len(codes) > 12 else "")
        hint = f" Known subdivisions: {known}." if codes else f" {code} has no subdivisions."
        raise UnknownSubdivision(f"{raw!r} is not a subdivision of {code}.{hint}")
    return code, canonical


@lru_cache(maxsize=1024)
def _calendar(country: str, subdivision: str | None) -> BusinessCalendar:
    return BusinessCalendar(country, subdivision)


def business_calendar(country: str, subdivision: str | None = None) -> BusinessCalendar:
    """The cached calendar for a country ("dk" or "DK") and subdivision ("US-CA" or "CA").

    Raises UnknownCountry or UnknownSubdivision.
    """
    return _calendar(*_canonical(country, subdivision))


@lru_cache(maxsize=1024)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise UnknownTimezone(f"{name!r} is not an IANA time zone (e.g. 'Europe/Copenhagen').") from exc


def site_zone(name: str) -> ZoneInfo:
    """The ZoneInfo for an IANA zone name. Raises UnknownTimezone."""
    if not isinstance(name, str) or not name.strip():
        raise UnknownTimezone(f"{name!r} is not an IANA time zone (e.g. 'Europe/Copenhagen').")
    return _zone(name.strip())


def clear_caches() -> None:
    """Forget every cached calendar, zone and subdivision table (for benchmarks and tests)."""
    for cached in (_calendar, _canonical, _subdivision_lookup, _zone):
        cached.cache_clear()


def require_aware(moment: datetime, name: str = "qualified_at") -> None:
    """Raise ValueError unless `moment` is timezone-aware."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got naive {moment.isoformat()}.")


def is_business_day(day: date, calendar: Calendar) -> bool:
    """Whether the site-local date `day` is a business day of `calendar`."""
    return calendar.is_business_day(day)


def next_business_day(day: date, cal: Calendar) -> date:
    """The first business day strictly after `day`."""
    candidate = day
    for _ in range(_MAX_CLOSED_RUN):
        candidate += timedelta(days=1)
        if cal.is_business_day(candidate):
            return candidate
    raise RuntimeError(f"No business day within {_MAX_CLOSED_RUN} days after {day} in {cal!r}.")


def received_on(qualified_at: datetime, site_tz: ZoneInfo | str, cal: Calendar, cutoff: time) -> date:
    """The site-local business day on which a request qualified at `qualified_at` counts as received.

    Raises ValueError for a naive `qualified_at`, UnknownTimezone for a bad zone name.
    """
    require_aware(qualified_at)
    zone = site_zone(site_tz) if isinstance(site_tz, str) else site_tz
    local = qualified_at.astimezone(zone)
    # docs/rules.md rule 1: received that day only on a business day strictly before the cut-off;
    # at exactly the cut-off second it already counts as after.
    if cal.is_business_day(local.date()) and local.time() < cutoff:
        return local.date()
    return next_business_day(local.date(), cal)


@dataclass(frozen=True, slots=True)
class NbdTarget:
    """The NBD answer. Dates are site-local; `site_local_qualified_at` is in the site's zone.

    Exactly one of `after_cutoff` (a business day, at or past the cut-off) and `not_business_day`
    (a site-local weekend day or holiday, whatever the clock said) holds when receipt was deferred.
    """

    received_on: date
    target_on: date
    site_local_qualified_at: datetime
    after_cutoff: bool
    not_business_day: bool


def nbd_target(qualified_at: datetime, site_timezone: str, cal: Calendar, cutoff: time) -> NbdTarget:
    """docs/rules.md rule 1: the next-business-day target for a request qualified at `qualified_at`.

    Evaluated in the site's zone (rule 2) on `cal`, the site's calendar (with any admin overrides).
    Raises ValueError for a naive moment or an aware cut-off, UnknownTimezone for a bad zone.
    """
    require_aware(qualified_at)
    if cutoff.tzinfo is not None:
        raise ValueError("cutoff is a site-local wall-clock time and must be naive.")
    zone = site_zone(site_timezone)
    local = qualified_at.astimezone(zone)
    received = received_on(qualified_at, zone, cal, cutoff)
    return NbdTarget(
        received_on=received,
        # docs/rules.md rule 1: the target is the first business day after the day received.
        target_on=next_business_day(received, cal),
        site_local_qualified_at=local,
        # docs/rules.md rule 2: a weekend day or holiday explains the target by itself, whatever the clock said.
        after_cutoff=cal.is_business_day(local.date()) and local.time() >= cutoff,
        not_business_day=not cal.is_business_day(local.date()),
    )


def business_days_between(start: date, end: date, cal: Calendar) -> Iterable[date]:
    """The business days strictly between `start` and `end`, in order."""
    day = start + timedelta(days=1)
    while day < end:
        if cal.is_business_day(day):
            yield day
        day += timedelta(days=1)
