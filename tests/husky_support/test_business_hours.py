"""Business-hours arithmetic (husky_support.business_hours). Pure: no database mark, so any query fails."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from husky_support.business_hours import (
    WEEKDAYS,
    BusinessHours,
    BusinessHoursError,
    BusinessTimeline,
    add_business_minutes,
    add_business_time,
    business_minutes_between,
    business_time_between,
    parse_weekly_hours,
)

CPH = ZoneInfo("Europe/Copenhagen")
NY = ZoneInfo("America/New_York")
SG = ZoneInfo("Asia/Singapore")


@dataclass(frozen=True)
class Holidays:
    closed: frozenset[date] = frozenset()

    def is_business_day(self, day: date) -> bool:
        return day not in self.closed


OFFICE = {day: [["08:00", "16:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
SPLIT = {day: [["13:00", "17:00"], ["08:00", "12:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
ALWAYS = {day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
CHRISTMAS = frozenset({date(2026, 12, 24), date(2026, 12, 25), date(2026, 12, 26)})


def hours(weekly=OFFICE, zone=CPH, closed=frozenset()):
    return BusinessHours(zone=zone, weekly=parse_weekly_hours(weekly), calendar=Holidays(frozenset(closed)))


def at(zone, *args):
    return datetime(*args, tzinfo=zone)


@pytest.mark.parametrize(
    ("label", "start", "minutes", "bh", "expected"),
    [
        ("within one day", at(CPH, 2026, 12, 1, 9, 0), 60, hours(), at(CPH, 2026, 12, 1, 10, 0)),
        ("exactly to closing", at(CPH, 2026, 12, 1, 15, 0), 60, hours(), at(CPH, 2026, 12, 1, 16, 0)),
        ("overnight", at(CPH, 2026, 12, 1, 15, 0), 120, hours(), at(CPH, 2026, 12, 2, 9, 0)),
        ("opened at night starts at opening", at(CPH, 2026, 12, 1, 22, 0), 30, hours(), at(CPH, 2026, 12, 2, 8, 30)),
        ("Friday evening to Monday", at(CPH, 2026, 12, 4, 15, 30), 60, hours(), at(CPH, 2026, 12, 7, 8, 30)),
        ("Saturday to Monday", at(CPH, 2026, 12, 5, 11, 0), 240, hours(), at(CPH, 2026, 12, 7, 12, 0)),
        ("lunch break skipped", at(CPH, 2026, 12, 1, 11, 30), 60, hours(SPLIT), at(CPH, 2026, 12, 1, 13, 30)),
        (
            "Christmas holidays skipped",
            at(CPH, 2026, 12, 23, 15, 0),
            120,
            hours(closed=CHRISTMAS),
            at(CPH, 2026, 12, 28, 9, 0),
        ),
        ("New York team", at(NY, 2026, 12, 1, 15, 0), 120, hours(zone=NY), at(NY, 2026, 12, 2, 9, 0)),
        ("Singapore team", at(UTC, 2026, 12, 1, 9, 0), 60, hours(zone=SG), at(SG, 2026, 12, 2, 9, 0)),
        ("zero minutes", at(CPH, 2026, 12, 5, 11, 0), 0, hours(), at(CPH, 2026, 12, 5, 11, 0)),
        # Spring forward (29 March 2026, 02:00 -> 03:00): a round-the-clock day has 23 hours.
        ("DST spring night", at(CPH, 2026, 3, 29, 0, 0), 23 * 60, hours(ALWAYS), at(CPH, 2026, 3, 30, 0, 0)),
        # Fall back (25 October 2026): 25 hours.
        ("DST autumn night", at(CPH, 2026, 10, 25, 0, 0), 24 * 60, hours(ALWAYS), at(CPH, 2026, 10, 25, 23, 0)),
        # An office day on a DST Monday (US: 8 March 2026) still has 8 hours.
        ("DST in New York", at(NY, 2026, 3, 6, 15, 0), 120, hours(zone=NY), at(NY, 2026, 3, 9, 9, 0)),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_add_business_minutes(label, start, minutes, bh, expected):
    assert add_business_minutes(start, minutes, bh) == expected
    assert business_minutes_between(start, expected, bh) == minutes


@pytest.mark.parametrize(
    ("label", "start", "end", "expected_minutes"),
    [
        ("a working day", at(CPH, 2026, 12, 1, 0, 0), at(CPH, 2026, 12, 2, 0, 0), 480),
        ("a whole week", at(CPH, 2026, 11, 30, 0, 0), at(CPH, 2026, 12, 7, 0, 0), 5 * 480),
        ("a weekend", at(CPH, 2026, 12, 4, 16, 0), at(CPH, 2026, 12, 7, 8, 0), 0),
        ("overdue is negative", at(CPH, 2026, 12, 1, 10, 0), at(CPH, 2026, 12, 1, 9, 0), -60),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_business_minutes_between(label, start, end, expected_minutes):
    assert business_minutes_between(start, end, hours()) == expected_minutes


@pytest.mark.parametrize(
    ("label", "weekly", "code", "field"),
    [
        ("ends before it starts", {"mon": [["16:00", "08:00"]]}, "hours_end_before_start", "mon"),
        ("empty interval", {"tue": [["08:00", "08:00"]]}, "hours_end_before_start", "tue"),
        ("overlap", {"wed": [["08:00", "12:00"], ["11:00", "17:00"]]}, "hours_overlap", "wed"),
        ("not a time", {"thu": [["8am", "17:00"]]}, "hours_invalid", "thu"),
        ("past midnight", {"fri": [["08:00", "24:30"]]}, "hours_invalid", "fri"),
        ("unknown weekday", {"funday": [["08:00", "16:00"]]}, "hours_invalid", ""),
        ("no hours at all", {"mon": []}, "hours_empty", ""),
        ("not an object", [["08:00", "16:00"]], "hours_invalid", ""),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_bad_weekly_hours_are_refused_with_a_code(label, weekly, code, field):
    with pytest.raises(BusinessHoursError) as refused:
        parse_weekly_hours(weekly)
    assert (refused.value.code, refused.value.field) == (code, field)


def test_weekly_hours_round_trip_through_their_stored_shape():
    parsed = parse_weekly_hours(SPLIT)
    assert parse_weekly_hours(parsed.as_mapping()) == parsed
    assert parsed.as_mapping()["mon"] == [["08:00", "12:00"], ["13:00", "17:00"]]
    assert parsed.minutes_per_week == 5 * 8 * 60


def test_a_calendar_that_never_opens_is_an_error_not_a_hang():
    never = BusinessHours(zone=CPH, weekly=parse_weekly_hours(OFFICE), calendar=NeverOpen())
    with pytest.raises(BusinessHoursError) as refused:
        add_business_minutes(at(CPH, 2026, 12, 1, 9, 0), 1, never)
    assert refused.value.code == "hours_never_open"


class NeverOpen:
    def is_business_day(self, day: date) -> bool:
        return False


def test_naive_instants_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        add_business_minutes(datetime(2026, 12, 1, 9, 0), 10, hours())  # noqa: DTZ001 - the point of the test


# --- Properties ----------------------------------------------------------------------------------------

ZONES = st.sampled_from([CPH, NY, SG, ZoneInfo("Australia/Sydney"), ZoneInfo("America/Sao_Paulo")])
WEEKLIES = st.sampled_from([OFFICE, SPLIT, ALWAYS, {"sat": [["09:00", "10:30"]], "sun": [["22:00", "24:00"]]}])
# 2026 spans both DST changes in Europe, North America and Australia.
INSTANTS = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC))
DURATIONS = st.integers(min_value=0, max_value=5 * 24 * 60).map(lambda m: timedelta(minutes=m))
HOLIDAY_SETS = st.frozensets(st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 1, 31)), max_size=40)


@st.composite
def business_hours(draw):
    return hours(weekly=draw(WEEKLIES), zone=draw(ZONES), closed=draw(HOLIDAY_SETS))


@given(bh=business_hours(), start=INSTANTS, a=DURATIONS, b=DURATIONS)
def test_adding_is_monotone(bh, start, a, b):
    low, high = sorted((a, b))
    assert add_business_time(start, low, bh) <= add_business_time(start, high, bh)


@given(bh=business_hours(), start=INSTANTS, a=DURATIONS, b=DURATIONS)
def test_adding_is_additive(bh, start, a, b):
    assert add_business_time(add_business_time(start, a, bh), b, bh) == add_business_time(start, a + b, bh)


@given(bh=business_hours(), start=INSTANTS, duration=DURATIONS)
def test_between_undoes_add(bh, start, duration):
    assert business_time_between(start, add_business_time(start, duration, bh), bh) == duration


@given(bh=business_hours(), start=INSTANTS, duration=DURATIONS)
def test_never_lands_outside_business_hours_nor_on_a_holiday(bh, start, duration):
    assume(duration > timedelta(0))
    due = add_business_time(start, duration, bh)
    local = due.astimezone(bh.zone)
    # The due instant closes some business interval or sits inside one: the instant just before it is open.
    just_before = (due - timedelta(microseconds=1)).astimezone(bh.zone)
    assert bh.calendar.is_business_day(just_before.date())
    minute = just_before.hour * 60 + just_before.minute
    assert any(begin <= minute < end for begin, end in bh.weekly.days[just_before.weekday()]), local


@given(bh=business_hours(), start=INSTANTS, mid=INSTANTS, end=INSTANTS)
def test_between_is_additive_over_a_midpoint(bh, start, mid, end):
    start, mid, end = sorted((start, mid, end))
    assume(end - start < timedelta(days=120))
    whole = business_time_between(start, end, bh)
    assert whole == business_time_between(start, mid, bh) + business_time_between(mid, end, bh)
    assert whole >= timedelta(0)


# Hours inside the spring-forward hour (02:00-03:00 in Copenhagen, 29 March 2026) overlap the next interval
# in UTC: the timeline must answer what business_time_between answers there too.
SKIPPED_HOUR = {day: [["01:00", "02:30"], ["03:00", "04:00"], ["09:00", "17:00"]] for day in WEEKDAYS}


@given(
    bh=st.one_of(business_hours(), st.builds(lambda z: hours(weekly=SKIPPED_HOUR, zone=z), ZONES)),
    now=INSTANTS,
    others=st.lists(INSTANTS, min_size=1, max_size=12),
)
def test_a_timeline_answers_what_business_time_between_answers(bh, now, others):
    """The queue's rows ask one BusinessTimeline for their time left against the page's `now`, in any order."""
    assume(all(abs(other - now) < timedelta(days=120) for other in others))
    timeline = BusinessTimeline(bh)
    for other in others:
        assert timeline.between(now, other) == business_time_between(now, other, bh)
        assert timeline.between(other, now) == business_time_between(other, now, bh)


def test_a_timeline_of_a_calendar_that_never_opens_is_the_same_error():
    never = BusinessHours(zone=CPH, weekly=parse_weekly_hours(OFFICE), calendar=NeverOpen())
    with pytest.raises(BusinessHoursError):
        BusinessTimeline(never).between(at(CPH, 2026, 12, 1, 9, 0), at(CPH, 2026, 12, 2, 9, 0))


@pytest.mark.parametrize("weekly", [OFFICE, SKIPPED_HOUR, ALWAYS])
def test_a_timeline_across_both_clock_changes(weekly):
    bh = hours(weekly=weekly)
    timeline = BusinessTimeline(bh)
    now = at(CPH, 2026, 3, 28, 12, 0)
    for other in [at(CPH, 2026, 3, 30, 12, 0), at(CPH, 2026, 3, 20, 8, 30), at(CPH, 2026, 10, 26, 9, 0), now]:
        assert timeline.between(now, other) == business_time_between(now, other, bh)
        assert timeline.between(other, now) == business_time_between(other, now, bh)
