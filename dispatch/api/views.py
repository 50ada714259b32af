"""Dispatch API: the coverage table, a unit's onsite eligibility (docs/rules.md rules 1-3) and Dell dispatches."""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.pagination import CappedCountPagination
from dispatch import coverage, selectors, services
from dispatch import workflow as flow
from dispatch.api import dispatch_serializers as ds
from dispatch.api.serializers import (
    EXAMPLE_QUALIFIED_AT,
    CoverageSerializer,
    CoverageWriteSerializer,
    EligibilityQuerySerializer,
    EligibilitySerializer,
    eligibility_payload,
    raise_first_error,
)
from dispatch.models import (
    DISPATCH_KIND_CHOICES,
    DISPATCH_STATE_CHOICES,
    MISS_CAUSE_CHOICES,
    NBD_VERDICT_CHOICES,
    Coverage,
    Dispatch,
    Fee,
    Part,
)
from husky_support.api.filters import FilterBackend, IdFilter, NullsLastOrderingFilter, StaticFilterSet
from husky_support.calendar import CalendarError
from husky_support.domain import DomainError
from partners.reference import require_mts_admin
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
    filter_backends = [FilterBackend]
    filterset_class = CoverageFilter

    def get_queryset(self):
        return selectors.coverage_list()

    def get_object(self) -> Coverage:
        try:
            return selectors.coverage_get(self.kwargs["country"])
        except Coverage.DoesNotExist as exc:
            raise Http404 from exc

    def _write_input(self, request: Request, *, partial: bool) -> tuple[str, dict]:
        require_mts_admin(request.user, coverage.COVERAGE_EDITORS_ONLY)  # before reading the body
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
        row, created = coverage.coverage_put(actor=request.user, country=code, now=timezone.now(), **values)
        return Response(CoverageSerializer(row).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(
        request=CoverageWriteSerializer,
        responses={200: CoverageSerializer, 400: ERROR, 403: ERROR, 404: ERROR},
        description="Change some fields of an existing country's coverage. MTS admins only.",
    )
    def partial_update(self, request: Request, country: str) -> Response:
        _code, values = self._write_input(request, partial=True)
        row = coverage.coverage_update(actor=request.user, coverage=self.get_object(), now=timezone.now(), **values)
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


# --- dispatches ------------------------------------------------------------------------------------------


class DispatchFilter(StaticFilterSet):
    state = filters.MultipleChoiceFilter(choices=DISPATCH_STATE_CHOICES)
    kind = filters.ChoiceFilter(choices=DISPATCH_KIND_CHOICES)
    country = filters.CharFilter(field_name="site_country", method="filter_country")
    case = IdFilter(field_name="case_id")
    open = filters.BooleanFilter(method="filter_open", help_text="Only dispatches that have not ended.")
    overdue = filters.BooleanFilter(method="filter_overdue", help_text="NBD missed or a faulty part overdue.")
    nbd = filters.MultipleChoiceFilter(
        field_name="nbd_verdict",
        choices=NBD_VERDICT_CHOICES,
        help_text="docs/rules.md rule 9 verdicts, e.g. `?nbd=missed` or `?nbd=met&nbd=missed`.",
    )
    nbd_miss_cause = filters.MultipleChoiceFilter(choices=MISS_CAUSE_CHOICES, help_text="Causes of a missed target.")

    class Meta:
        model = Dispatch
        fields = ["state", "kind", "country", "case", "open", "overdue", "nbd", "nbd_miss_cause"]

    def filter_country(self, qs, name, value):
        return qs.filter(site_country=value.strip().upper()[:2])

    def filter_open(self, qs, name, value):
        open_states = [s.value for s in flow.OPEN_STATES]
        return qs.filter(state__in=open_states) if value else qs.exclude(state__in=open_states)

    def filter_overdue(self, qs, name, value):
        condition = selectors.overdue_q()
        return qs.filter(condition) if value else qs.exclude(condition)


def _version(data) -> int:
    return data["version"]


class DispatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Dell dispatches you may see: a case's partner and MTS see its dispatches, Dell those sent to it.
    Change state with transitions/ (or the schedule/, reschedule/ and outcome/ shortcuts)."""

    lookup_value_regex = "[0-9]+"
    pagination_class = CappedCountPagination
    filter_backends = [FilterBackend, NullsLastOrderingFilter]
    filterset_class = DispatchFilter
    ordering_fields = ["nbd_target_on", "created_at", "updated_at", "visit_start_at"]
    nullable_ordering_fields = frozenset({"nbd_target_on", "visit_start_at"})
    ordering = ["nbd_target_on", "created_at", "id"]

    def filter_queryset(self, queryset):
        # The list's filters belong to the list: on one dispatch's own rows they could only hide it (a 404).
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def get_queryset(self):
        if self.action == "list":
            return selectors.dispatch_list(self.request.user)
        return (
            selectors.dispatches_visible_to(self.request.user)
            .select_related("case", "case__unit")
            .prefetch_related("parts", "fees", "schedule_changes")
        )

    def get_serializer_class(self):
        return ds.DispatchListSerializer if self.action == "list" else ds.DispatchSerializer

    def _detail(self, dispatch: Dispatch) -> Response:
        return Response(ds.DispatchSerializer(self.get_queryset().get(pk=dispatch.pk)).data)

    def _step(self, request: Request, action: str, serializer_class, **fixed) -> Response:
        dispatch = self.get_object()  # a dispatch outside the viewer's slice is a 404 before its input is read
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = {**serializer.validated_data, **fixed}
        dispatch = services.dispatch_transition(
            actor=request.user,
            dispatch=dispatch,
            action=data.pop("action", action),
            version=data.pop("version"),
            now=timezone.now(),
            **data,
        )
        return self._detail(dispatch)

    @extend_schema(methods=["GET"], responses=ds.AvailableDispatchActionSerializer(many=True))
    @extend_schema(methods=["POST"], request=ds.DispatchActionSerializer, responses=ds.DispatchSerializer)
    @action(detail=True, methods=["get", "post"], filter_backends=[])
    def transitions(self, request, pk=None):
        """GET: the actions you may take now (the workflow's own answer). POST: take one."""
        dispatch = self.get_object()
        if request.method == "GET":
            facts = services.dispatch_facts(dispatch, now=timezone.now())
            actions = flow.available_actions(dispatch.kind, dispatch.state, request.user.org_kind, facts)
            return Response([{"action": a.value, "label": a.label} for a in actions])
        return self._step(request, "", ds.DispatchActionSerializer)

    @extend_schema(
        request=ds.ScheduleSerializer,
        responses={200: ds.DispatchSerializer, 400: ERROR, 409: ERROR},
        examples=[
            OpenApiExample(
                "Dell books the first visit after the NBD target, saying why",
                request_only=True,
                value={
                    "version": 2,
                    "visit_start_at": "2026-12-09T13:00:00+03:00",
                    "visit_end_at": "2026-12-09T16:00:00+03:00",
                    "past_target_reason": "The only technician certified for this storage array is free on Wednesday.",
                },
            ),
            OpenApiExample(
                "No reason for a first visit past the target",
                response_only=True,
                status_codes=["400"],
                value={
                    "code": "past_target_reason_required",
                    "message": "The visit starts after the next-business-day target (Tue 8 Dec): say why it cannot "
                    "be booked by then.",
                },
            ),
            OpenApiExample(
                "Booked on a Saudi weekend day, after the target",
                response_only=True,
                status_codes=["200"],
                value={
                    "id": 12,
                    "state": "scheduled",
                    "nbd_target_on": "2026-12-08",
                    "nbd_verdict": "pending",
                    "nbd_miss_cause": "",
                    "visit_notes": [
                        {
                            "code": "not_business_day",
                            "message": "Fri 11 Dec is not a business day at the site: a weekend day there.",
                        },
                        {
                            "code": "after_nbd_target",
                            "message": "A visit on Fri 11 Dec is after the next-business-day target Tue 8 Dec.",
                        },
                    ],
                },
            ),
        ],
    )
    @action(detail=True, methods=["post"])
    def schedule(self, request, pk=None):
        """Book the visit (site-local window given as ISO 8601 with an offset). Needs the representative.
        docs/rules.md rule 8: a day that is not a business day at the site, or past the NBD target, is allowed and
        said in `visit_notes`; Dell booking the first visit past the target gives `past_target_reason`."""
        return self._step(request, flow.Action.SCHEDULE, ds.ScheduleSerializer)

    @extend_schema(request=ds.RescheduleSerializer, responses=ds.DispatchSerializer)
    @action(detail=True, methods=["post"])
    def reschedule(self, request, pk=None):
        """Move the visit. Under 8 site-local days before it starts: 409
        `late_reschedule_requires_fee_acceptance` unless `accept_fee` is true, which records the fee."""
        return self._step(request, flow.Action.RESCHEDULE, ds.RescheduleSerializer)

    @extend_schema(
        request=ds.OutcomeSerializer,
        responses={200: ds.DispatchSerializer, 400: ERROR, 404: ERROR, 409: ERROR},
        examples=[
            OpenApiExample(
                "The visit has not started at the site",
                response_only=True,
                status_codes=["409"],
                value={
                    "code": "visit_not_started",
                    "message": "The visit has not started yet on Tue 8 Dec at 13:00 (site time): report its outcome "
                    "once it has.",
                },
            ),
            OpenApiExample(
                "A visit in time reported the next morning: NBD met",
                response_only=True,
                status_codes=["200"],
                value={"id": 12, "state": "completed", "nbd_verdict": "met", "nbd_miss_cause": ""},
            ),
            OpenApiExample(
                "A completed visit with one part fitted",
                request_only=True,
                value={
                    "version": 4,
                    "outcome": "completed",
                    "note": "Drive replaced, RAID rebuilt",
                    "fitted_parts": [7],
                },
            ),
            OpenApiExample(
                "A part that is not on the dispatch",
                response_only=True,
                status_codes=["400"],
                value={"code": "unknown_part", "message": "Tick only parts listed on this dispatch."},
            ),
        ],
    )
    @action(detail=True, methods=["post"])
    def outcome(self, request, pk=None):
        """Dell reports the visit: completed, representative absent (fee; back to scheduling), clearance
        not arranged (fee; back to scheduling) or failed (with the reason). docs/rules.md rule 8: only once the
        visit window has started by the site's clock (409 `visit_not_started`); any outcome of a visit that
        started by the end of the target day meets the NBD target (rule 9)."""
        return self._step(request, flow.Action.OUTCOME, ds.OutcomeSerializer)

    @extend_schema(request=ds.SiteSerializer, responses=ds.DispatchSerializer)
    @action(detail=True, methods=["patch"])
    def site(self, request, pk=None):
        """The partner or MTS names the authorised representative and states the site's requirements."""
        dispatch = self.get_object()
        serializer = ds.SiteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        dispatch = services.dispatch_site_update(
            actor=request.user,
            dispatch=dispatch,
            version=data.pop("version"),
            values=data,
            now=timezone.now(),
        )
        return self._detail(dispatch)

    @extend_schema(request=ds.ClearanceSerializer, responses=ds.DispatchSerializer)
    @action(detail=True, methods=["post"])
    def clearance(self, request, pk=None):
        """The special security request: MTS `request`s it from Dell; Dell `accept`s or `decline`s (reason)."""
        dispatch = self.get_object()
        serializer = ds.ClearanceSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        dispatch = services.clearance_step(
            actor=request.user,
            dispatch=dispatch,
            action=data["action"],
            version=data["version"],
            note=data["note"],
            now=timezone.now(),
        )
        return self._detail(dispatch)

    @extend_schema(methods=["GET"], responses=ds.PartSerializer(many=True))
    @extend_schema(methods=["POST"], request=ds.PartInputSerializer, responses={201: ds.PartSerializer})
    @action(detail=True, methods=["get", "post"], filter_backends=[])
    def parts(self, request, pk=None):
        """Replacement parts (at most 4 per dispatch); Dell or MTS adds them."""
        dispatch = self.get_object()
        if request.method == "GET":
            return Response(ds.PartSerializer(dispatch.parts.order_by("id"), many=True).data)
        serializer = ds.PartInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        part = services.part_add(
            actor=request.user, dispatch=dispatch, values=dict(serializer.validated_data), now=timezone.now()
        )
        return Response(ds.PartSerializer(part).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=ds.PartUpdateSerializer,
        responses={200: ds.PartSerializer, 400: ERROR, 404: ERROR, 409: ERROR},
        examples=[
            OpenApiExample(
                "Shipped",
                request_only=True,
                value={"carrier": "DHL", "tracking_number": "JD0146", "shipped_on": "2026-12-07"},
            ),
            OpenApiExample(
                "Delivered (starts the 10-day return)", request_only=True, value={"delivered_on": "2026-12-08"}
            ),
            OpenApiExample("The faulty part picked up", request_only=True, value={"returned_on": "2026-12-10"}),
            OpenApiExample(
                "Delivered before it shipped",
                response_only=True,
                status_codes=["409"],
                value={"code": "part_not_shipped", "message": "Record the part as shipped before it is delivered."},
            ),
            OpenApiExample(
                "A drive kept under KYHD",
                response_only=True,
                status_codes=["409"],
                value={"code": "kyhd_drive_kept", "message": "Keep Your Hard Drive was purchased and eligible ..."},
            ),
        ],
    )
    @action(detail=True, methods=["patch"], url_path=r"parts/(?P<part_id>[0-9]+)")
    def part(self, request, pk=None, part_id=None):
        """Record shipping, delivery (starts the 10-day return) and the faulty part's pickup, in that order, on a
        parts-only or an onsite dispatch."""
        dispatch = self.get_object()
        found = Part.objects.filter(dispatch=dispatch, pk=int(part_id)).first() if len(part_id) < 12 else None
        if found is None:
            raise Http404
        serializer = ds.PartUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        part = services.part_update(
            actor=request.user, part=found, values=dict(serializer.validated_data), now=timezone.now()
        )
        return Response(ds.PartSerializer(part).data)

    @extend_schema(responses=ds.FeeSerializer(many=True))
    @action(detail=True, methods=["get"], filter_backends=[])
    def fees(self, request, pk=None):
        """Fees assessed on the dispatch, with their reasons; MTS and the partner see them."""
        return Response(ds.FeeSerializer(self.get_object().fees.order_by("recorded_at", "id"), many=True).data)

    @extend_schema(request=ds.WaiveSerializer, responses=ds.FeeSerializer)
    @action(detail=True, methods=["post"], url_path=r"fees/(?P<fee_id>[0-9]+)/waive")
    def waive_fee(self, request, pk=None, fee_id=None):
        """An MTS admin waives a fee with a reason (kept beside the fee)."""
        dispatch = self.get_object()
        fee = Fee.objects.filter(dispatch=dispatch, pk=int(fee_id)).first() if len(fee_id) < 12 else None
        if fee is None:
            raise Http404
        serializer = ds.WaiveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fee = services.fee_waive(
            actor=request.user, fee=fee, reason=serializer.validated_data["reason"], now=timezone.now()
        )
        return Response(ds.FeeSerializer(fee).data)

    @extend_schema(request=ds.NoteSerializer, responses={201: None})
    @action(detail=True, methods=["post"])
    def notes(self, request, pk=None):
        """A message on the dispatch thread (the partner, MTS and Dell read it)."""
        dispatch = self.get_object()
        serializer = ds.NoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.dispatch_note(
            actor=request.user, dispatch=dispatch, body=serializer.validated_data["body"], now=timezone.now()
        )
        return Response(status=status.HTTP_201_CREATED)
