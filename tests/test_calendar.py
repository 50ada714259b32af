"""docs/rules.md rule 1 (next business day) and the geo helpers. Pure: no database, no clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from husky_support.calendar import (
    CalendarError,
    OverriddenCalendar,
    UnknownCountry,
    UnknownSubdivision,
    UnknownTimezone,
    business_calendar,
    business_days_between,
    is_business_day,
    nbd_target,
    next_business_day,
    received_on,
)
from husky_support.domain import DomainError, ErrorKind
from husky_support.geo import (
    all_country_codes,
    countries_by_name,
    country_name,
    single_timezone_for_country,
    timezone_fits_country,
    timezones_for_country,
)

FIVE_PM = time(17, 0)

# ~40 countries on every continent, including Friday-Saturday weekends (SA, QA, KW, IL, EG) and
# countries with many zones (US, RU, BR, AU); each is paired with every one of its zones.
# fmt: off
COUNTRIES = [
    "DK", "DE", "US", "GB", "FR", "NL", "SE", "NO", "FI", "ES", "IT", "PT", "PL", "CZ", "AT", "CH", "BE",
    "IE", "CA", "MX", "BR", "AR", "CL", "AU", "NZ", "JP", "KR", "SG", "IN", "ZA", "AE", "SA", "QA", "KW",
    "IL", "EG", "TR", "RU", "CN", "ID",
]
# fmt: on
SITES: list[tuple[str, str | None, str]] = [
    (country, None, zone) for country in COUNTRIES for zone in timezones_for_country(country)
] + [
    ("US", "US-MA", "America/New_York"),
    ("US", "US-HI", "Pacific/Honolulu"),
    ("DE", "DE-BY", "Europe/Berlin"),
    ("AU", "AU-NSW", "Australia/Sydney"),
    ("CA", "CA-QC", "America/Toronto"),
    ("ES", "ES-CT", "Europe/Madrid"),
    ("CH", "CH-ZH", "Europe/Zurich"),
    ("IN", "IN-MH", "Asia/Kolkata"),
]

moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC))
cutoffs = st.sampled_from([FIVE_PM, time(16, 30), time(12, 0), time(0, 0), time(23, 59, 59)])
later_by = st.one_of(
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(seconds=120)),
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3)),
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=40)),
)
PROPERTY = settings(max_examples=250, deadline=None)


def _at(local: str, zone: str) -> datetime:
    """A site-local wall-clock reading ("2025-03-26 16:59:59") as an aware instant."""
    return datetime.fromisoformat(local).replace(tzinfo=ZoneInfo(zone))


# --- properties -------------------------------------------------------------------------------


@PROPERTY
@given(site=st.sampled_from(SITES), qualified_at=moments, cutoff=cutoffs)
def test_target_is_a_later_business_day_with_none_skipped(
    site: tuple[str, str | None, str], qualified_at: datetime, cutoff: time
) -> None:
    country, subdivision, zone = site
    cal = business_calendar(country, subdivision)
    result = nbd_target(qualified_at, zone, business_calendar(country, subdivision), cutoff)
    local_day = qualified_at.astimezone(ZoneInfo(zone)).date()

    assert is_business_day(result.target_on, cal)
    assert is_business_day(result.received_on, cal)
    assert result.received_on >= local_day
    assert result.target_on > local_day
    assert result.target_on > result.received_on
    assert list(business_days_between(result.received_on, result.target_on, cal)) == []
    # Received on the local day exactly when that day is a business day and it is before the cut-off.
    same_day = is_business_day(local_day, cal) and result.site_local_qualified_at.time() < cutoff
    assert (result.received_on == local_day) is same_day


@PROPERTY
@given(site=st.sampled_from(SITES), qualified_at=moments, delay=later_by, cutoff=cutoffs)
def test_qualifying_later_never_moves_the_target_earlier(
    site: tuple[str, str | None, str], qualified_at: datetime, delay: timedelta, cutoff: time
) -> None:
    country, subdivision, zone = site
    earlier = nbd_target(qualified_at, zone, business_calendar(country, subdivision), cutoff)
    later = nbd_target(qualified_at + delay, zone, business_calendar(country, subdivision), cutoff)
    assert later.received_on >= earlier.received_on
    assert later.target_on >= earlier.target_on


@PROPERTY
@given(site=st.sampled_from(SITES), qualified_at=moments)
def test_the_answer_does_not_depend_on_the_zone_the_moment_is_given_in(
    site: tuple[str, str | None, str], qualified_at: datetime
) -> None:
    country, subdivision, zone = site
    cal = business_calendar(country, subdivision)
    as_utc = nbd_target(qualified_at, zone, cal, FIVE_PM)
    as_tokyo = nbd_target(qualified_at.astimezone(ZoneInfo("Asia/Tokyo")), zone, cal, FIVE_PM)
    assert as_utc == as_tokyo


# --- table-driven examples ----------------------------------------------------------------------

# (site-local qualification, zone, country, subdivision, received_on, target_on, after_cutoff)
# fmt: off
EXAMPLES = [
    pytest.param(
        "2025-03-26 16:59:59", "Europe/Copenhagen", "DK", None, "2025-03-26", "2025-03-27", False,
        id="one-second-before-cutoff-is-received-today",
    ),
    pytest.param(
        "2025-03-26 17:00:00", "Europe/Copenhagen", "DK", None, "2025-03-27", "2025-03-28", True,
        id="exactly-at-cutoff-counts-as-after",
    ),
    pytest.param(
        "2025-03-26 16:59:59.999999", "Europe/Copenhagen", "DK", None, "2025-03-26", "2025-03-27", False,
        id="last-microsecond-before-cutoff",
    ),
    pytest.param(
        "2025-03-26 00:00:00", "Europe/Copenhagen", "DK", None, "2025-03-26", "2025-03-27", False,
        id="local-midnight-is-early-morning",
    ),
    pytest.param(
        "2025-03-28 18:00:00", "Europe/Copenhagen", "DK", None, "2025-03-31", "2025-04-01", True,
        id="friday-evening-received-monday",
    ),
    pytest.param(
        "2025-03-28 10:00:00", "Europe/Copenhagen", "DK", None, "2025-03-28", "2025-03-31", False,
        id="friday-morning-target-monday",
    ),
    pytest.param(
        "2025-03-29 10:00:00", "Europe/Copenhagen", "DK", None, "2025-03-31", "2025-04-01", False,
        id="saturday-morning-received-monday",
    ),
    pytest.param(
        "2025-07-03 18:00:00", "America/New_York", "US", None, "2025-07-07", "2025-07-08", True,
        id="evening-before-independence-day",
    ),
    pytest.param(
        "2025-07-03 10:00:00", "America/New_York", "US", None, "2025-07-03", "2025-07-07", False,
        id="morning-before-independence-day-skips-holiday-and-weekend",
    ),
    pytest.param(
        "2025-04-16 18:00:00", "Europe/Copenhagen", "DK", None, "2025-04-22", "2025-04-23", True,
        id="evening-before-danish-easter-maundy-thursday-to-easter-monday",
    ),
    pytest.param(
        "2025-03-13 16:00:00", "Asia/Riyadh", "SA", None, "2025-03-13", "2025-03-16", False,
        id="saudi-thursday-afternoon-target-sunday-over-fri-sat-weekend",
    ),
    pytest.param(
        "2025-03-13 18:00:00", "Asia/Riyadh", "SA", None, "2025-03-16", "2025-03-17", True,
        id="saudi-thursday-evening-received-sunday",
    ),
    pytest.param(
        "2025-03-15 10:00:00", "Asia/Riyadh", "SA", None, "2025-03-16", "2025-03-17", False,
        id="saudi-saturday-is-weekend",
    ),
    pytest.param(
        "2025-03-16 10:00:00", "Asia/Riyadh", "SA", None, "2025-03-16", "2025-03-17", False,
        id="saudi-sunday-is-a-business-day",
    ),
    pytest.param(
        "2025-01-03 10:00:00", "Europe/Berlin", "DE", "DE-BY", "2025-01-03", "2025-01-07", False,
        id="bavaria-skips-epiphany",
    ),
    pytest.param(
        "2025-01-03 10:00:00", "Europe/Berlin", "DE", "DE-BE", "2025-01-03", "2025-01-06", False,
        id="berlin-works-on-epiphany",
    ),
    pytest.param(
        "2025-04-18 10:00:00", "America/New_York", "US", "US-MA", "2025-04-18", "2025-04-22", False,
        id="massachusetts-skips-patriots-day",
    ),
    pytest.param(
        "2025-04-18 10:00:00", "America/New_York", "US", "NY", "2025-04-18", "2025-04-21", False,
        id="new-york-works-on-patriots-day",
    ),
    pytest.param(
        "2025-03-25 10:00:00", "Pacific/Honolulu", "US", "HI", "2025-03-25", "2025-03-27", False,
        id="hawaii-skips-prince-kuhio-day",
    ),
    pytest.param(
        "2021-06-03 10:00:00", "Asia/Dubai", "AE", None, "2021-06-03", "2021-06-06", False,
        id="uae-2021-fri-sat-weekend",
    ),
    pytest.param(
        "2023-06-01 10:00:00", "Asia/Dubai", "AE", None, "2023-06-01", "2023-06-02", False,
        id="uae-2023-friday-is-a-working-day-after-the-2022-weekend-change",
    ),
    pytest.param(
        "2024-04-26 18:00:00", "Europe/Moscow", "RU", None, "2024-04-27", "2024-05-02", True,
        id="russia-working-saturday-then-may-day-break",
    ),
]
# fmt: on


@pytest.mark.parametrize(("local", "zone", "country", "subdivision", "received", "target", "after_cutoff"), EXAMPLES)
def test_nbd_examples(
    local: str,
    zone: str,
    country: str,
    subdivision: str | None,
    received: str,
    target: str,
    after_cutoff: bool,
) -> None:
    result = nbd_target(_at(local, zone).astimezone(UTC), zone, business_calendar(country, subdivision), FIVE_PM)
    assert result.received_on == date.fromisoformat(received)
    assert result.target_on == date.fromisoformat(target)
    assert result.after_cutoff is after_cutoff
    assert result.not_business_day is not business_calendar(country, subdivision).is_business_day(
        date.fromisoformat(local[:10])
    )
    assert result.site_local_qualified_at == _at(local, zone)
    assert result.site_local_qualified_at.tzinfo == ZoneInfo(zone)


# DST nights fall on Sundays, so what matters is that the cut-off follows the new offset on the
# Monday after, and that the skipped or repeated hour lands on the right local date.
# fmt: off
DST_EXAMPLES = [
    # (instant, zone, site-local reading, received_on, target_on)
    pytest.param("2025-03-30T01:00:00+00:00", "Europe/Copenhagen", "2025-03-30T03:00:00+02:00",
                 "2025-03-31", "2025-04-01", id="copenhagen-spring-forward-night"),
    pytest.param("2025-03-28T15:30:00+00:00", "Europe/Copenhagen", "2025-03-28T16:30:00+01:00",
                 "2025-03-28", "2025-03-31", id="copenhagen-friday-before-spring-forward-16:30-cet"),
    pytest.param("2025-03-31T15:00:00+00:00", "Europe/Copenhagen", "2025-03-31T17:00:00+02:00",
                 "2025-04-01", "2025-04-02", id="copenhagen-monday-after-spring-forward-15utc-is-17-cest"),
    pytest.param("2025-10-26T00:30:00+00:00", "Europe/Copenhagen", "2025-10-26T02:30:00+02:00",
                 "2025-10-27", "2025-10-28", id="copenhagen-fall-back-first-0230"),
    pytest.param("2025-10-26T01:30:00+00:00", "Europe/Copenhagen", "2025-10-26T02:30:00+01:00",
                 "2025-10-27", "2025-10-28", id="copenhagen-fall-back-repeated-0230"),
    pytest.param("2025-10-27T15:59:59+00:00", "Europe/Copenhagen", "2025-10-27T16:59:59+01:00",
                 "2025-10-27", "2025-10-28", id="copenhagen-monday-after-fall-back-one-second-before"),
    pytest.param("2025-03-09T07:30:00+00:00", "America/New_York", "2025-03-09T03:30:00-04:00",
                 "2025-03-10", "2025-03-11", id="new-york-spring-forward-night"),
    pytest.param("2025-03-10T20:59:59+00:00", "America/New_York", "2025-03-10T16:59:59-04:00",
                 "2025-03-10", "2025-03-11", id="new-york-monday-after-spring-forward-one-second-before"),
    pytest.param("2025-03-10T21:00:00+00:00", "America/New_York", "2025-03-10T17:00:00-04:00",
                 "2025-03-11", "2025-03-12", id="new-york-monday-after-spring-forward-at-cutoff"),
    pytest.param("2025-11-02T05:30:00+00:00", "America/New_York", "2025-11-02T01:30:00-04:00",
                 "2025-11-03", "2025-11-04", id="new-york-fall-back-first-0130"),
    pytest.param("2025-11-02T06:30:00+00:00", "America/New_York", "2025-11-02T01:30:00-05:00",
                 "2025-11-03", "2025-11-04", id="new-york-fall-back-repeated-0130"),
    pytest.param("2025-11-03T22:00:00+00:00", "America/New_York", "2025-11-03T17:00:00-05:00",
                 "2025-11-04", "2025-11-05", id="new-york-monday-after-fall-back-at-cutoff"),
    pytest.param("2025-10-31T21:30:00+00:00", "America/New_York", "2025-10-31T17:30:00-04:00",
                 "2025-11-03", "2025-11-04", id="new-york-friday-evening-before-fall-back"),
]
# fmt: on


@pytest.mark.parametrize(("instant", "zone", "local", "received", "target"), DST_EXAMPLES)
def test_dst_nights(instant: str, zone: str, local: str, received: str, target: str) -> None:
    country = "DK" if zone == "Europe/Copenhagen" else "US"
    result = nbd_target(datetime.fromisoformat(instant), zone, business_calendar(country), FIVE_PM)
    assert result.site_local_qualified_at.isoformat() == local
    assert result.received_on == date.fromisoformat(received)
    assert result.target_on == date.fromisoformat(target)


# --- calendar behaviour -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("country", "weekend"),
    [
        pytest.param("SA", {4, 5}, id="saudi-arabia-fri-sat"),
        pytest.param("QA", {4, 5}, id="qatar-fri-sat"),
        pytest.param("KW", {4, 5}, id="kuwait-fri-sat"),
        pytest.param("IL", {4, 5}, id="israel-fri-sat"),
        pytest.param("EG", {4, 5}, id="egypt-fri-sat"),
        pytest.param("AE", {5, 6}, id="uae-sat-sun-since-2022"),
        pytest.param("DK", {5, 6}, id="denmark-sat-sun"),
    ],
)
def test_weekend_comes_from_the_holidays_package(country: str, weekend: set[int]) -> None:
    assert business_calendar(country).weekend(date(2025, 6, 2)) == weekend


@pytest.mark.parametrize(
    ("subdivision", "expected"),
    [
        pytest.param("US-CA", "CA", id="iso-3166-2"),
        pytest.param("CA", "CA", id="bare-code"),
        pytest.param("us-ca", "CA", id="lower-case"),
        pytest.param(" CA ", "CA", id="padded"),
        pytest.param(None, None, id="none"),
        pytest.param("", None, id="blank-is-none"),
    ],
)
def test_subdivision_forms_share_one_cached_calendar(subdivision: str | None, expected: str | None) -> None:
    cal = business_calendar("us", subdivision)
    assert (cal.country, cal.subdivision) == ("US", expected)
    assert cal is business_calendar("US", expected)


def test_subdivision_aliases_of_the_package_are_accepted() -> None:
    assert business_calendar("GB", "England") is business_calendar("GB", "GB-ENG")


@pytest.mark.parametrize(
    ("country", "subdivision", "error", "code"),
    [
        pytest.param("XX", None, UnknownCountry, "unknown_country", id="unknown-country"),
        pytest.param("DNK", None, UnknownCountry, "unknown_country", id="alpha-3"),
        pytest.param("", None, UnknownCountry, "unknown_country", id="empty-country"),
        pytest.param("US", "ZZ", UnknownSubdivision, "unknown_subdivision", id="unknown-subdivision"),
        pytest.param("US", "DE-BY", UnknownSubdivision, "unknown_subdivision", id="other-countrys-subdivision"),
        pytest.param("DK", "84", UnknownSubdivision, "unknown_subdivision", id="country-without-subdivisions"),
    ],
)
def test_bad_place_data_raises_with_a_stable_code(
    country: str, subdivision: str | None, error: type[CalendarError], code: str
) -> None:
    with pytest.raises(error) as caught:
        business_calendar(country, subdivision)
    assert caught.value.code == code
    # one refusal family: the API and the pages answer it as invalid input, never as a crash
    assert isinstance(caught.value, DomainError)
    assert caught.value.kind is ErrorKind.INVALID
    assert str(caught.value)


def test_unknown_subdivision_message_lists_known_ones() -> None:
    with pytest.raises(UnknownSubdivision, match=r"Known subdivisions: .*BY"):
        business_calendar("DE", "XX")


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "", "../../etc/passwd", "Europe/"])
def test_unknown_timezone(zone: str) -> None:
    with pytest.raises(UnknownTimezone) as caught:
        nbd_target(datetime(2025, 3, 26, 10, tzinfo=UTC), zone, business_calendar("DK"), FIVE_PM)
    assert caught.value.code == "unknown_timezone"


def test_naive_moment_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        nbd_target(datetime(2025, 3, 26, 10), "Europe/Copenhagen", business_calendar("DK"), FIVE_PM)


def test_aware_cutoff_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        nbd_target(
            datetime(2025, 3, 26, 10, tzinfo=UTC), "Europe/Copenhagen", business_calendar("DK"), time(17, tzinfo=UTC)
        )


def test_next_business_day_is_strictly_after() -> None:
    cal = business_calendar("DK")
    assert next_business_day(date(2025, 3, 26), cal) == date(2025, 3, 27)
    assert next_business_day(date(2025, 3, 28), cal) == date(2025, 3, 31)


def test_received_on_accepts_a_zone_name_or_object() -> None:
    cal = business_calendar("DK")
    moment = datetime(2025, 3, 26, 10, tzinfo=UTC)
    assert received_on(moment, "Europe/Copenhagen", cal, FIVE_PM) == date(2025, 3, 26)
    assert received_on(moment, ZoneInfo("Europe/Copenhagen"), cal, FIVE_PM) == date(2025, 3, 26)


def test_overrides_close_and_open_days() -> None:
    base = business_calendar("DK")
    cal = OverriddenCalendar(base, closed_on=frozenset({date(2025, 3, 27)}), open_on=frozenset({date(2025, 3, 29)}))
    assert not cal.is_business_day(date(2025, 3, 27))
    assert cal.is_business_day(date(2025, 3, 29))
    assert cal.is_business_day(date(2025, 3, 26))
    assert next_business_day(date(2025, 3, 26), cal) == date(2025, 3, 28)


def test_holiday_names_explain_a_closed_day() -> None:
    assert business_calendar("US", "US-MA").holiday_names(date(2025, 4, 21)) == ["Patriots' Day"]
    assert business_calendar("US", "US-MA").holiday_names(date(2025, 4, 22)) == []


# --- geo ---------------------------------------------------------------------------------------


def test_timezones_for_country() -> None:
    assert timezones_for_country("dk") == ["Europe/Copenhagen"]
    assert "America/New_York" in timezones_for_country("US")
    assert timezones_for_country("US")[0] == "America/New_York"  # most populous first
    assert timezones_for_country("XX") == []
    assert timezones_for_country("not a code") == []


def test_single_timezone_for_country() -> None:
    assert single_timezone_for_country("DK") == "Europe/Copenhagen"
    assert single_timezone_for_country("SA") == "Asia/Riyadh"
    assert single_timezone_for_country("US") is None
    assert single_timezone_for_country("XX") is None


@pytest.mark.parametrize(
    ("zone", "country", "fits"),
    [
        pytest.param("Europe/Copenhagen", "DK", True, id="own-zone"),
        pytest.param("Europe/Berlin", "DK", True, id="shared-1970-zone"),
        pytest.param("America/Chicago", "us", True, id="one-of-several"),
        pytest.param("America/New_York", "DK", False, id="foreign-zone"),
        pytest.param("Europe/Copenhagen", "XX", False, id="unknown-country"),
    ],
)
def test_timezone_fits_country(zone: str, country: str, fits: bool) -> None:
    assert timezone_fits_country(zone, country) is fits


@pytest.mark.parametrize(
    ("code", "name"),
    [
        pytest.param("dk", "Denmark", id="any case"),
        pytest.param("GB", "United Kingdom", id="not tzdata's 'Britain (UK)'"),
        pytest.param("AS", "American Samoa", id="not tzdata's 'Samoa (American)'"),
        pytest.param("US", "United States of America", id="ISO name"),
        pytest.param("KR", "South Korea", id="common name, not 'Korea, Republic of'"),
        pytest.param(" ax ", "Åland Islands", id="trimmed"),
    ],
)
def test_country_name(code: str, name: str) -> None:
    assert country_name(code) == name


@pytest.mark.parametrize("code", ["XX", "", "DNK", "\ud800", "D"])
def test_country_name_of_an_unknown_code_is_none(code: str) -> None:
    assert country_name(code) is None


def test_country_names_follow_the_active_language() -> None:
    with translation.override("de"):
        assert country_name("DK") == "Dänemark"
        assert countries_by_name()[0] == ("AF", "Afghanistan")
    with translation.override("da"):
        assert country_name("DE") == "Tyskland"
    assert country_name("DE") == "Germany"


def test_countries_by_name_are_every_code_sorted_by_name_accents_ignored() -> None:
    pairs = countries_by_name()
    assert sorted(code for code, _ in pairs) == all_country_codes()
    assert len(pairs) == 249
    names = [name for _, name in pairs]
    # Åland sorts among the A's (after Afghanistan), Côte d'Ivoire before Croatia, Zimbabwe last.
    assert names.index("Afghanistan") < names.index("Åland Islands") < names.index("Albania")
    assert names.index("Côte d'Ivoire") < names.index("Croatia")
    assert names[-1] == "Zimbabwe"


def test_every_property_country_has_a_zone_and_a_name() -> None:
    for country in COUNTRIES:
        assert timezones_for_country(country), country
        assert country_name(country), country
