"""Country and time-zone pickers people can use: search by name, zones narrowed to the chosen country.

Plain <select> elements that work without JavaScript; static/js/servicetags.js adds a filter box
and narrows the zone list when the country changes (CSP-safe: data attributes, no inline script).
Use CountryField / TimezoneField in any form; include `{{ form.media }}` on the page.
"""

import json
from functools import cache

from django import forms

from husky_support.geo import all_country_codes, country_name, timezones_for_country

MEDIA_JS = ("js/servicetags.js",)


@cache
def country_choices() -> tuple[tuple[str, str], ...]:
    pairs = [(code, f"{country_name(code)} ({code})") for code in all_country_codes()]
    return (("", "Choose a country…"), *sorted(pairs, key=lambda p: p[1]))


@cache
def zones_by_country_json() -> str:
    return json.dumps({code: timezones_for_country(code) for code in all_country_codes()}, separators=(",", ":"))


@cache
def timezone_choices() -> tuple[tuple[str, str], ...]:
    zones = sorted({z for code in all_country_codes() for z in timezones_for_country(code)})
    return (("", "Derived from the country when it has one zone"), *((z, z.replace("_", " ")) for z in zones))


class CountrySelect(forms.Select):
    def __init__(self, attrs=None):
        super().__init__({"data-searchable": "country", "autocomplete": "country", **(attrs or {})})

    class Media:
        js = MEDIA_JS


class TimezoneSelect(forms.Select):
    """A zone picker; `country_field` names the form field whose value narrows the list."""

    def __init__(self, attrs=None, country_field: str = "country"):
        self.country_field = country_field
        super().__init__({"data-searchable": "timezone", **(attrs or {})})

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        prefix = name[: -len("timezone")] if name.endswith("timezone") else ""
        context["widget"]["attrs"]["data-country-input"] = f"id_{prefix}{self.country_field}"
        context["widget"]["attrs"]["data-zones"] = zones_by_country_json()
        return context

    class Media:
        js = MEDIA_JS


class CountryField(forms.ChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "Type to search by name.")
        super().__init__(choices=country_choices, widget=CountrySelect, **kwargs)


class TimezoneField(forms.ChoiceField):
    def __init__(self, *, country_field: str = "country", **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", "Required where the country spans several zones; derived where it has one.")
        super().__init__(choices=timezone_choices, widget=TimezoneSelect(country_field=country_field), **kwargs)
