"""Retry timing and the disable rule of webhook deliveries. Pure: no database."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from partners.integrations.backoff import DisablePolicy, RetryPolicy, next_attempt_at, retry_delay, should_disable

POLICY = RetryPolicy()
T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("attempt", "expected"),
    [(1, timedelta(seconds=30)), (2, timedelta(minutes=1)), (5, timedelta(minutes=8)), (20, timedelta(hours=6))],
    ids=["first retry after 30 s", "doubles", "keeps doubling", "capped at 6 h"],
)
def test_the_delay_doubles_up_to_the_cap(attempt, expected):
    assert retry_delay(attempt, jitter=0.5, policy=POLICY) == expected  # jitter 0.5 is the midpoint: factor 1


@given(attempt=st.integers(min_value=1, max_value=200), jitter=st.floats(min_value=0, max_value=0.999999))
def test_jitter_stays_within_twenty_percent_and_never_past_the_cap(attempt, jitter):
    delay = retry_delay(attempt, jitter=jitter, policy=POLICY)
    plain = min(POLICY.base * 2 ** min(attempt - 1, 32), POLICY.cap)
    assert plain * 0.8 <= delay <= plain * 1.2


def test_a_failing_delivery_is_tried_for_about_three_days_then_given_up():
    now, attempt, attempts = T0, 1, [T0]
    while (
        nxt := next_attempt_at(attempt=attempt, first_attempt_at=T0, now=now, jitter=0.5, policy=POLICY)
    ) is not None:
        now, attempt = nxt, attempt + 1
        attempts.append(now)
    assert timedelta(days=2, hours=18) <= attempts[-1] - T0 <= timedelta(days=3)
    assert 15 <= len(attempts) <= 25


@pytest.mark.parametrize(
    ("failures", "failing_for", "disabled"),
    [
        (9, timedelta(days=2), False),
        (50, timedelta(hours=23), False),
        (10, timedelta(hours=24), True),
    ],
    ids=["too few failures", "a burst within a day", "ten failures over a day"],
)
def test_an_endpoint_is_disabled_after_failing_for_a_day_and_ten_times(failures, failing_for, disabled):
    assert (
        should_disable(consecutive_failures=failures, failing_since=T0, now=T0 + failing_for, policy=DisablePolicy())
        is disabled
    )


def test_an_endpoint_that_never_failed_is_not_disabled():
    assert not should_disable(consecutive_failures=0, failing_since=None, now=T0, policy=DisablePolicy())
