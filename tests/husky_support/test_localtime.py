"""The pure two-clock formatting behind {% dual_time %}: each side converted once (no django_db mark: a query
would fail these tests)."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from husky_support.filtering import filters_applied
from husky_support.localtime import dual_time

FMT, TIME = "D j M Y, H:i", "H:i"


@pytest.mark.parametrize(
    ("label", "moment", "viewer", "site", "expected_viewer", "expected_site", "same"),
    [
        (
            "NY site, Copenhagen viewer",
            datetime(2026, 6, 10, 14, 5, tzinfo=UTC),
            "Europe/Copenhagen",
            "America/New_York",
            "Wed 10 Jun 2026, 16:05",
            "10:05",
            False,
        ),
        (
            "the site's date differs: shown in full",
            datetime(2026, 6, 10, 2, 30, tzinfo=UTC),
            "Europe/Copenhagen",
            "America/New_York",
            "Wed 10 Jun 2026, 04:30",
            "Tue 9 Jun 2026, 22:30",
            False,
        ),
        (
            "same zone: one clock",
            datetime(2026, 6, 10, 14, 5, tzinfo=UTC),
            "Europe/Copenhagen",
            "Europe/Copenhagen",
            "Wed 10 Jun 2026, 16:05",
            "16:05",
            True,
        ),
        (
            "another zone, the same wall clock",
            datetime(2026, 6, 10, 14, 5, tzinfo=UTC),
            "Europe/Copenhagen",
            "Europe/Berlin",
            "Wed 10 Jun 2026, 16:05",
            "16:05",
            True,
        ),
        (
            "unknown site zone: viewer only",
            datetime(2026, 6, 10, 14, 5, tzinfo=UTC),
            "Europe/Copenhagen",
            "Mars/Olympus",
            "Wed 10 Jun 2026, 16:05",
            None,
            False,
        ),
        ("no site zone", datetime(2026, 6, 10, 14, 5, tzinfo=UTC), "UTC", "", "Wed 10 Jun 2026, 14:05", None, False),
        (
            "New York's spring-forward day",
            datetime(2026, 3, 8, 7, 30, tzinfo=UTC),
            "UTC",
            "America/New_York",
            "Sun 8 Mar 2026, 07:30",
            "03:30",
            False,
        ),
    ],
)
def test_dual_time(label, moment, viewer, site, expected_viewer, expected_site, same):
    d = dual_time(moment, viewer_zone=ZoneInfo(viewer), site_zone=site, fmt=FMT, time_fmt=TIME)
    assert (d.viewer, d.site, d.same_zone) == (expected_viewer, expected_site, same), label
    assert d.iso == moment.astimezone(UTC).isoformat()


def test_an_already_converted_moment_is_not_shifted_again():
    site_local = datetime(2026, 6, 10, 14, 5, tzinfo=UTC).astimezone(ZoneInfo("America/New_York"))
    d = dual_time(
        site_local, viewer_zone=ZoneInfo("Europe/Copenhagen"), site_zone="America/New_York", fmt=TIME, time_fmt=TIME
    )
    assert (d.viewer, d.site) == ("16:05", "10:05")


def test_a_naive_moment_is_refused():
    with pytest.raises(ValueError, match="aware"):
        dual_time(datetime(2026, 6, 10, 14, 5), viewer_zone=UTC, site_zone="UTC", fmt=FMT, time_fmt=TIME)


class Params(dict):
    def getlist(self, key):
        return self[key]


@pytest.mark.parametrize(
    ("params", "applied"),
    [
        ({}, False),
        ({"page": ["2"], "sort": ["age"], "view": ["open"]}, False),
        ({"q": ["  "]}, False),
        ({"q": ["drive"]}, True),
        ({"state": ["", "l3_dell"]}, True),
    ],
)
def test_filters_applied(params, applied):
    assert filters_applied(Params(params)) is applied
