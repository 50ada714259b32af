"""A filter value is the client's text: whatever it holds (a literal percent sign included), a filter that
refuses it answers 400 with a code, never 500. django-filter's own backend formats every error message with
`%`, so each list view must use husky_support.api.filters.FilterBackend."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django_filters.rest_framework import DjangoFilterBackend

from husky_support.api.filters import FilterBackend

PERCENT_VALUES = ["%2500", "%25s", "%25(code)s", "100%25"]


@pytest.mark.django_db
@pytest.mark.parametrize("value", PERCENT_VALUES)
@pytest.mark.parametrize(
    "path", ["/api/v1/cases/?site_country=", "/api/v1/transfers/?country=", "/api/v1/units/?country="]
)
def test_a_percent_sign_in_a_country_filter_is_a_400_with_a_code(api_as, mts_admin, path, value):
    response = api_as(mts_admin).get(path + value)
    assert response.status_code == 400, response.content[:300]
    body = response.json()
    assert body["code"] == "unknown_country"
    # The message quotes what was sent, percent sign and all, as Django formats it.
    assert "%" in body["message"]


@pytest.mark.django_db
def test_other_refused_filters_keep_their_code_and_format_their_params(api_as, mts_admin):
    client = api_as(mts_admin)
    response = client.get("/api/v1/events/?type=%25s")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_choice"
    assert "%s is not one of the available choices" in response.json()["message"]
    response = client.get("/api/v1/cases/?assignee=0")  # an IdFilter: min_value's message has params
    assert response.status_code == 400
    assert response.json()["code"] == "min_value"
    assert "greater than or equal to 1" in response.json()["message"]


def _views(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _views(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def test_no_api_view_uses_django_filter_s_own_backend():
    """A new list view that picked django_filters' backend would bring the 500 back; this names it."""
    offenders = []
    checked = 0
    for route, callback in _views(get_resolver().url_patterns):
        cls = getattr(callback, "cls", None)
        if cls is None:
            continue
        backends = list(getattr(cls, "filter_backends", []))
        backends += list((getattr(callback, "initkwargs", None) or {}).get("filter_backends", []))
        for action in getattr(cls, "get_extra_actions", lambda: [])():
            backends += list(action.kwargs.get("filter_backends", []))
        for backend in backends:
            if issubclass(backend, DjangoFilterBackend):
                checked += 1
                if not issubclass(backend, FilterBackend):
                    offenders.append(route)
    assert checked >= 5  # cases, units, orders, transfers, dispatches, events... the walk found them
    assert offenders == []
