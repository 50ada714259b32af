"""Serializers of the dispatch API: coverage (read + PUT/PATCH input) and the unit eligibility query/answer."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from rest_framework import serializers

from dispatch.eligibility import DEFAULT_CUTOFF, qualified_at_problem
from dispatch.models import Coverage
from dispatch.selectors import UnitEligibility
from husky_support.domain import DomainError
from husky_support.geo import country_name

EXAMPLE_QUALIFIED_AT = "2026-11-27T16:30:00+01:00"
TIME_INPUT_FORMATS = ["%H:%M", "%H:%M:%S"]

# An unencoded "+" in a query string arrives as a space: "...T16:30:00 01:00" is read as "+01:00".
_SPACE_FOR_PLUS = re.compile(r"^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?) (\d{2}(?::?\d{2})?)$")


def raise_first_error(serializer: serializers.Serializer) -> None:
    """Turn a serializer's errors into one DomainError: the first field's code and message, all fields listed."""
    fields = {
        name: [{"code": getattr(e, "code", "invalid"), "message": str(e)} for e in errors]
        for name, errors in serializer.errors.items()
    }
    name, first = next(iter(fields.items()))
    message = first[0]["message"]
    if name != "non_field_errors" and not message.startswith(name):
        message = f"{name}: {message}"
    raise DomainError(message, code=first[0]["code"], extra={"fields": fields})


# --- coverage ----------------------------------------------------------------------------------------


class CoverageSerializer(serializers.ModelSerializer):
    country_name = serializers.SerializerMethodField()
    cutoff = serializers.TimeField(format="%H:%M", help_text="Site-local cut-off for same-day receipt (HH:MM).")
    updated_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Coverage
        fields = [
            "country",
            "country_name",
            "onsite_available",
            "nbd_available",
            "kyhd_available",
            "cutoff",
            "notes",
            "updated_at",
            "updated_by",
        ]
        read_only_fields = fields

    def get_country_name(self, obj: Coverage) -> str | None:
        return country_name(obj.country)


class CoverageWriteSerializer(serializers.Serializer):
    """PUT replaces the whole row (the three flags are required); PATCH sends only what changes."""

    country = serializers.CharField(
        required=False, help_text="Optional; when sent it must equal the country in the URL."
    )
    onsite_available = serializers.BooleanField()
    nbd_available = serializers.BooleanField()
    kyhd_available = serializers.BooleanField()
    cutoff = serializers.TimeField(
        required=False,
        input_formats=TIME_INPUT_FORMATS,
        help_text=f"Site-local HH:MM; defaults to {DEFAULT_CUTOFF:%H:%M} on PUT.",
    )
    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000)

    def validate_cutoff(self, value):
        if value.tzinfo is not None:
            raise serializers.ValidationError("Send a site-local wall-clock time without a zone, e.g. 17:00.")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        sent = attrs.pop("country", None)
        url_country = self.context["country"]
        if sent is not None and sent.strip().upper() != url_country:
            raise serializers.ValidationError(
                {"country": f"The body says {sent!r} but the URL says {url_country}; send the same country or none."},
                code="country_mismatch",
            )
        return attrs


# --- eligibility ---------------------------------------------------------------------------------------


@cache
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


class EligibilityQuerySerializer(serializers.Serializer):
    """The query string of GET units/{service_tag}/eligibility/."""

    qualified_at = serializers.CharField(
        help_text=(
            "The moment MTS qualifies the incident: ISO 8601 WITH a UTC offset, e.g. "
            f"{EXAMPLE_QUALIFIED_AT} or 2026-11-27T15:30:00Z (URL-encode '+' as %2B)."
        ),
        error_messages={
            "required": f"Send qualified_at as ISO 8601 with a UTC offset, e.g. {EXAMPLE_QUALIFIED_AT}.",
            "blank": f"Send qualified_at as ISO 8601 with a UTC offset, e.g. {EXAMPLE_QUALIFIED_AT}.",
        },
    )
    site_country = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="ISO 3166-1 alpha-2 country where the case says the unit is; default: its registered country.",
    )
    partner_timezone = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="IANA zone of the partner asking; default: the zone of the caller's organisation.",
    )

    def validate_qualified_at(self, value: str) -> datetime:
        raw = value.strip()
        spaced = _SPACE_FOR_PLUS.match(raw)
        if spaced:
            raw = f"{spaced.group(1)}+{spaced.group(2)}"
        try:
            moment = datetime.fromisoformat(raw)
        except ValueError as exc:
            raise serializers.ValidationError(
                f"{value!r} is not an ISO 8601 date and time; send e.g. {EXAMPLE_QUALIFIED_AT}.", code="invalid"
            ) from exc
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise serializers.ValidationError(
                f"{value!r} has no UTC offset, so the moment is ambiguous; add one, e.g. {EXAMPLE_QUALIFIED_AT} "
                "or a trailing Z for UTC.",
                code="qualified_at_naive",
            )
        problem = qualified_at_problem(moment)
        if problem is not None:
            raise serializers.ValidationError(problem, code="qualified_at_out_of_range")
        return moment

    def validate_site_country(self, value: str) -> str | None:
        code = value.strip().upper()
        if not code:
            return None
        if len(code) != 2 or country_name(code) is None:
            raise serializers.ValidationError(
                f"{value!r} is not an ISO 3166-1 alpha-2 country code; send e.g. DK, US or AE.",
                code="unknown_country",
            )
        return code

    def validate_partner_timezone(self, value: str) -> str | None:
        zone = value.strip()
        if not zone:
            return None
        if zone not in _known_zones():
            raise serializers.ValidationError(
                f"{value!r} is not an IANA time zone; send e.g. America/Los_Angeles or Europe/Copenhagen.",
                code="unknown_timezone",
            )
        return zone


class ReasonDetailSerializer(serializers.Serializer):
    code = serializers.CharField()
    blocks = serializers.ChoiceField(choices=["onsite", "nbd", "kyhd", "none"])
    message = serializers.CharField()


class EligibilitySerializer(serializers.Serializer):
    """The answer (docs/rules.md rules 1-3). Dates are site-local; *_local_qualified_at carry their zone's offset."""

    service_tag = serializers.CharField()
    qualified_at = serializers.DateTimeField(help_text="The moment asked about, in UTC.")
    onsite_eligible = serializers.BooleanField()
    nbd_eligible = serializers.BooleanField()
    kyhd_eligible = serializers.BooleanField()
    nbd_target_date = serializers.DateField(allow_null=True, help_text="Site-local; null when there is no NBD.")
    nbd_received_on = serializers.DateField(
        allow_null=True, help_text="Site-local business day the request counts as received on; null without NBD."
    )
    registered_country = serializers.CharField()
    site_country = serializers.CharField()
    site_timezone = serializers.CharField()
    site_local_qualified_at = serializers.DateTimeField()
    cutoff = serializers.CharField(allow_null=True, help_text="The country's site-local cut-off (HH:MM).")
    partner_timezone = serializers.CharField(allow_null=True)
    partner_local_qualified_at = serializers.DateTimeField(allow_null=True)
    reasons = serializers.ListField(child=serializers.CharField(), help_text="Reason codes in docs/rules.md order.")
    reason_details = ReasonDetailSerializer(many=True)


def eligibility_payload(answer: UnitEligibility) -> dict[str, Any]:
    """The JSON of an answer. Built by hand so each instant keeps its own zone's offset."""
    e = answer.eligibility
    partner_local = answer.partner_local_qualified_at
    return {
        "service_tag": answer.unit.service_tag,
        "qualified_at": e.site_local_qualified_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "onsite_eligible": e.onsite_eligible,
        "nbd_eligible": e.nbd_eligible,
        "kyhd_eligible": e.kyhd_eligible,
        "nbd_target_date": e.nbd_target_date.isoformat() if e.nbd_target_date else None,
        "nbd_received_on": e.nbd_received_on.isoformat() if e.nbd_received_on else None,
        "registered_country": answer.unit.country,
        "site_country": answer.site_country,
        "site_timezone": e.site_timezone,
        "site_local_qualified_at": e.site_local_qualified_at.isoformat(),
        "cutoff": f"{answer.coverage.cutoff:%H:%M}" if answer.coverage else None,
        "partner_timezone": answer.partner_timezone,
        "partner_local_qualified_at": partner_local.isoformat() if partner_local else None,
        "reasons": [r.value for r in e.reasons],
        "reason_details": [{"code": d.code, "blocks": d.blocks, "message": d.message} for d in answer.details],
    }
