"""The business timeline's integer path (instants as microseconds since 1970, as the report figures read them)
gives the very minutes of its datetime path, inside its window, across DST changes and holidays, or past it."""

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from husky_support.reports import BusinessTimeline, micros
from tests.husky_support.test_reports import OFFICE, ROUND_THE_CLOCK_SATURDAYS

TIMELINES = {
    id(h): BusinessTimeline(h, date(2026, 3, 1), date(2026, 11, 30)) for h in (OFFICE, ROUND_THE_CLOCK_SATURDAYS)
}


@given(
    hours=st.sampled_from([OFFICE, ROUND_THE_CLOCK_SATURDAYS]),
    start=st.datetimes(min_value=datetime(2026, 2, 20), max_value=datetime(2026, 12, 10), timezones=st.just(UTC)),
    span=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=40)),
)
def test_minutes_between_microseconds_is_between(hours, start, span):
    timeline = TIMELINES[id(hours)]
    expected = timeline.between(start, start + span).total_seconds() / 60
    assert timeline.minutes_between(micros(start), micros(start + span)) == expected


def test_an_instant_at_local_midnight_belongs_to_its_day():
    # 30 March 2026 00:00 in Copenhagen (22:00 UTC the day before, the first Monday after the summer-time change)
    timeline = TIMELINES[id(OFFICE)]
    midnight = datetime(2026, 3, 29, 22, 0, tzinfo=UTC)
    for start, end in ((midnight, midnight + timedelta(hours=12)), (midnight - timedelta(microseconds=1), midnight)):
        assert timeline.minutes_between(micros(start), micros(end)) == timeline.between(start, end).total_seconds() / 60
