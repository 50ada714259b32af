"""Countries and their IANA time zones: names from django-countries, zones from the `tzdata` tables.

The one place the code asks for a country's name or the list of countries. Names are ISO 3166-1's
as django-countries keeps them (with its common names: "United Kingdom", not tzdata's "Britain (UK)")
and translated into the active language. Pure: no ORM, no clock, no settings; tables are cached.
`zone.tab` gives each country its own zones (Denmark: Europe/Copenhagen); `zone1970.tab`
groups countries whose clocks have agreed since 1970 under one zone (Denmark also uses
Europe/Berlin there), so it is only consulted when checking that a zone fits a country.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from importlib import resources

from django.utils.translation import get_language
from django_countries.base import CountriesBase
from django_countries.data import COUNTRIES

__all__ = [
    "all_country_codes",
    "clear_caches",
    "country_name",
    "countries_by_name",
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
    for cached in (_countries_by_name, _zones_by_country, _zones1970_by_country):
        cached.cache_clear()


def _normalise(country: str) -> str:
    return country.strip().upper()


def all_country_codes() -> list[str]:
    """Every ISO 3166-1 alpha-2 code, sorted by code."""
    return sorted(COUNTRIES)


def country_name(code: str) -> str | None:
    """The name of an ISO 3166-1 alpha-2 code (any case) in the active language, or None if unknown."""
    key = _normalise(code)
    name = CountriesBase.COMMON_NAMES.get(key) or COUNTRIES.get(key)
    return None if name is None else str(name)


def _sort_key(name: str) -> str:
    # "Åland Islands" sorts with the A's and "Côte d'Ivoire" before "Croatia": accents dropped, case folded.
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


@cache
def _countries_by_name(language: str | None) -> tuple[tuple[str, str], ...]:
    pairs = ((code, country_name(code) or code) for code in COUNTRIES)
    return tuple(sorted(pairs, key=lambda pair: (_sort_key(pair[1]), pair[0])))


def countries_by_name() -> tuple[tuple[str, str], ...]:
    """Every (code, name) pair sorted by name, names in the active language (cached per language)."""
    return _countries_by_name(get_language())


def timezones_for_country(country: str) -> list[str]:
    """The IANA zones of a country (any case), most populous first; [] for an unknown code."""
    code = _normalise(country)
    if not _COUNTRY_CODE.match(code):
        return []
    return list(_zones_by_country().get(code, ()))


def single_timezone_for_country(country: str) -> str | None:
    """The country's zone when it has exactly one, else None (docs/rules.md "Units and places")."""
    zones = timezones_for_country(country)
    return zones[0] if len(zones) == 1 else None


def timezone_fits_country(timezone: str, country: str) -> bool:
    """Whether a unit registered in `country` may use `timezone` (its own zones or a shared 1970 zone)."""
    code = _normalise(country)
    return timezone in _zones_by_country().get(code, ()) or timezone in _zones1970_by_country().get(code, frozenset())
