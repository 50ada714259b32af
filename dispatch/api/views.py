"""Dispatch API: the coverage table and a unit's onsite eligibility (DESIGN rules 1-3)."""

from __future__ import annotations

from django.http import Http404
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dispatch import coverage, selectors
from dispatch.api.serializers import (
    EXAMPLE_QUALIFIED_AT,
    CoverageSerializer,
    CoverageWriteSerializer,
    EligibilityQuerySerializer,
    EligibilitySerializer,
    eligibility_payload,
    raise_first_error,
)
from dispatch.models import Coverage
from husky_support.api.exceptions import DomainError
from husky_support.calendar import CalendarError
from servicetags.models import Unit

ERROR = OpenApiResponse(description='`{"code": ..., "message": ..., "fields"?: {...}}`')


class CoverageFilter(filters.FilterSet):
    onsite_available = filters.BooleanFilter()
    nbd_available = filters.BooleanFilter()
    kyhd_available = filters.BooleanFilter()

    class Meta:
        model = Coverage
        fields = ["onsite_available", "nbd_available", "kyhd_available"]


class CoverageViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Dell coverage per country. Everyone signed in reads it; only MTS admins write it.

    The country in the URL is ISO 3166-1 alpha-2 in any case (`dk` is read as `DK`).
    """

    serializer_class = CoverageSerializer
    lookup_field = "country"
    lookup_value_regex = "[^/.]+"
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = CoverageFilter

    def get_queryset(self):
        return selectors.coverage_list()

    def get_object(self) -> Coverage:
        try:
            return selectors.coverage_get(self.kwargs["country"])
        except Coverage.DoesNotExist as exc:
            raise Http404 from exc

    def _write_input(self, request: Request, *, partial: bool) -> tuple[str, dict]:
        if not coverage.may_edit_coverage(request.user):
            raise coverage.CoverageWriteNotAllowed(
                "Only an admin of Milestone Technical Support may change the coverage table."
            )
        country = self.kwargs["country"].strip().upper()
        data = CoverageWriteSerializer(data=request.data, partial=partial, context={"country": country})
        if not data.is_valid():
            raise_first_error(data)
        return country, dict(data.validated_data)

    @extend_schema(
        request=CoverageWriteSerializer,
        responses={200: CoverageSerializer, 201: CoverageSerializer, 400: ERROR, 403: ERROR},
        description="Create (201) or fully replace (200) a country's coverage. MTS admins only.",
    )
    def update(self, request: Request, country: str) -> Response:
        code, values = self._write_input(request, partial=False)
        row, created = coverage.coverage_put(actor=request.user, country=code, **values)
        return Response(CoverageSerializer(row).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(
        request=CoverageWriteSerializer,
        responses={200: CoverageSerializer, 400: ERROR, 403: ERROR, 404: ERROR},
        description="Change some fields of an existing country's coverage. MTS admins only.",
    )
    def partial_update(self, request: Request, country: str) -> Response:
        _code, values = self._write_input(request, partial=True)
        row = coverage.coverage_update(actor=request.user, coverage=self.get_object(), **values)
        return Response(CoverageSerializer(row).data)


class UnitEligibilityView(APIView):
    """Onsite, NBD and KYHD eligibility of a unit at a moment, and its next-business-day target.

    Evaluated in the unit's registered zone, on its country's (and subdivision's) business calendar
    with the admin holiday overrides. `partner_timezone` defaults to the caller's organisation zone.
    """

    @extend_schema(
        operation_id="units_eligibility",
        tags=["units"],
        parameters=[
            OpenApiParameter(
                "qualified_at",
                OpenApiTypes.DATETIME,
                required=True,
                description=f"ISO 8601 with a UTC offset, e.g. `{EXAMPLE_QUALIFIED_AT}` (encode `+` as `%2B`).",
            ),
            OpenApiParameter(
                "site_country", OpenApiTypes.STR, description="ISO 3166-1 alpha-2; default: the registered country."
            ),
            OpenApiParameter(
                "partner_timezone",
                OpenApiTypes.STR,
                description="IANA zone of the partner asking; default: the caller's organisation zone.",
            ),
        ],
        responses={200: EligibilitySerializer, 400: ERROR, 404: ERROR},
        examples=[
            OpenApiExample(
                "Copenhagen unit asked from Los Angeles after the cut-off",
                response_only=True,
                value={
                    "service_tag": "7XK2M93",
                    "qualified_at": "2026-11-27T16:30:00Z",
                    "onsite_eligible": True,
                    "nbd_eligible": True,
                    "kyhd_eligible": False,
                    "nbd_target_date": "2026-12-01",
                    "nbd_received_on": "2026-11-30",
                    "registered_country": "DK",
                    "site_country": "DK",
                    "site_timezone": "Europe/Copenhagen",
                    "site_local_qualified_at": "2026-11-27T17:30:00+01:00",
                    "cutoff": "17:00",
                    "partner_timezone": "America/Los_Angeles",
                    "partner_local_qualified_at": "2026-11-27T08:30:00-08:00",
                    "reasons": ["after_cutoff", "timezone_mismatch"],
                    "reason_details": [
                        {"code": "after_cutoff", "blocks": "none", "message": "The incident was qualified at ..."},
                        {"code": "timezone_mismatch", "blocks": "none", "message": "The unit is in a different ..."},
                    ],
                },
            )
        ],
    )
    def get(self, request: Request, service_tag: str) -> Response:
        # The unit first: an invisible unit is 404 whatever the query says.
        try:
            unit = selectors.unit_for_eligibility(request.user, service_tag)
        except Unit.DoesNotExist as exc:
            raise Http404 from exc
        query = EligibilityQuerySerializer(data=request.query_params)
        if not query.is_valid():
            raise_first_error(query)
        params = query.validated_data
        partner_timezone = params.get("partner_timezone") or _organisation_zone(request.user)
        try:
            answer = selectors.eligibility_for_unit(
                unit,
                qualified_at=params["qualified_at"],
                site_country=params.get("site_country"),
                partner_timezone=partner_timezone,
            )
        except CalendarError as exc:  # the unit's stored place has no calendar: data to fix, not a crash
            raise DomainError(str(exc), code=exc.code) from exc
        return Response(eligibility_payload(answer))


def _organisation_zone(user) -> str | None:
    """The caller's organisation zone (the default partner zone); None for a user without an organisation."""
    return user.organisation.timezone if user.organisation_id else None
