"""API for units, orders and service-tag transfers; same selectors and services as the pages."""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response

from husky_support.api.filters import CountryFilter, FilterBackend, IdFilter
from husky_support.api.validation import FieldErrors
from husky_support.domain import FieldProblems, NotFound
from servicetags import selectors, services
from servicetags.api.serializers import (
    OrderCreateSerializer,
    OrderSerializer,
    TransferConfirmSerializer,
    TransferCreateSerializer,
    TransferRejectSerializer,
    TransferSerializer,
    TransferUpdateSerializer,
    UnitDetailSerializer,
    UnitSerializer,
)
from servicetags.models import Location, Order, ServiceTagTransfer, TransferStatus, Unit, UnitModel
from servicetags.validation import InvalidInput, normalise_service_tag, split_unit_text

ADDRESS_FIELDS = services.ADDRESS_FIELDS


class UnitFilter(filters.FilterSet):
    location_registered = filters.BooleanFilter(field_name="location_confirmed")
    country = CountryFilter(field_name="country")
    reseller = IdFilter(field_name="reseller_id")
    model = filters.ChoiceFilter(choices=UnitModel.choices)
    nbd_onsite = filters.BooleanFilter()
    kyhd = filters.BooleanFilter()
    needs_assistance = filters.BooleanFilter(method="filter_needs_assistance")

    class Meta:
        model = Unit
        fields = ["location_registered", "country", "reseller", "model", "nbd_onsite", "kyhd", "needs_assistance"]

    def filter_needs_assistance(self, queryset, name, value):
        in_queue = {"transfer_assist_sent_at__isnull": False, "location_confirmed": False}
        return queryset.filter(**in_queue) if value else queryset.exclude(**in_queue)


class UnitViewSet(viewsets.ReadOnlyModelViewSet):
    """Units the caller may see, by service tag (any case)."""

    lookup_field = "service_tag"
    lookup_value_regex = "[^/]+"
    filter_backends = [FilterBackend, OrderingFilter]
    filterset_class = UnitFilter
    ordering_fields = ["service_tag", "shipped_on", "warranty_end_on", "country"]
    ordering = ["service_tag"]

    def get_serializer_class(self):
        return UnitDetailSerializer if self.action == "retrieve" else UnitSerializer

    def get_queryset(self):
        qs = selectors.unit_list(self.request.user)
        if self.action == "retrieve":
            qs = qs.prefetch_related(Prefetch("locations", queryset=Location.objects.order_by("-recorded_at", "-id")))
        return qs

    def get_object(self):
        try:
            tag = normalise_service_tag(self.kwargs["service_tag"])
        except InvalidInput:
            tag = ""
        return get_object_or_404(self.get_queryset(), service_tag=tag)


class OrderFilter(filters.FilterSet):
    reseller = IdFilter(field_name="reseller_id")
    shipped_after = filters.DateFilter(field_name="shipped_on", lookup_expr="gte")
    shipped_before = filters.DateFilter(field_name="shipped_on", lookup_expr="lte")

    class Meta:
        model = Order
        fields = ["reseller", "shipped_after", "shipped_before"]


class OrderViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Orders a distributor placed for its resellers (resellers see their own; MTS all)."""

    lookup_value_regex = "[0-9]+"  # ids are numbers; anything else is a 404, not a query

    serializer_class = OrderSerializer
    filter_backends = [FilterBackend, OrderingFilter]
    filterset_class = OrderFilter
    ordering_fields = ["created_at", "shipped_on"]
    ordering = ["-created_at"]

    def get_queryset(self):
        return selectors.orders_visible_to(self.request.user).prefetch_related(
            Prefetch("units", queryset=Unit.objects.order_by("service_tag").only("pk", "order_id", "service_tag"))
        )

    @extend_schema(request=OrderCreateSerializer, responses={201: OrderSerializer})
    def create(self, request, *args, **kwargs):
        errors = FieldErrors()
        v = errors.validated(
            OrderCreateSerializer(data=request.data, resellers=selectors.resellers_for_orders(request.user))
        )
        rows: list[dict] = []
        try:
            rows = [dict(u) for u in v.get("units") or []] or split_unit_text(v.get("units_csv") or "")
        except InvalidInput as exc:
            for p in exc.problems:
                errors.add("units_csv", p.code, p.message)
        errors.raise_if_any()
        order = services.order_from_values(actor=request.user, values=v, units=rows, now=timezone.now())
        order = self.get_queryset().get(pk=order.pk)
        return Response(OrderSerializer(order, context=self.get_serializer_context()).data, status=201)


class TransferFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=TransferStatus.choices)
    unit = filters.CharFilter(method="filter_unit")
    country = CountryFilter(field_name="country")
    overdue = filters.BooleanFilter(method="filter_overdue")

    class Meta:
        model = ServiceTagTransfer
        fields = ["status", "unit", "country", "overdue"]

    def filter_unit(self, queryset, name, value):
        return queryset.filter(unit__service_tag=value.strip().upper())

    def filter_overdue(self, queryset, name, value):
        # A date past in UTC; the per-row `overdue` flag uses the destination's own date.
        late = {"status": TransferStatus.SUBMITTED, "expected_confirmation_on__lt": timezone.now().date()}
        return queryset.filter(**late) if value else queryset.exclude(**late)


class TransferViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Service-tag transfers: partners file and submit; MTS or Dell confirm or reject."""

    lookup_value_regex = "[0-9]+"  # ids are numbers; anything else is a 404, not a query

    serializer_class = TransferSerializer
    filter_backends = [FilterBackend, OrderingFilter]
    filterset_class = TransferFilter
    ordering_fields = ["created_at", "submitted_at", "expected_confirmation_on"]
    ordering = ["-created_at"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.transfers_visible_to(self.request.user)

    def _out(self, transfer: ServiceTagTransfer, code: int = 200) -> Response:
        fresh = self.get_queryset().get(pk=transfer.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    def _visible_unit(self, service_tag: str) -> Unit:
        try:
            return selectors.unit_get(self.request.user, service_tag)
        except Unit.DoesNotExist:
            try:
                normalise_service_tag(service_tag, field_name="unit")
            except InvalidInput as exc:
                p = exc.problems[0]
                raise FieldProblems.one("unit", p.code, p.message).error() from exc
            message = "No unit with that service tag that you may see."
            raise NotFound(message, extra={"fields": FieldProblems.one("unit", "not_found", message).fields}) from None

    @extend_schema(request=TransferCreateSerializer, responses={201: TransferSerializer})
    def create(self, request, *args, **kwargs):
        errors = FieldErrors()
        v = errors.validated(TransferCreateSerializer(data=request.data))
        unit = None
        if "unit" in v:
            try:
                unit = errors.attempt(lambda: self._visible_unit(v["unit"]))
            except NotFound as exc:
                if not errors:
                    raise  # the only problem: the unit is not one you may see (404)
                errors.add("unit", "not_found", exc.message)
        errors.raise_if_any()
        assert unit is not None  # the serializer requires it; a refusal raised above
        given = {name for name in ADDRESS_FIELDS if name in request.data}
        # Pre-filled from the current location when no address is given (registering it as final).
        address = {name: v.get(name, "") for name in ADDRESS_FIELDS} if given else unit.address_values()
        transfer = services.transfer_create(
            actor=request.user,
            unit=unit,
            address=address,
            end_customer_name=v["end_customer_name"],
            contact_name=v["contact_name"],
            contact_email=v["contact_email"],
            note=v["note"],
            submit=v["submit"],
            now=timezone.now(),
        )
        return self._out(transfer, status.HTTP_201_CREATED)

    @extend_schema(request=TransferUpdateSerializer, responses=TransferSerializer)
    def partial_update(self, request, *args, **kwargs):
        transfer = self.get_object()
        data = TransferUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        updated = services.transfer_update(
            actor=request.user, transfer=transfer, changes=data.validated_data, now=timezone.now()
        )
        return self._out(updated)

    def update(self, request, *args, **kwargs):
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(request=None, responses=TransferSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        transfer = services.transfer_submit(actor=request.user, transfer=self.get_object(), now=timezone.now())
        return self._out(transfer)

    @extend_schema(request=TransferConfirmSerializer, responses=TransferSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        data = TransferConfirmSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        transfer = services.transfer_confirm(
            actor=request.user,
            transfer=self.get_object(),
            dell_reference=data.validated_data["dell_reference"],
            now=timezone.now(),
        )
        return self._out(transfer)

    @extend_schema(request=TransferRejectSerializer, responses=TransferSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        data = TransferRejectSerializer(data=request.data)
        if not data.is_valid():
            problems = FieldProblems.one("reason", "reason_required", "A reason is required.")
            raise problems.error("Say why the transfer is rejected; the partner sees the reason.")
        transfer = services.transfer_reject(
            actor=request.user, transfer=self.get_object(), reason=data.validated_data["reason"], now=timezone.now()
        )
        return self._out(transfer)
