"""The business timeline's integer path (instants as microseconds since 1970, as the report figures read them)
gives the very minutes of its datetime path, inside its window, across DST changes and holidays, or past it."""

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from husky_support.reports import micros
from tests.husky_support.test_reports import OFFICE, TIMELINES

FORTY_DAYS_US = 40 * 24 * 3600 * 1_000_000


@given(
    st.sampled_from(sorted(TIMELINES.items())),
    st.datetimes(min_value=datetime(2026, 2, 20), max_value=datetime(2026, 12, 10), timezones=st.just(UTC)),
    st.integers(min_value=0, max_value=FORTY_DAYS_US),
)
def test_minutes_between_microseconds_is_between(timeline_of, start, span_us):
    timeline = timeline_of[1]
    end = start + timedelta(microseconds=span_us)
    assert timeline.minutes_between(micros(start), micros(end)) == timeline.between(start, end).total_seconds() / 60


def test_an_instant_at_local_midnight_belongs_to_its_day():
    # 30 March 2026 00:00 in Copenhagen (22:00 UTC the day before, the first Monday after the summer-time change)
    timeline = TIMELINES[id(OFFICE)]
    midnight = datetime(2026, 3, 29, 22, 0, tzinfo=UTC)
    for start, end in ((midnight, midnight + timedelta(hours=12)), (midnight - timedelta(microseconds=1), midnight)):
        assert timeline.minutes_between(micros(start), micros(end)) == timeline.between(start, end).total_seconds() / 60
