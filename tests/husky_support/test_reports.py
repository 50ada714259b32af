"""The pure values of the reports: the period in the viewer's zone, the comparison, the age thresholds, the bars.
No database mark: a query would fail these tests."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from husky_support.calendar import business_calendar
from husky_support.reports import (
    AGE_BUCKETS,
    BusinessTimeline,
    Headline,
    Period,
    Ratio,
    ReportInputError,
    Table,
    age_thresholds,
    bar_keys,
    bars,
    columns,
    parse_period,
)

TODAY = date(2026, 3, 10)  # a Tuesday
CPH = "Europe/Copenhagen"


def period(**params: str) -> Period:
    return parse_period(params, zone=CPH, today=TODAY)


@pytest.mark.parametrize(
    ("params", "start", "end"),
    [
        pytest.param({}, date(2026, 2, 9), TODAY, id="default: last 30 days up to today"),
        pytest.param({"period": "7d"}, date(2026, 3, 4), TODAY, id="last 7 days"),
        pytest.param({"period": "90d"}, date(2025, 12, 11), TODAY, id="last 90 days"),
        pytest.param({"period": "quarter", "quarter": "2026Q1"}, date(2026, 1, 1), date(2026, 3, 31), id="Q1"),
        pytest.param({"period": "quarter", "quarter": "2025-q4"}, date(2025, 10, 1), date(2025, 12, 31), id="Q4"),
        pytest.param({"from": "2026-03-01", "to": "2026-03-10"}, date(2026, 3, 1), TODAY, id="from-to"),
        pytest.param(
            {"period": "custom", "from": "2024-03-11", "to": "2026-03-10"},
            date(2024, 3, 11),
            TODAY,
            id="exactly two years",
        ),
    ],
)
def test_periods(params, start, end):
    p = period(**params)
    assert (p.start_on, p.end_on) == (start, end)


@pytest.mark.parametrize(
    ("params", "code"),
    [
        pytest.param({"period": "week"}, "invalid_period", id="unknown preset"),
        pytest.param({"period": "quarter", "quarter": "2026Q5"}, "invalid_quarter", id="no fifth quarter"),
        pytest.param(
            {"period": "custom", "from": "2026-03-10", "to": "2026-03-01"},
            "period_reversed",
            id="ends before it starts",
        ),
        pytest.param(
            {"period": "custom", "from": "2024-03-10", "to": "2026-03-10"}, "period_too_long", id="two years and a day"
        ),
        pytest.param({"period": "custom", "from": "2026-02-30", "to": "2026-03-10"}, "invalid_date", id="30 Feb"),
        pytest.param({"period": "custom", "to": "2026-03-10"}, "invalid_date", id="no start"),
        pytest.param(
            {"period": "custom", "from": "0001-01-01", "to": "0001-01-02"},
            "date_out_of_range",
            id="year 1 has no previous period",
        ),
        pytest.param(
            {"period": "custom", "from": "9999-12-30", "to": "9999-12-31"},
            "date_out_of_range",
            id="9999 has no next midnight",
        ),
        pytest.param({"period": "quarter", "quarter": "1999Q4"}, "date_out_of_range", id="quarter before 2000"),
    ],
)
def test_bad_periods_are_refused_with_a_code(params, code):
    with pytest.raises(ReportInputError) as refused:
        period(**params)
    assert refused.value.code == code
    assert not refused.value.hidden


def test_days_end_at_the_viewers_midnight_and_the_previous_period_has_the_same_length():
    p = period(period="custom", **{"from": "2026-03-01", "to": "2026-03-10"})
    assert p.start_at.astimezone(UTC) == datetime(2026, 2, 28, 23, 0, tzinfo=UTC)
    assert p.end_at.astimezone(UTC) == datetime(2026, 3, 10, 23, 0, tzinfo=UTC)
    previous = p.previous()
    assert (previous.start_on, previous.end_on, previous.days) == (date(2026, 2, 19), date(2026, 2, 28), 10)
    tokyo = Period(start_on=p.start_on, end_on=p.end_on, zone="Asia/Tokyo")
    assert tokyo.end_at.astimezone(UTC) == datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


def test_a_period_gives_its_query_back():
    for params in (
        {"period": "7d"},
        {"period": "quarter", "quarter": "2026Q1"},
        {"period": "custom", "from": "2026-03-01", "to": "2026-03-10"},
    ):
        assert period(**params).as_params() == params


def test_an_unknown_zone_is_refused():
    with pytest.raises(ReportInputError) as refused:
        parse_period({}, zone="Mars/Olympus", today=TODAY)
    assert refused.value.code == "unknown_timezone"


@pytest.mark.parametrize(
    ("value", "previous", "higher", "change", "trend", "text"),
    [
        pytest.param(5, 3, False, 2, "worse", "+2", id="more backlog is worse"),
        pytest.param(Ratio(3, 4), Ratio(1, 2), True, 25.0, "better", "+25 pts", id="more met is better"),
        pytest.param(Ratio(3, 4), Ratio(0, 0), True, None, "same", "no comparison", id="nothing due before"),
        pytest.param(4, 4, False, 0, "same", "no change", id="unchanged"),
    ],
)
def test_the_comparison_with_the_previous_period(value, previous, higher, change, trend, text):
    headline = Headline(value=value, previous=previous, unit="cases", higher_is_better=higher)
    assert (headline.change, headline.trend, headline.change_text) == (change, trend, text)


def test_a_ratio_counts_what_it_is_a_share_of():
    assert (str(Ratio(3, 4)), Ratio(3, 4).percent, str(Ratio(0, 0))) == ("75 %", 75.0, "–")
    assert Headline(value=Ratio(3, 4), previous=Ratio(0, 0), unit="cases").count == 4


def test_business_day_age_thresholds_skip_the_weekend_and_holidays():
    danish = business_calendar("DK")
    # Tuesday 10 March 2026: 1 business day back is Tuesday itself, 2 Monday, 3 the Friday before the weekend.
    thresholds = age_thresholds(TODAY, danish.is_business_day, [n for _label, n in AGE_BUCKETS])
    assert thresholds[2] == date(2026, 3, 9)
    assert thresholds[4] == date(2026, 3, 5)
    # Opened on Friday 6 March: before Monday (threshold 2), not before Friday 5 -> 2-3 business days.
    assert date(2026, 3, 6) < thresholds[2]
    assert not date(2026, 3, 6) < thresholds[4]
    # Easter 2026 (Maundy Thursday 2 April to Easter Monday 6 April) is closed in Denmark.
    assert age_thresholds(date(2026, 4, 7), danish.is_business_day, [2])[2] == date(2026, 4, 1)


def test_bars_scale_to_the_largest_and_pair_met_inside_due():
    single = Table(key="k", title="t", columns=("Cases",), rows=(("a", (2,)), ("b", (1,)), ("c", (0,))))
    assert [b.share for b in bars(single)] == [100.0, 50.0, 0.0]
    assert bars(Table(key="k", title="t", columns=("Cases",), rows=(("a", (0,)),)))[0].share == 0.0
    paired = Table(key="k", title="t", columns=("Due", "Met"), rows=(("P1", (4, 3)), ("P2", (2, 2))))
    assert [(b.share, b.inner_share) for b in bars(paired)] == [(100.0, 75.0), (50.0, 50.0)]


def test_columns_share_one_scale():
    chart = columns(Table(key="f", title="t", columns=("Opened", "Resolved"), rows=(("1", (2, 0)), ("2", (1, 1)))))
    assert chart.largest == 2
    assert [(r.height, r.y) for r in chart.rects] == [(100.0, 0.0), (0.0, 100.0), (50.0, 50.0), (50.0, 50.0)]


NBD = ("Met", "Missed", "Missed on the customer's side", "Raw %", "Adjusted %")


def test_a_share_is_charted_alone_on_a_scale_of_100():
    # Counts and shares on one bar would compare a count of misses with a percentage: the chart draws the share.
    by_country = Table(
        key="c", title="t", columns=NBD, rows=(("DK", (1, 2, 1, 33, 50)), ("SA", (0, 1, 0, 0, 0))), chart_columns=(3,)
    )
    by_country = replace(by_country, chart_scale=100)
    assert [(b.value, b.share, b.inner_share) for b in bars(by_country)] == [(33, 33.0, None), (0, 0.0, None)]
    assert bar_keys(by_country) == ("",) * 5  # one bar: its header says what it is
    month = Table(
        key="m", title="t", columns=NBD, rows=(("Nov", (0, 1, 0, 0, 0)), ("Dec", (1, 2, 1, 33, 50))), chart="columns"
    )
    chart = columns(replace(month, chart_columns=(3, 4), chart_scale=100))
    assert [name for name, _colour in chart.series] == ["Raw %", "Adjusted %"]
    assert chart.largest == 100
    assert [r.height for r in chart.rects] == [0.0, 0.0, 33.0, 50.0]


def test_the_header_keys_follow_the_charted_pair():
    times = Table(key="t", title="t", columns=("Median", "90th percentile", "Transfers"), rows=(("All", (2, 5, 9)),))
    # The 90th percentile is the whole, the median the part inside it.
    swapped = replace(times, chart_columns=(1, 0))
    assert [(b.value, b.share, b.inner_share) for b in bars(swapped)] == [(5, 100.0, 40.0)]
    assert bar_keys(swapped) == ("#0072B2", "#56B4E9", "")
    assert bar_keys(times) == ("#56B4E9", "#0072B2", "")


def test_a_business_timeline_agrees_with_business_time_between():
    from zoneinfo import ZoneInfo

    from husky_support.business_hours import BusinessHours, business_time_between, parse_weekly_hours

    hours = BusinessHours(
        zone=ZoneInfo(CPH),
        weekly=parse_weekly_hours(
            {d: [["08:00", "12:00"], ["13:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
        ),
        calendar=business_calendar("DK"),
    )
    timeline = BusinessTimeline.for_days(hours, date(2026, 3, 1), date(2026, 4, 30))
    friday_afternoon = datetime(2026, 3, 6, 15, 30, tzinfo=UTC)
    for end in (
        datetime(2026, 3, 9, 8, 0, tzinfo=UTC),  # across the weekend
        datetime(2026, 4, 7, 12, 30, tzinfo=UTC),  # across Easter and the summer-time change
        datetime(2026, 5, 20, 9, 0, tzinfo=UTC),  # past the window: measured directly
    ):
        assert timeline.between(friday_afternoon, end) == business_time_between(friday_afternoon, end, hours)
    assert timeline.between(friday_afternoon, friday_afternoon + timedelta(hours=1)) == timedelta(minutes=30)


@pytest.mark.parametrize(
    ("values", "share", "expected"),
    [([], 0.5, None), ([7], 0.9, 7), ([1, 2, 3, 4], 0.5, 2), ([3, 1, 2], 0.5, 2), (list(range(1, 11)), 0.9, 9)],
)
def test_nearest_rank_percentiles(values, share, expected):
    from husky_support.reports import percentile

    assert percentile(values, share) == expected


def test_a_median_compares_in_minutes():
    from husky_support.reports import Median

    headline = Headline(value=Median(minutes=125, count=4), previous=Median(minutes=60, count=2), unit="dispatches")
    assert (str(headline.value), headline.count, headline.change, headline.trend) == ("2 h 05 min", 4, 65, "worse")
    assert headline.change_text == "+1 h 05 min"


def _hours_of(weekly):
    from zoneinfo import ZoneInfo

    from husky_support.business_hours import BusinessHours, parse_weekly_hours

    return BusinessHours(zone=ZoneInfo(CPH), weekly=parse_weekly_hours(weekly), calendar=business_calendar("DK"))


OFFICE = _hours_of({d: [["08:00", "12:00"], ["13:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")})
ROUND_THE_CLOCK_SATURDAYS = _hours_of({"sat": [["00:00", "24:00"]], "mon": [["22:00", "24:00"]]})
TIMELINES = {
    id(h): BusinessTimeline.for_days(h, date(2026, 3, 1), date(2026, 11, 30))
    for h in (OFFICE, ROUND_THE_CLOCK_SATURDAYS)
}


@given(
    hours=st.sampled_from([OFFICE, ROUND_THE_CLOCK_SATURDAYS]),
    start=st.datetimes(min_value=datetime(2026, 2, 20), max_value=datetime(2026, 12, 10), timezones=st.just(UTC)),
    span=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=40)),
)
def test_the_timeline_is_business_time_between(hours, start, span):
    """Property: inside the window, across DST changes and holidays, or past it, the same business time."""
    from husky_support.business_hours import business_time_between

    assert TIMELINES[id(hours)].between(start, start + span) == business_time_between(start, start + span, hours)
