"""API of outgoing webhooks (org admins) and the events feed (every member of an organisation)."""

import django_filters
import django_filters.rest_framework
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import ListAPIView
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from husky_support.api.filters import FilterBackend, IsoDateTimeFilter
from husky_support.api.pagination import StandardPagination
from partners.integrations import endpoints, selectors
from partners.integrations.catalog import event_type_choices, event_types, subscribable
from partners.integrations.models import (
    DeliveryAttempt,
    DeliveryStatus,
    EventRecipient,
    WebhookDelivery,
    WebhookEndpoint,
)

# Read when the URL conf loads this module, once every app has registered its event types.
EVENT_TYPE_CHOICES = [(t.value, t.label) for t in subscribable()]


class WebhookEndpointSerializer(serializers.ModelSerializer):
    event_types = serializers.ListField(child=serializers.ChoiceField(choices=EVENT_TYPE_CHOICES))
    rotation_ends_at = serializers.DateTimeField(source="previous_secret_expires_at", allow_null=True)

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "description",
            "event_types",
            "is_enabled",
            "disabled_reason",
            "disabled_at",
            "consecutive_failures",
            "rotation_ends_at",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(help_text="The signing secret (whsec_…); shown only in this answer.")

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class WebhookInputSerializer(serializers.Serializer):
    """Shape only; the service checks the values and reports every problem at once."""

    url = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    event_types = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, max_length=50, help_text="Empty: every type."
    )
    is_enabled = serializers.BooleanField(required=False)
    version = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)


class AttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeliveryAttempt
        fields = ["attempted_at", "status_code", "duration_ms", "succeeded", "error", "response_body"]
        read_only_fields = fields


class DeliverySerializer(serializers.ModelSerializer):
    event_id = serializers.CharField(source="event.public_id")
    event_type = serializers.CharField(source="event.type")
    attempt_log = AttemptSerializer(many=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event_id",
            "event_type",
            "status",
            "attempts",
            "next_attempt_at",
            "last_status_code",
            "last_error",
            "delivered_at",
            "created_at",
            "attempt_log",
        ]
        read_only_fields = fields


class RedeliverInputSerializer(serializers.Serializer):
    event_id = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    since = serializers.DateTimeField(required=False, allow_null=True, default=None)

    def validate(self, attrs):
        if bool(attrs["event_id"]) == (attrs["since"] is not None):
            raise serializers.ValidationError("Give either event_id or since.", code="event_or_since_required")
        return attrs


class DeliveryFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=DeliveryStatus.choices)
    event_type = django_filters.ChoiceFilter(field_name="event__type", choices=event_type_choices())
    since = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    event_id = django_filters.CharFilter(field_name="event__public_id", max_length=40)

    class Meta:
        model = WebhookDelivery
        fields = ["status", "event_type", "since", "event_id"]


class WebhookViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """Your organisation's webhook endpoints (org admins). Deliveries are signed per Standard Webhooks."""

    lookup_value_regex = "[0-9]+"
    serializer_class = WebhookEndpointSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.endpoints_managed_by(self.request.user)

    @extend_schema(request=WebhookInputSerializer, responses={201: WebhookEndpointCreatedSerializer})
    def create(self, request):
        data = WebhookInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = {k: v for k, v in data.validated_data.items() if k not in {"version", "is_enabled"}}
        endpoint, secret = endpoints.endpoint_create(actor=request.user, values=values, now=timezone.now())
        body = WebhookEndpointSerializer(endpoint).data | {"secret": secret}
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=WebhookInputSerializer, responses=WebhookEndpointSerializer)
    def partial_update(self, request, pk=None):
        endpoint = self.get_object()
        data = WebhookInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        version = values.pop("version", None)
        endpoint = endpoints.endpoint_update(
            actor=request.user, endpoint=endpoint, values=values, version=version, now=timezone.now()
        )
        return Response(WebhookEndpointSerializer(endpoint).data)

    def perform_destroy(self, instance):
        endpoints.endpoint_delete(actor=self.request.user, endpoint=instance)

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=DeliveryStatus.values),
            OpenApiParameter("event_type", str, enum=[t.value for t in event_types()]),
            OpenApiParameter("since", OpenApiTypes.DATETIME, description="Deliveries created at or after"),
            OpenApiParameter("event_id", str),
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int),
        ],
        responses=DeliverySerializer(many=True),
    )
    @action(detail=True, methods=["get"], pagination_class=StandardPagination)
    def deliveries(self, request, pk=None):
        """The delivery log: each delivery of an event with every attempt (time, status, duration, error)."""
        endpoint = self.get_object()
        filters = DeliveryFilterSet(request.query_params, queryset=selectors.deliveries_for(endpoint))
        if not filters.is_valid():
            raise serializers.ValidationError(filters.errors)
        queryset = filters.qs
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(DeliverySerializer(page, many=True).data)

    @extend_schema(
        request=RedeliverInputSerializer,
        responses={
            202: inline_serializer(
                "RedeliverResult", {"queued": serializers.IntegerField(), "truncated": serializers.BooleanField()}
            )
        },
    )
    @action(detail=True, methods=["post"])
    def redeliver(self, request, pk=None):
        """Send one event again (`event_id`), or every subscribed event since a time (`since`)."""
        endpoint = self.get_object()
        data = RedeliverInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = endpoints.redeliver(
            actor=request.user,
            endpoint=endpoint,
            now=timezone.now(),
            event_id=data.validated_data["event_id"],
            since=data.validated_data["since"],
        )
        return Response({"queued": result.queued, "truncated": result.truncated}, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={200: WebhookEndpointCreatedSerializer})
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None):
        """A new secret (shown once); the old one keeps signing until `rotation_ends_at`."""
        endpoint, secret = endpoints.endpoint_rotate_secret(
            actor=request.user, endpoint=self.get_object(), now=timezone.now()
        )
        return Response(WebhookEndpointSerializer(endpoint).data | {"secret": secret})

    @extend_schema(request=None, responses={202: OpenApiResponse(DeliverySerializer, description="The queued ping")})
    @action(detail=True, methods=["post"])
    def ping(self, request, pk=None):
        """Send a `webhook.ping` event to this endpoint now."""
        delivery = endpoints.endpoint_ping(actor=request.user, endpoint=self.get_object(), now=timezone.now())
        delivery = selectors.deliveries_for(delivery.endpoint).get(pk=delivery.pk)
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


class FeedEventSerializer(serializers.Serializer):
    """An event as webhooks send it: the object as your organisation sees it, and what happened."""

    id = serializers.CharField(source="event.public_id")
    type = serializers.ChoiceField(source="event.type", choices=event_type_choices())
    timestamp = serializers.DateTimeField(source="event.occurred_at")
    object_type = serializers.CharField(source="event.object_type")
    object_id = serializers.CharField(source="event.object_id")
    sequence = serializers.IntegerField(source="event.sequence", help_text="1, 2, 3… per object")
    data = serializers.JSONField()
    details = serializers.JSONField(source="event.details")


class EventCursorPagination(CursorPagination):
    ordering = "pk"  # oldest first: a partner catching up walks forward from its last cursor
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500


class EventFilterSet(django_filters.FilterSet):
    type = django_filters.ChoiceFilter(field_name="event__type", choices=event_type_choices())
    object_type = django_filters.CharFilter(field_name="event__object_type", max_length=30)
    object_id = django_filters.CharFilter(field_name="event__object_id", max_length=40)
    since = IsoDateTimeFilter(field_name="event__occurred_at", lookup_expr="gte")

    class Meta:
        model = EventRecipient
        fields = ["type", "object_type", "object_id", "since"]


class EventFeedView(ListAPIView):
    """Your organisation's events, oldest first, by cursor: catch up after an outage without webhooks."""

    serializer_class = FeedEventSerializer
    pagination_class = EventCursorPagination
    filter_backends = [FilterBackend]
    filterset_class = EventFilterSet

    def get_queryset(self):
        return selectors.events_feed(self.request.user)
