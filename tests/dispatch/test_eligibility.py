"""docs/rules.md rules 2 and 3: eligibility, reason codes and their order. Pure: no database, no clock."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dispatch.eligibility import (
    BLOCKS_KYHD,
    BLOCKS_NBD,
    BLOCKS_ONSITE,
    REASON_ORDER,
    REASON_TEXT,
    CoverageTerms,
    Eligibility,
    Reason,
    SiteFacts,
    UnitFacts,
    assess_eligibility,
)
from husky_support.calendar import (
    Calendar,
    OverriddenCalendar,
    UnknownCountry,
    UnknownSubdivision,
    UnknownTimezone,
    business_calendar,
)

FULL = CoverageTerms(onsite_available=True, nbd_available=True, kyhd_available=True, cutoff=time(17))
UNIT = UnitFacts(
    warranty_start_on=date(2024, 1, 1),
    warranty_end_on=date(2027, 12, 31),
    services=frozenset({"nbd_onsite", "kyhd"}),
    registered_country="DK",
    registered_subdivision=None,
    registered_timezone="Europe/Copenhagen",
    location_confirmed=True,
)
SITE = SiteFacts()
# Wednesday 26 March 2025, 11:00 in Copenhagen (CET): a plain business morning.
MORNING = datetime(2025, 3, 26, 10, 0, tzinfo=UTC)
THURSDAY = date(2025, 3, 27)


def _assess(
    *,
    coverage: CoverageTerms | None = FULL,
    unit: dict[str, Any] | None = None,
    site: dict[str, Any] | None = None,
    qualified_at: datetime = MORNING,
    partner_timezone: str | None = None,
    calendar: Calendar | None = None,
) -> Eligibility:
    return assess_eligibility(
        coverage=coverage,
        unit=replace(UNIT, **(unit or {})),
        site=replace(SITE, **(site or {})),
        qualified_at=qualified_at,
        partner_timezone=partner_timezone,
        calendar=calendar,
    )


def test_baseline_is_fully_eligible() -> None:
    result = _assess()
    assert result.reasons == ()
    assert (result.onsite_eligible, result.nbd_eligible, result.kyhd_eligible) == (True, True, True)
    assert result.nbd_target_date == THURSDAY
    assert result.nbd_received_on == date(2025, 3, 26)
    assert result.site_timezone == "Europe/Copenhagen"
    assert result.site_local_qualified_at.isoformat() == "2025-03-26T11:00:00+01:00"
    assert result.explain() == []


# (kwargs for _assess, expected reasons, onsite, nbd, kyhd, nbd target)
# fmt: off
SINGLE_REASONS = [
    pytest.param(
        {"unit": {"warranty_end_on": date(2025, 3, 25)}},
        ("warranty_expired",), False, False, False, None, id="warranty_expired-ended",
    ),
    pytest.param(
        {"unit": {"warranty_start_on": date(2025, 3, 27)}},
        ("warranty_expired",), False, False, False, None, id="warranty_expired-not-started",
    ),
    pytest.param(
        {"coverage": None, "unit": {"services": frozenset({"nbd_onsite"})}},
        ("country_not_covered",), False, False, False, None, id="country_not_covered-no-row",
    ),
    pytest.param(
        {"coverage": replace(FULL, onsite_available=False)},
        ("country_not_covered",), False, False, True, None, id="country_not_covered-no-onsite-kyhd-still-ok",
    ),
    pytest.param(
        {"coverage": replace(FULL, nbd_available=False)},
        ("nbd_not_available",), True, False, True, None, id="nbd_not_available-in-country",
    ),
    pytest.param(
        {"unit": {"services": frozenset({"kyhd"})}},
        ("nbd_not_available",), True, False, True, None, id="nbd_not_available-not-purchased",
    ),
    pytest.param(
        {"coverage": replace(FULL, kyhd_available=False)},
        ("kyhd_not_available",), True, True, False, THURSDAY, id="kyhd_not_available",
    ),
    pytest.param(
        {"coverage": replace(FULL, kyhd_available=False), "unit": {"services": frozenset({"nbd_onsite"})}},
        (), True, True, False, THURSDAY, id="kyhd-not-purchased-so-not-reported",
    ),
    pytest.param(
        {"unit": {"location_confirmed": False}},
        ("location_unregistered",), True, True, True, THURSDAY, id="location_unregistered-is-a-warning",
    ),
    pytest.param(
        {"site": {"site_country": "SE"}},
        ("location_mismatch",), False, False, False, None, id="location_mismatch",
    ),
    pytest.param(
        {"site": {"site_country": " dk "}},
        (), True, True, True, THURSDAY, id="same-country-any-case",
    ),
    pytest.param(
        {"qualified_at": datetime(2025, 3, 26, 16, 0, tzinfo=UTC)},
        ("after_cutoff",), True, True, True, date(2025, 3, 28), id="after_cutoff",
    ),
    pytest.param(
        {"partner_timezone": "America/New_York"},
        ("timezone_mismatch",), True, True, True, THURSDAY, id="timezone_mismatch",
    ),
    pytest.param(
        {"partner_timezone": "Europe/Berlin"},
        (), True, True, True, THURSDAY, id="same-offset-other-name-is-no-mismatch",
    ),
    pytest.param(
        {"partner_timezone": "Europe/Copenhagen"},
        (), True, True, True, THURSDAY, id="same-zone",
    ),
    pytest.param(
        {"site": {"security_requirements": True}},
        ("security_clearance_pending",), True, False, True, None, id="security_clearance_pending",
    ),
    pytest.param(
        {"site": {"security_requirements": True, "security_accepted_beforehand": True}},
        (), True, True, True, THURSDAY, id="security-accepted-beforehand",
    ),
    pytest.param(
        {"site": {"authorized_rep_named": False}},
        ("authorized_rep_missing",), False, False, True, None, id="authorized_rep_missing",
    ),
    pytest.param(
        {"site": {"authorized_rep_named": True}},
        (), True, True, True, THURSDAY, id="authorized-rep-named",
    ),
    pytest.param(
        {"site": {"authorized_rep_named": None}},
        (), True, True, True, THURSDAY, id="authorized-rep-not-asked-yet",
    ),
]
# fmt: on


@pytest.mark.parametrize(("kwargs", "reasons", "onsite", "nbd", "kyhd", "target"), SINGLE_REASONS)
def test_each_reason_alone(
    kwargs: dict[str, Any], reasons: tuple[str, ...], onsite: bool, nbd: bool, kyhd: bool, target: date | None
) -> None:
    result = _assess(**kwargs)
    assert result.reasons == reasons
    assert (result.onsite_eligible, result.nbd_eligible, result.kyhd_eligible) == (onsite, nbd, kyhd)
    assert result.nbd_target_date == target


@pytest.mark.parametrize(
    ("qualified_at", "expired"),
    [
        pytest.param(datetime(2025, 3, 26, 22, 59, 59, tzinfo=UTC), False, id="23:59:59-local-on-last-day"),
        pytest.param(datetime(2025, 3, 26, 23, 0, 0, tzinfo=UTC), True, id="midnight-local-after-last-day"),
    ],
)
def test_warranty_is_judged_on_the_site_local_date(qualified_at: datetime, expired: bool) -> None:
    result = _assess(unit={"warranty_end_on": date(2025, 3, 26)}, qualified_at=qualified_at)
    assert (Reason.WARRANTY_EXPIRED in result.reasons) is expired


def test_partner_in_los_angeles_for_a_unit_in_copenhagen() -> None:
    # 09:30 on a Wednesday morning in Los Angeles (PDT) is 17:30 in Copenhagen (CET): past the cut-off.
    qualified_at = datetime.fromisoformat("2025-03-26T09:30:00-07:00")
    result = _assess(qualified_at=qualified_at, partner_timezone="America/Los_Angeles")
    assert result.reasons == ("after_cutoff", "timezone_mismatch")
    assert result.nbd_received_on == date(2025, 3, 27)
    assert result.nbd_target_date == date(2025, 3, 28)
    assert result.site_local_qualified_at.isoformat() == "2025-03-26T17:30:00+01:00"


def test_partner_in_auckland_for_a_unit_in_honolulu() -> None:
    # Tuesday 09:00 in Auckland (NZDT) is still Monday 10:00 in Honolulu: the target is the partner's "today".
    unit = {"registered_country": "US", "registered_subdivision": "US-HI", "registered_timezone": "Pacific/Honolulu"}
    qualified_at = datetime.fromisoformat("2025-03-25T09:00:00+13:00")
    result = _assess(unit=unit, qualified_at=qualified_at, partner_timezone="Pacific/Auckland")
    assert result.reasons == ("timezone_mismatch",)
    assert result.site_local_qualified_at.isoformat() == "2025-03-24T10:00:00-10:00"
    assert result.nbd_received_on == date(2025, 3, 24)
    assert result.nbd_target_date == date(2025, 3, 25)


def test_honolulu_unit_skips_prince_kuhio_day() -> None:
    unit = {"registered_country": "US", "registered_subdivision": "HI", "registered_timezone": "Pacific/Honolulu"}
    result = _assess(unit=unit, qualified_at=datetime.fromisoformat("2025-03-25T10:00:00-10:00"))
    assert result.nbd_target_date == date(2025, 3, 27)


def test_every_reason_at_once_is_reported_in_order() -> None:
    result = _assess(
        coverage=None,
        unit={"warranty_end_on": date(2024, 12, 31), "location_confirmed": False},
        site={"site_country": "SE", "security_requirements": True, "authorized_rep_named": False},
        qualified_at=datetime(2025, 3, 26, 18, tzinfo=UTC),
        partner_timezone="Asia/Tokyo",
    )
    # after_cutoff and timezone_mismatch explain an NBD target, and there is none.
    assert result.reasons == (
        "warranty_expired",
        "country_not_covered",
        "kyhd_not_available",
        "location_unregistered",
        "location_mismatch",
        "security_clearance_pending",
        "authorized_rep_missing",
    )
    assert result.onsite_blockers == (
        "warranty_expired",
        "country_not_covered",
        "location_mismatch",
        "authorized_rep_missing",
    )
    assert result.warnings == ("location_unregistered",)
    assert not result.onsite_eligible
    assert not result.nbd_eligible
    assert not result.kyhd_eligible
    assert result.nbd_target_date is None


# fmt: off
COMBINATIONS = [
    pytest.param(
        {
            "coverage": replace(FULL, kyhd_available=False),
            "unit": {"location_confirmed": False},
            "qualified_at": datetime(2025, 3, 26, 16, tzinfo=UTC),
            "partner_timezone": "America/Chicago",
        },
        ("kyhd_not_available", "location_unregistered", "after_cutoff", "timezone_mismatch"),
        True, True, id="nbd-target-with-warnings-and-explanations",
    ),
    pytest.param(
        {"coverage": replace(FULL, nbd_available=False), "site": {"security_requirements": True}},
        ("nbd_not_available", "security_clearance_pending"), True, False, id="best-effort-onsite-only",
    ),
    pytest.param(
        {"unit": {"location_confirmed": False}, "site": {"site_country": "NO"}},
        ("location_unregistered", "location_mismatch"), False, False, id="moved-without-transfer",
    ),
    pytest.param(
        {"site": {"authorized_rep_named": False}, "qualified_at": datetime(2025, 3, 26, 16, tzinfo=UTC)},
        ("authorized_rep_missing",), False, False, id="no-target-so-no-after-cutoff",
    ),
]
# fmt: on


@pytest.mark.parametrize(("kwargs", "reasons", "onsite", "nbd"), COMBINATIONS)
def test_combinations(kwargs: dict[str, Any], reasons: tuple[str, ...], onsite: bool, nbd: bool) -> None:
    result = _assess(**kwargs)
    assert result.reasons == reasons
    assert (result.onsite_eligible, result.nbd_eligible) == (onsite, nbd)
    assert (result.nbd_target_date is not None) is nbd


def test_site_timezone_is_derived_for_a_single_zone_country() -> None:
    assert _assess(unit={"registered_timezone": None}).site_timezone == "Europe/Copenhagen"


def test_site_timezone_is_required_for_a_multi_zone_country() -> None:
    with pytest.raises(UnknownTimezone, match="several time zones") as caught:
        _assess(unit={"registered_country": "US", "registered_timezone": None})
    assert caught.value.code == "unknown_timezone"


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        pytest.param({"partner_timezone": "Nowhere/Town"}, UnknownTimezone, id="bad-partner-zone"),
        pytest.param(
            {"partner_timezone": "Nowhere/Town", "coverage": None}, UnknownTimezone, id="bad-partner-zone-no-nbd"
        ),
        pytest.param({"unit": {"registered_timezone": "Nowhere/Town"}}, UnknownTimezone, id="bad-site-zone"),
        pytest.param({"unit": {"registered_country": "XX"}}, UnknownCountry, id="bad-country"),
        pytest.param({"unit": {"registered_subdivision": "DK-99"}}, UnknownSubdivision, id="bad-subdivision"),
        pytest.param({"qualified_at": datetime(2025, 3, 26, 10)}, ValueError, id="naive-moment"),
    ],
)
def test_bad_input_raises(kwargs: dict[str, Any], error: type[Exception]) -> None:
    with pytest.raises(error):
        _assess(**kwargs)


def test_every_reason_has_a_sentence_and_a_place_in_the_order() -> None:
    assert set(REASON_TEXT) == set(Reason)
    assert [r.value for r in REASON_ORDER] == [
        "warranty_expired",
        "country_not_covered",
        "nbd_not_available",
        "kyhd_not_available",
        "location_unregistered",
        "location_mismatch",
        "after_cutoff",
        "not_business_day",
        "timezone_mismatch",
        "security_clearance_pending",
        "authorized_rep_missing",
    ]
    assert _assess(site={"authorized_rep_named": False}).explain() == [REASON_TEXT[Reason.AUTHORIZED_REP_MISSING]]


coverages = st.one_of(
    st.none(),
    st.builds(CoverageTerms, st.booleans(), st.booleans(), st.booleans(), st.sampled_from([time(17), time(15)])),
)
units = st.builds(
    UnitFacts,
    warranty_start_on=st.dates(date(2020, 1, 1), date(2030, 1, 1)),
    warranty_end_on=st.dates(date(2020, 1, 1), date(2035, 1, 1)),
    services=st.frozensets(st.sampled_from(["nbd_onsite", "kyhd", "extended_years"])),
    registered_country=st.just("DK"),
    registered_subdivision=st.none(),
    registered_timezone=st.just("Europe/Copenhagen"),
    location_confirmed=st.booleans(),
)
sites = st.builds(
    SiteFacts,
    site_country=st.sampled_from([None, "DK", "SE"]),
    security_requirements=st.booleans(),
    security_accepted_beforehand=st.booleans(),
    authorized_rep_named=st.sampled_from([None, True, False]),
)


@settings(max_examples=250, deadline=None)
@given(
    coverage=coverages,
    unit=units,
    site=sites,
    qualified_at=st.datetimes(datetime(2020, 1, 1), datetime(2035, 1, 1), timezones=st.just(UTC)),
    partner_timezone=st.sampled_from([None, "Europe/Copenhagen", "America/Los_Angeles", "Asia/Tokyo"]),
)
def test_reason_semantics_hold_for_any_facts(
    coverage: CoverageTerms | None,
    unit: UnitFacts,
    site: SiteFacts,
    qualified_at: datetime,
    partner_timezone: str | None,
) -> None:
    result = assess_eligibility(
        coverage=coverage, unit=unit, site=site, qualified_at=qualified_at, partner_timezone=partner_timezone
    )
    reasons = set(result.reasons)
    assert list(result.reasons) == [r for r in REASON_ORDER if r in reasons]  # ordered, no duplicates
    assert result.onsite_eligible is not bool(reasons & BLOCKS_ONSITE)
    assert result.nbd_eligible is not bool(reasons & BLOCKS_NBD)
    assert result.kyhd_eligible is ("kyhd" in unit.services and not reasons & BLOCKS_KYHD)
    assert result.nbd_eligible <= result.onsite_eligible
    assert (result.nbd_target_date is None) is not result.nbd_eligible
    if not result.nbd_eligible:
        assert not reasons & {Reason.AFTER_CUTOFF, Reason.TIMEZONE_MISMATCH}
    if result.nbd_target_date is not None:
        assert result.nbd_target_date > result.site_local_qualified_at.date()
    # Compared in UTC: PEP 495 makes an ambiguous local time (a DST fall-back hour) unequal to any other zone.
    assert result.site_local_qualified_at.astimezone(UTC) == qualified_at


@pytest.mark.parametrize(
    ("qualified_at", "reasons"),
    [
        # docs/rules.md rule 2: a site-local weekend day explains the target, whatever the clock said.
        pytest.param(datetime(2025, 3, 29, 18, tzinfo=UTC), ("not_business_day",), id="saturday-evening"),
        pytest.param(datetime(2025, 3, 29, 9, tzinfo=UTC), ("not_business_day",), id="saturday-morning"),
        pytest.param(datetime(2025, 3, 28, 17, tzinfo=UTC), ("after_cutoff",), id="friday-evening"),
    ],
)
def test_a_weekend_moment_is_explained_as_not_a_business_day(qualified_at: datetime, reasons: tuple) -> None:
    result = _assess(qualified_at=qualified_at)
    assert result.reasons == reasons
    assert result.nbd_target_date == date(2025, 4, 1)


def test_the_given_calendar_decides_the_target() -> None:
    closed_monday = OverriddenCalendar(base=business_calendar("DK"), closed_on=frozenset({date(2025, 3, 31)}))
    result = _assess(qualified_at=datetime(2025, 3, 28, 17, tzinfo=UTC), calendar=closed_monday)
    assert (result.nbd_received_on, result.nbd_target_date) == (date(2025, 4, 1), date(2025, 4, 2))
