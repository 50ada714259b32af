"""Filter types shared by the API's filter sets."""

from datetime import UTC, timedelta

import django_filters
from django import forms
from django.db.models import F
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.filters import OrderingFilter

from husky_support.geo import country_name
from husky_support.text import MAX_ID


class FilterBackend(DjangoFilterBackend):
    """The one filter backend of the API's list views (a test checks that no view uses django-filter's own).

    django-filter turns a filter's errors into a 400 with `message % params` even for an error without
    params, so a message quoting what the client sent raised TypeError on a literal percent sign
    (`?country=%2500`): a 500. Here each message is formatted as Django formats it (params only when
    there are some), and each keeps its code."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None:
            return queryset
        names = filterset_class.base_filters
        if not any(key.startswith(name) for key in request.query_params for name in names):
            # No filter asked for (a plain list page): an empty form filters nothing, so it is not built and
            # validated (its fields' deep copies were a list call's largest Python cost after the rows).
            return queryset
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid():
            raise ValidationError(
                {
                    name: [ErrorDetail(message, code=error.code) for error in errors for message in error]
                    for name, errors in filterset.errors.as_data().items()
                }
            )
        return filterset.qs


class StaticFilterSet(django_filters.FilterSet):
    """A filter set whose filters are the same on every request: its form class is built once per class.

    django-filter builds a new form class, with a new field per filter (and the choices of each normalised
    again: some 250 countries), on every request; that was a sixth of a list call's time. A form instance
    copies its class's fields, as every Django form does, so sharing the class is safe. A subclass that
    changes its filters per request must not use this."""

    def get_form_class(self):
        cls = type(self)
        form_class = cls.__dict__.get("_static_form_class")
        if form_class is None:
            form_class = super().get_form_class()
            cls._static_form_class = form_class
        return form_class


class IdFilter(django_filters.Filter):
    """An object id: a whole number from 1 up to the largest key; anything else is a 400."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class UtcIsoDateTimeField(django_filters.fields.IsoDateTimeField):
    """ISO 8601 instant, normalised to UTC. No zone on Earth is more than 14 hours from UTC, and the
    database refuses larger offsets, so those are a 400 rather than a database error."""

    def to_python(self, value):
        instant = super().to_python(value)
        if instant is None or instant.tzinfo is None:
            return instant
        offset = instant.utcoffset()
        if offset is not None and abs(offset) > timedelta(hours=14):
            raise forms.ValidationError("The UTC offset must be between -14:00 and +14:00.", code="invalid")
        try:
            return instant.astimezone(UTC)
        except OverflowError as exc:
            raise forms.ValidationError("That moment is out of range.", code="invalid") from exc


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


class NullsLastOrderingFilter(OrderingFilter):
    """Explicit orderings (allow-list); rows without a value in one of the view's
    `nullable_ordering_fields` sort after those with one on every database. Without `ordering` the
    selector's indexed order stands."""

    def filter_queryset(self, request, queryset, view):
        if not request.query_params.get(self.ordering_param):
            return queryset
        ordering = self.get_ordering(request, queryset, view)
        if not ordering:
            return queryset
        terms: list = []
        for term in ordering:
            name = term.lstrip("-")
            if name in getattr(view, "nullable_ordering_fields", frozenset()):
                terms.append(F(name).desc(nulls_last=True) if term.startswith("-") else F(name).asc(nulls_last=True))
            else:
                terms.append(term)
        return queryset.order_by(*terms, "-id" if ordering[0].startswith("-") else "id")


class CountryCodeField(forms.CharField):
    """An ISO 3166-1 alpha-2 code, any case; an unknown code is a 400, not an empty list that looks like "none"."""

    def to_python(self, value):
        code = super().to_python(value).strip().upper()
        if code and country_name(code) is None:
            raise forms.ValidationError(
                "%(code)s is not an ISO 3166-1 alpha-2 country code; send e.g. DK, US or AE.",
                code="unknown_country",
                params={"code": code[:10]},
            )
        return code


class CountryFilter(django_filters.CharFilter):
    field_class = CountryCodeField
