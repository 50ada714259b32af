"""Countries and their IANA time zones, read from the `tzdata` package's tables.

Pure: no ORM, no clock, no settings. The tables are read once per process and cached.
`zone.tab` gives each country its own zones (Denmark: Europe/Copenhagen); `zone1970.tab`
groups countries whose clocks have agreed since 1970 under one zone (Denmark also uses
Europe/Berlin there), so it is only consulted when checking that a zone fits a country.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

__all__ = [
    "all_country_codes",
    "clear_caches",
    "country_name",
    "single_timezone_for_country",
    "timezone_fits_country",
    "timezones_for_country",
]

_COUNTRY_CODE = re.compile(r"^[A-Z]{2}$")


def _read_tab(name: str) -> list[list[str]]:
    """Rows of a tzdata `.tab` file, split on tabs, comments and blank lines dropped."""
    text = resources.files("tzdata.zoneinfo").joinpath(name).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]


@cache
def _country_names() -> dict[str, str]:
    return {row[0]: row[1] for row in _read_tab("iso3166.tab")}


@cache
def _zones_by_country() -> dict[str, tuple[str, ...]]:
    # zone.tab: country code, coordinates, zone, comment; file order puts the most populous zone first.
    zones: dict[str, list[str]] = {}
    for row in _read_tab("zone.tab"):
        zones.setdefault(row[0], []).append(row[2])
    return {code: tuple(names) for code, names in zones.items()}


@cache
def _zones1970_by_country() -> dict[str, frozenset[str]]:
    # zone1970.tab: comma-separated country codes share one zone ("DE,DK,NO,SE,SJ Europe/Berlin").
    zones: dict[str, set[str]] = {}
    for row in _read_tab("zone1970.tab"):
        for code in row[0].split(","):
            zones.setdefault(code, set()).add(row[2])
    return {code: frozenset(names) for code, names in zones.items()}


def clear_caches() -> None:
    """Forget the parsed tables (for benchmarks measuring a cold start)."""
    for cached in (_country_names, _zones_by_country, _zones1970_by_country):
        cached.cache_clear()


def _normalise(country: str) -> str:
    return country.strip().upper()


def all_country_codes() -> list[str]:
    """Every ISO 3166-1 alpha-2 code tzdata knows, sorted."""
    return sorted(_country_names())


def country_name(code: str) -> str | None:
    """The English name of an ISO 3166-1 alpha-2 country code (any case), or None if unknown."""
    return _country_names().get(_normalise(code))


def timezones_for_country(country: str) -> list[str]:
    """The IANA zones of a country (any case), most populous first; [] for an unknown code."""
    code = _normalise(country)
    if not _COUNTRY_CODE.match(code):
        return []
    return list(_zones_by_country().get(code, ()))


def single_timezone_for_country(country: str) -> str | None:
    """The country's zone when it has exactly one, else None (DESIGN: several zones must be given)."""
    zones = timezones_for_country(country)
    return zones[0] if len(zones) == 1 else None


def timezone_fits_country(timezone: str, country: str) -> bool:
    """Whether a unit registered in `country` may use `timezone` (its own zones or a shared 1970 zone)."""
    code = _normalise(country)
    return timezone in _zones_by_country().get(code, ()) or timezone in _zones1970_by_country().get(code, frozenset())
