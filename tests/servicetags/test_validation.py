"""Pure checks: service tags, places and bulk unit rows (no database)."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from servicetags.validation import (
    InvalidInput,
    UnitDefaults,
    check_place,
    normalise_model,
    normalise_service_tag,
    parse_unit_rows,
    split_unit_text,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("7xk2m93", "7XK2M93"), ("  abcde ", "ABCDE"), ("A1B2C3", "A1B2C3")],
    ids=["lower-7", "padded-5", "6-chars"],
)
def test_service_tag_is_trimmed_and_upper_cased(raw, expected):
    assert normalise_service_tag(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["ABCD", "ABCDEFGH", "AB-123", "ABC 12", "ÆBCDE", "", "   "],
    ids=["too-short", "too-long", "dash", "inner-space", "non-ascii", "empty", "blank"],
)
def test_malformed_service_tag_is_refused_with_a_code(raw):
    with pytest.raises(InvalidInput) as exc:
        normalise_service_tag(raw)
    assert exc.value.problems[0].code == "invalid_service_tag"
    assert exc.value.problems[0].field == "service_tag"


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=5, max_size=7))
def test_every_5_to_7_alphanumeric_tag_is_accepted_upper_case(tag):
    assert normalise_service_tag(f" {tag} ") == tag.upper()


@pytest.mark.parametrize(
    ("country", "subdivision", "zone", "expected"),
    [
        ("dk", "", "", ("DK", "", "Europe/Copenhagen")),
        ("US", "ca", "America/Los_Angeles", ("US", "US-CA", "America/Los_Angeles")),
        ("US", "US-NY", "America/New_York", ("US", "US-NY", "America/New_York")),
        ("SA", "", "", ("SA", "", "Asia/Riyadh")),
        ("AU", "AU-NSW", "Australia/Sydney", ("AU", "AU-NSW", "Australia/Sydney")),
    ],
    ids=["one-zone-derived", "short-subdivision", "iso-subdivision", "fri-sat-weekend-derived", "several-zones"],
)
def test_place_is_normalised(country, subdivision, zone, expected):
    place = check_place(country, subdivision, zone)
    assert (place.country, place.subdivision, place.timezone) == expected


@pytest.mark.parametrize(
    ("country", "subdivision", "zone", "field", "code"),
    [
        ("XX", "", "", "country", "unknown_country"),
        ("Denmark", "", "", "country", "unknown_country"),
        ("US", "", "", "timezone", "timezone_required"),
        ("US", "", "Mars/Olympus", "timezone", "unknown_timezone"),
        ("US", "", "Europe/Paris", "timezone", "timezone_country_mismatch"),
        ("US", "ZZ", "America/New_York", "subdivision", "invalid_subdivision"),
        ("US", "DK-84", "America/New_York", "subdivision", "invalid_subdivision"),
    ],
    ids=[
        "unknown-country",
        "country-name",
        "several-zones-missing",
        "zone-does-not-exist",
        "zone-of-another-country",
        "unknown-subdivision",
        "subdivision-of-another-country",
    ],
)
def test_bad_place_names_the_field_and_code(country, subdivision, zone, field, code):
    with pytest.raises(InvalidInput) as exc:
        check_place(country, subdivision, zone)
    assert [(p.field, p.code) for p in exc.value.problems] == [(field, code)]


def test_model_names_people_type():
    assert normalise_model("Husky IVO 350R") == "IVO350R"
    assert normalise_model("1800r") == "IVO1800R"
    assert normalise_model("IVO 9000") is None


def test_split_plain_list_and_csv_with_header():
    assert split_unit_text("abc12\n\n# comment\n def34 , 700R \n") == [
        {"service_tag": "abc12"},
        {"service_tag": "def34", "model": "700R"},
    ]
    assert split_unit_text("Service Tag;model;kyhd\nAAAAA;350T;yes") == [
        {"service_tag": "AAAAA", "model": "350T", "kyhd": "yes"}
    ]


DEFAULTS = UnitDefaults(model="IVO350R", warranty_start_on=date(2026, 1, 1), warranty_end_on=date(2029, 1, 1))


def test_rows_inherit_order_defaults():
    rows, problems = parse_unit_rows([{"service_tag": "abcde"}, {"service_tag": "FGHIJ", "kyhd": "yes"}], DEFAULTS)
    assert problems == []
    assert [(r.service_tag, r.model, r.kyhd) for r in rows] == [("ABCDE", "IVO350R", False), ("FGHIJ", "IVO350R", True)]


def test_every_bad_row_is_reported_not_just_the_first():
    rows, problems = parse_unit_rows(
        [
            {"service_tag": "GOOD1"},
            {"service_tag": "BAD"},
            {"service_tag": "good1"},
            {"service_tag": "OK222", "model": "Husky 9000"},
            {"service_tag": "OK333", "warranty_end_on": "2020-01-01"},
            {"service_tag": "OK444", "extended_years": "9"},
        ],
        DEFAULTS,
    )
    assert [(p.row, p.field, p.code) for p in problems] == [
        (2, "service_tag", "invalid_service_tag"),
        (3, "service_tag", "duplicate_service_tag"),
        (4, "model", "unknown_model"),
        (5, "warranty_end_on", "warranty_end_before_start"),
        (6, "extended_years", "invalid_extended_years"),
    ]
    assert [r.service_tag for r in rows] == ["GOOD1"]


def test_no_rows_is_a_problem():
    _rows, problems = parse_unit_rows([], DEFAULTS)
    assert [p.code for p in problems] == ["no_units"]
