"""Business-hours arithmetic: add business time to an instant, and the business time between two instants.

Pure: no ORM, no clock, no settings. Business hours are site-local wall-clock intervals per weekday (a day
may be split, e.g. 08:00-12:00 and 13:00-17:00) in one IANA zone, on the days a Calendar calls business
days. Durations are real elapsed time: a 00:00-24:00 day on a spring-forward night has 23 hours, a fall-back
night 25, and an interval inside the skipped hour is empty. Used by the SLA clocks (docs/rules.md rule 7).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from husky_support.calendar import Calendar
from husky_support.domain import ErrorKind, Refused

__all__ = [
    "WEEKDAYS",
    "BusinessHours",
    "BusinessHoursError",
    "BusinessTimeline",
    "Calendar",
    "WeeklyHours",
    "add_business_minutes",
    "add_business_time",
    "business_minutes_between",
    "business_time_between",
    "micros",
    "parse_weekly_hours",
]

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_MINUTES = 24 * 60
# A calendar that closes every day for two years is broken; the bound turns it into an error, not a hang.
_MAX_DAYS = 2 * 366
_HHMM = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")


class BusinessHoursError(Refused):
    """Bad business-hours input. `code` is stable and machine-readable; `field` names the weekday (or "")."""

    kind = ErrorKind.INVALID

    def __init__(self, code: str, message: str, *, field: str = "") -> None:
        super().__init__(code, message)
        self.field = field


@dataclass(frozen=True, slots=True)
class WeeklyHours:
    """Per weekday (Monday=0) the sorted, non-overlapping (start, end) minutes of the day, end <= 24:00."""

    days: tuple[tuple[tuple[int, int], ...], ...]

    def __post_init__(self) -> None:
        if len(self.days) != 7:
            raise BusinessHoursError("hours_invalid", "Business hours need an entry for each of the 7 weekdays.")
        for weekday, intervals in enumerate(self.days):
            _check_day(WEEKDAYS[weekday], intervals)
        if not any(self.days):
            raise BusinessHoursError("hours_empty", "Give business hours on at least one weekday.")

    def as_mapping(self) -> dict[str, list[list[str]]]:
        """The JSON shape stored on a team: {"mon": [["08:00", "16:00"]], ...}."""
        return {
            name: [[_hhmm(start), _hhmm(end)] for start, end in intervals]
            for name, intervals in zip(WEEKDAYS, self.days, strict=True)
        }

    @property
    def minutes_per_week(self) -> int:
        return sum(end - start for intervals in self.days for start, end in intervals)


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _check_day(name: str, intervals: Sequence[tuple[int, int]]) -> None:
    previous_end = -1
    for start, end in intervals:
        if not (0 <= start <= DAY_MINUTES and 0 <= end <= DAY_MINUTES):
            raise BusinessHoursError("hours_out_of_range", f"{name}: times run from 00:00 to 24:00.", field=name)
        if end <= start:
            raise BusinessHoursError(
                "hours_end_before_start", f"{name}: {_hhmm(start)}-{_hhmm(end)} ends before it starts.", field=name
            )
        if start < previous_end:
            raise BusinessHoursError("hours_overlap", f"{name}: the intervals overlap or are not in order.", field=name)
        previous_end = end


def _parse_minutes(value: object, name: str) -> int:
    match = _HHMM.match(value) if isinstance(value, str) else None
    if match is None or (match.group(1) == "24" and match.group(2) != "00"):
        raise BusinessHoursError("hours_invalid", f"{name}: {value!r} is not a time HH:MM (00:00-24:00).", field=name)
    return int(match.group(1)) * 60 + int(match.group(2))


def parse_weekly_hours(raw: object) -> WeeklyHours:
    """{"mon": [["08:00", "12:00"], ["13:00", "17:00"]], ...} -> WeeklyHours; a missing weekday is closed.

    Intervals of a day are sorted first, so only a real overlap is refused. Raises BusinessHoursError with
    code hours_invalid, hours_end_before_start, hours_overlap, hours_out_of_range or hours_empty.
    """
    if not isinstance(raw, Mapping):
        raise BusinessHoursError("hours_invalid", 'Business hours are an object like {"mon": [["08:00", "16:00"]]}.')
    unknown = sorted(str(key) for key in raw if key not in WEEKDAYS)
    if unknown:
        raise BusinessHoursError("hours_invalid", f"Unknown weekdays: {', '.join(unknown)} (use mon..sun).")
    days: list[tuple[tuple[int, int], ...]] = []
    for name in WEEKDAYS:
        entries = raw.get(name) or []
        if not isinstance(entries, Sequence) or isinstance(entries, str):
            raise BusinessHoursError("hours_invalid", f"{name}: a list of [start, end] pairs.", field=name)
        intervals: list[tuple[int, int]] = []
        for entry in entries:
            if not isinstance(entry, Sequence) or isinstance(entry, str) or len(entry) != 2:
                raise BusinessHoursError("hours_invalid", f"{name}: each interval is [start, end].", field=name)
            intervals.append((_parse_minutes(entry[0], name), _parse_minutes(entry[1], name)))
        intervals.sort()
        _check_day(name, intervals)
        days.append(tuple(intervals))
    return WeeklyHours(days=tuple(days))


def zone_named(name: str) -> ZoneInfo:
    """The ZoneInfo for an IANA name; raises BusinessHoursError `unknown_timezone`."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError, TypeError):
        raise BusinessHoursError("unknown_timezone", f"{name!r} is not an IANA time zone.") from None


@dataclass(frozen=True, slots=True)
class BusinessHours:
    """When a team works: weekly hours in `zone`, on the days `calendar` calls business days."""

    zone: ZoneInfo
    weekly: WeeklyHours
    calendar: Calendar

    def _utc(self, day: date, minutes: int) -> datetime:
        # fold=0: a wall time the clock skips maps past the jump, one repeated twice means its first pass.
        local = datetime.combine(day + timedelta(days=minutes // DAY_MINUTES), time(0), tzinfo=self.zone)
        local = local.replace(hour=(minutes % DAY_MINUTES) // 60, minute=minutes % 60)
        return local.astimezone(UTC)

    def open_intervals(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The business intervals (UTC) that end after `start`, in order; raises BusinessHoursError when
        the calendar has no business day for two years."""
        day = start.astimezone(self.zone).date() - timedelta(days=1)
        closed_run = 0
        while True:
            intervals = self.weekly.days[day.weekday()] if self.calendar.is_business_day(day) else ()
            closed_run = 0 if intervals else closed_run + 1
            if closed_run > _MAX_DAYS:
                raise BusinessHoursError("hours_never_open", "No business hours within two years.")
            for begin, end in intervals:
                begin_at, end_at = self._utc(day, begin), self._utc(day, end)
                if end_at > start and end_at > begin_at:
                    yield begin_at, end_at
            day += timedelta(days=1)


def _require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got naive {moment.isoformat()}.")


def add_business_time(start: datetime, duration: timedelta, hours: BusinessHours) -> datetime:
    """The earliest instant (UTC) by which `duration` of business time has passed since `start`.

    A zero duration answers `start` itself; a positive one lands inside business hours or on the end of an
    interval. Raises ValueError for a naive `start` or a negative duration.
    """
    _require_aware(start, "start")
    if duration < timedelta(0):
        raise ValueError("duration must not be negative.")
    start = start.astimezone(UTC)
    if not duration:
        return start
    remaining = duration
    for begin_at, end_at in hours.open_intervals(start):
        segment_start = max(begin_at, start)
        available = end_at - segment_start
        if remaining <= available:
            return segment_start + remaining
        remaining -= available
    raise AssertionError("open_intervals is endless")  # pragma: no cover


def business_time_between(start: datetime, end: datetime, hours: BusinessHours) -> timedelta:
    """The business time from `start` to `end`; negative when `end` is before `start` (time overdue)."""
    _require_aware(start, "start")
    _require_aware(end, "end")
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if end < start:
        return -business_time_between(end, start, hours)
    total = timedelta(0)
    for begin_at, end_at in hours.open_intervals(start):
        if begin_at >= end:
            break
        total += min(end_at, end) - max(begin_at, start)
    return total


_TIMELINE_MARGIN = timedelta(days=7)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def micros(moment: datetime) -> int:
    """An aware instant as whole microseconds since 1970 (as the report figures read a column)."""
    return (moment - _EPOCH) // _MICROSECOND


def _instant(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


class BusinessTimeline:
    """business_time_between for many pairs of instants under one BusinessHours (a page's rows against its
    `now`, a report's durations): the business intervals spanning them are walked once, each answer is then a
    bisection, equal to business_time_between's to the microsecond. The span grows as instants outside it are
    asked (a week's margin each time), or is given up front (`for_days`, a report's window). Where the
    intervals overlap (hours inside a skipped wall-clock hour) each answer is business_time_between's own.

    `minutes_between` answers on instants given as whole microseconds since 1970, with the same table kept in
    integers: a report measures thousands of durations without building an aware datetime for each."""

    def __init__(self, hours: BusinessHours) -> None:
        self.hours = hours
        self._span: tuple[datetime, datetime] | None = None
        self._span_us = (0, -1)  # empty until a span is walked
        self._begins: list[datetime] = []
        self._ends: list[datetime] = []
        self._before: list[timedelta] = []  # business time in the intervals before each one
        self._begins_us: list[int] = []
        self._ends_us: list[int] = []
        self._before_us: list[int] = []
        self._exact_only = False

    @classmethod
    def for_days(cls, hours: BusinessHours, first_on: date, last_on: date) -> BusinessTimeline:
        """A timeline walked up front from the start of `first_on` to the end of `last_on` in the hours' zone."""
        timeline = cls(hours)
        first = datetime.combine(first_on, time.min, tzinfo=hours.zone)
        last = datetime.combine(last_on + timedelta(days=1), time.min, tzinfo=hours.zone)
        timeline._walk(first.astimezone(UTC), last.astimezone(UTC))
        return timeline

    def _walk(self, first: datetime, last: datetime) -> None:
        try:
            self._cover(first, last)
        except BusinessHoursError:
            self._exact_only = True

    def _cover(self, first: datetime, last: datetime) -> None:
        begins: list[datetime] = []
        ends: list[datetime] = []
        before: list[timedelta] = []
        total = timedelta(0)
        for begin_at, end_at in self.hours.open_intervals(first):
            if begin_at >= last:
                break
            if ends and begin_at < ends[-1]:
                self._exact_only = True
                return
            begins.append(begin_at)
            ends.append(end_at)
            before.append(total)
            total += end_at - begin_at
        self._span, self._begins, self._ends, self._before = (first, last), begins, ends, before
        self._span_us = (micros(first), micros(last))
        self._begins_us = [micros(b) for b in begins]
        self._ends_us = [micros(e) for e in ends]
        self._before_us = [b // _MICROSECOND for b in before]

    def _elapsed(self, moment: datetime) -> timedelta:
        # Business time from the first interval's start to `moment`.
        i = bisect_right(self._begins, moment) - 1
        if i < 0:
            return timedelta(0)
        return self._before[i] + min(moment, self._ends[i]) - self._begins[i]

    def between(self, start: datetime, end: datetime) -> timedelta:
        """business_time_between(start, end, self.hours)."""
        _require_aware(start, "start")
        _require_aware(end, "end")
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        if not self._exact_only:
            first, last = min(start, end), max(start, end)
            span = self._span
            if span is None or first < span[0] or last > span[1]:
                if span is not None:
                    # Growing again: a week's margin on the side that grew, so rows in order do not each rewalk.
                    first = min(span[0], first - _TIMELINE_MARGIN if first < span[0] else first)
                    last = max(span[1], last + _TIMELINE_MARGIN if last > span[1] else last)
                self._walk(first, last)
        if self._exact_only:
            return business_time_between(start, end, self.hours)
        return self._elapsed(end) - self._elapsed(start)

    def minutes_between(self, start_us: int, end_us: int) -> float:
        """between() in minutes (as `timedelta.total_seconds() / 60`) of two instants given as whole
        microseconds since 1970: the same number, in integers inside the walked span."""
        first, last = self._span_us
        if self._exact_only or not (first <= start_us <= last and first <= end_us <= last):
            return self.between(_instant(start_us), _instant(end_us)).total_seconds() / 60
        # _elapsed_us twice, inline: a report measures thousands of durations.
        begins, ends, before = self._begins_us, self._ends_us, self._before_us
        i, j = bisect_right(begins, start_us) - 1, bisect_right(begins, end_us) - 1
        at_start = before[i] + (ends[i] if ends[i] < start_us else start_us) - begins[i] if i >= 0 else 0
        at_end = before[j] + (ends[j] if ends[j] < end_us else end_us) - begins[j] if j >= 0 else 0
        return (at_end - at_start) / 1_000_000 / 60


def add_business_minutes(start: datetime, minutes: int, hours: BusinessHours) -> datetime:
    """add_business_time in whole minutes (SLA targets are set in business minutes)."""
    return add_business_time(start, timedelta(minutes=minutes), hours)


def business_minutes_between(start: datetime, end: datetime, hours: BusinessHours) -> int:
    """business_time_between in whole minutes, rounded towards zero."""
    seconds = business_time_between(start, end, hours).total_seconds()
    return int(seconds / 60)
