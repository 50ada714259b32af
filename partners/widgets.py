"""Country and time-zone pickers people can use: search by name, zones narrowed to the chosen country.

Plain <select> elements that work without JavaScript; static/js/pickers.js adds a filter box
and narrows the zone list when the country changes (CSP-safe: data attributes, no inline script).
CountryField is the one country picker of every form and filter (units, orders, transfers, cases,
queues, coverage); include `{{ form.media }}` on a page that wants the filter box.
"""

import json
from functools import cache, partial

from django import forms
from django.core.exceptions import ValidationError

from husky_support.geo import all_country_codes, countries_by_name, country_name, timezones_for_country

MEDIA_JS = ("js/pickers.js",)


def country_choices(empty_label: str | None = "Choose a country…") -> list[tuple[str, str]]:
    """Every country as (ISO code, "Name (CODE)"), sorted by name in the active language."""
    pairs = [(code, f"{name} ({code})") for code, name in countries_by_name()]
    return [("", empty_label), *pairs] if empty_label is not None else pairs


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
    """A country picker whose value is an ISO 3166-1 alpha-2 code (input trimmed, any case).

    An unknown code is refused with code `unknown_country`, the API's code for the same mistake.
    `empty_label` is the blank first option ("Any country" in filters); None leaves it out.
    """

    def __init__(self, *, empty_label: str | None = "Choose a country…", **kwargs):
        kwargs.setdefault("help_text", "Type to search by name.")
        super().__init__(choices=partial(country_choices, empty_label), widget=CountrySelect, **kwargs)

    def to_python(self, value):
        return super().to_python(value).strip().upper()

    def bound_data(self, data, initial):
        # Redisplay "dk" as the chosen Denmark option, not as no choice at all.
        return data.strip().upper() if isinstance(data, str) else data

    def validate(self, value):
        if value and country_name(value) is None:
            # Echo only a short plain code: hostile input (a lone surrogate) must not break the page.
            shown = value if value.isascii() and value.isalnum() and len(value) <= 3 else "This"
            raise ValidationError(
                "%(value)s is not a country code; choose a country from the list (ISO codes such as DK).",
                code="unknown_country",
                params={"value": shown},
            )
        super().validate(value)


class TimezoneField(forms.ChoiceField):
    def __init__(self, *, country_field: str = "country", **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", "Required where the country spans several zones; derived where it has one.")
        super().__init__(choices=timezone_choices, widget=TimezoneSelect(country_field=country_field), **kwargs)
