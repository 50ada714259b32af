"""docs/rules.md rule 4: the 8-day rescheduling rule in site-local calendar dates. Pure: no database, no clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dispatch.rescheduling import free_window_closes_at, reschedule_terms
from husky_support.calendar import UnknownTimezone

CPH = "Europe/Copenhagen"
NYC = "America/New_York"

# (visit start, agreed at, zone, days_before, free): ISO instants with the site's offset.
CASES = [
    pytest.param("2025-06-20T09:00+02:00", "2025-06-12T23:59:59+02:00", CPH, 8, True, id="8-days-last-second-free"),
    pytest.param("2025-06-20T09:00+02:00", "2025-06-12T00:00:00+02:00", CPH, 8, True, id="8-days-first-second-free"),
    pytest.param("2025-06-20T09:00+02:00", "2025-06-13T00:00:00+02:00", CPH, 7, False, id="7-days-fee"),
    pytest.param("2025-06-20T09:00+02:00", "2025-06-01T12:00:00+02:00", CPH, 19, True, id="weeks-ahead-free"),
    pytest.param("2025-06-20T09:00+02:00", "2025-06-20T08:00:00+02:00", CPH, 0, False, id="same-day-fee"),
    pytest.param("2025-06-20T09:00+02:00", "2025-06-21T08:00:00+02:00", CPH, -1, False, id="after-start-fee"),
    pytest.param(
        "2025-11-03T08:00+01:00", "2025-10-25T23:30:00+02:00", CPH, 9, True, id="copenhagen-night-before-dst-ends"
    ),
    # Agreed at 23:30 on the day DST ended: only 7 days 8.5 hours elapse, but the dates are 8 apart.
    pytest.param(
        "2025-11-03T08:00+01:00", "2025-10-26T23:30:00+01:00", CPH, 8, True, id="copenhagen-dst-ends-8-dates-free"
    ),
    pytest.param(
        "2025-11-03T08:00+01:00", "2025-10-27T00:00:00+01:00", CPH, 7, False, id="copenhagen-after-dst-7-dates-fee"
    ),
    # In UTC the agreement is already on 2 November (7 days), locally still 1 November (8 days).
    pytest.param(
        "2025-11-09T08:00-05:00", "2025-11-01T23:30:00-04:00", NYC, 8, True, id="new-york-night-before-dst-ends"
    ),
    pytest.param(
        "2025-03-17T08:00-04:00", "2025-03-09T00:30:00-05:00", NYC, 8, True, id="new-york-spring-forward-night"
    ),
    pytest.param(
        "2025-03-17T08:00-04:00", "2025-03-10T00:00:00-04:00", NYC, 7, False, id="new-york-after-spring-forward"
    ),
]


@pytest.mark.parametrize(("start", "agreed", "zone", "days_before", "free"), CASES)
def test_reschedule_terms(start: str, agreed: str, zone: str, days_before: int, free: bool) -> None:
    visit_start_at = datetime.fromisoformat(start)
    terms = reschedule_terms(visit_start_at, datetime.fromisoformat(agreed).astimezone(UTC), zone)
    assert terms.days_before == days_before
    assert terms.free is free
    assert terms.fee_applies is not free
    assert terms.free_until_on == visit_start_at.date() - timedelta(days=8)


@pytest.mark.parametrize(
    ("start", "zone", "closes"),
    [
        pytest.param("2025-06-20T09:00+02:00", CPH, "2025-06-12T22:00:00+00:00", id="copenhagen-summer"),
        pytest.param("2025-11-03T08:00+01:00", CPH, "2025-10-26T23:00:00+00:00", id="copenhagen-after-dst-ends"),
        pytest.param("2025-04-02T08:00+02:00", CPH, "2025-03-25T23:00:00+00:00", id="copenhagen-before-dst-starts"),
        # Santiago skips local midnight when DST starts: the day begins at the transition, 04:00 UTC.
        pytest.param("2024-09-15T09:00-03:00", "America/Santiago", "2024-09-08T04:00:00+00:00", id="santiago-gap"),
        # Samoa skipped 30 December 2011 altogether.
        pytest.param("2012-01-06T09:00+14:00", "Pacific/Apia", "2011-12-30T10:00:00+00:00", id="apia-skipped-day"),
    ],
)
def test_free_window_closes_at(start: str, zone: str, closes: str) -> None:
    closes_at = free_window_closes_at(datetime.fromisoformat(start), zone)
    assert closes_at.isoformat() == closes
    assert closes_at.tzinfo is UTC


def test_bad_input() -> None:
    start = datetime(2025, 6, 20, 7, tzinfo=UTC)
    with pytest.raises(ValueError, match="agreed_at"):
        reschedule_terms(start, datetime(2025, 6, 1), CPH)
    with pytest.raises(ValueError, match="visit_start_at"):
        free_window_closes_at(datetime(2025, 6, 20, 9), CPH)
    with pytest.raises(UnknownTimezone):
        reschedule_terms(start, start, "Atlantis/Capital")


ZONES = [CPH, NYC, "America/Santiago", "Pacific/Apia", "Asia/Beirut", "Australia/Lord_Howe", "Pacific/Auckland", "UTC"]
instants = st.datetimes(datetime(2005, 1, 1), datetime(2035, 1, 1), timezones=st.just(UTC))


@settings(max_examples=300, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    visit_start_at=instants,
    before=st.one_of(
        st.timedeltas(timedelta(days=6), timedelta(days=10)), st.timedeltas(timedelta(days=-2), timedelta(days=30))
    ),
)
def test_free_exactly_before_the_window_closes(zone: str, visit_start_at: datetime, before: timedelta) -> None:
    agreed_at = visit_start_at - before
    terms = reschedule_terms(visit_start_at, agreed_at, zone)
    assert terms.free is (agreed_at < free_window_closes_at(visit_start_at, zone))
    assert terms.free is (terms.days_before >= 8)


@settings(max_examples=200, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    visit_start_at=instants,
    agreed_at=instants,
    delay=st.timedeltas(timedelta(0), timedelta(days=3)),
)
def test_agreeing_later_never_makes_it_cheaper(
    zone: str, visit_start_at: datetime, agreed_at: datetime, delay: timedelta
) -> None:
    earlier = reschedule_terms(visit_start_at, agreed_at, zone)
    later = reschedule_terms(visit_start_at, agreed_at + delay, zone)
    assert later.days_before <= earlier.days_before
    assert later.free <= earlier.free
    assert later.free_until_on == earlier.free_until_on


def test_free_until_is_a_site_local_date() -> None:
    # 23:30 UTC on 19 June is already 20 June in Copenhagen.
    terms = reschedule_terms(datetime(2025, 6, 19, 23, 30, tzinfo=UTC), datetime(2025, 6, 1, tzinfo=UTC), CPH)
    assert terms.free_until_on == date(2025, 6, 12)
