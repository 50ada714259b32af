"""notifications/ (the in-app list of every kind, filters by topic and object, mark read by ids, object or
all) and me/preferences/ (zone, language, how each topic is delivered): thin views over the notification
path (partners.notifications.services) and cases.preferences."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from cases import preferences
from husky_support.domain import Invalid
from husky_support.text import plain_number
from partners.notifications import services as notifications
from partners.notifications.models import Mode, Notification, Topic


class NotificationSerializer(serializers.ModelSerializer):
    text = serializers.SerializerMethodField()
    unread = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    label = serializers.SerializerMethodField()
    case_number = serializers.SerializerMethodField()
    event_kind = serializers.CharField(source="kind")

    class Meta:
        model = Notification
        fields = [
            "id",
            "object_type",
            "object_id",
            "topic",
            "kind",
            "event_kind",
            "case_number",
            "label",
            "text",
            "url",
            "unread",
            "created_at",
            "read_at",
        ]

    def get_text(self, row) -> str:
        user = self.context["request"].user
        return notifications.describe(row, zone=user.viewer_timezone, site_zone=row.data.get("site_zone", ""))

    def get_unread(self, row) -> bool:
        return row.read_at is None

    def get_url(self, row) -> str:
        return str(row.data.get("url", ""))

    def get_label(self, row) -> str:
        return str(row.data.get("label", ""))

    def get_case_number(self, row) -> str | None:
        return row.data.get("case_number")


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1), required=False, max_length=500
    )
    object_type = serializers.CharField(required=False, max_length=30)
    object_id = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)


def _object_filter(params) -> tuple[str | None, str | None, int | None]:
    topic = params.get("topic") or None
    object_type = params.get("object_type") or None
    raw_id = params.get("object_id")
    object_id = None
    if raw_id not in (None, ""):
        object_id = plain_number(str(raw_id))
        if object_id is None:
            raise Invalid("object_id is a number.", code="invalid_object_id")
    notifications.check_filters(topic=topic, object_type=object_type)
    return topic, object_type, object_id


class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Your in-app notifications of every kind, newest first. Filters: `?unread=true`, `?topic=`,
    `?object_type=&object_id=`; the response's `unread_count` feeds the navigation badge."""

    serializer_class = NotificationSerializer

    def get_queryset(self):
        topic, object_type, object_id = _object_filter(self.request.query_params)
        qs = notifications.notifications_for(
            self.request.user, topic=topic, object_type=object_type, object_id=object_id
        )
        if self.request.query_params.get("unread") in {"true", "1"}:
            qs = qs.filter(read_at__isnull=True)
        return qs

    @extend_schema(
        parameters=[
            OpenApiParameter("unread", bool, required=False),
            OpenApiParameter("topic", str, required=False, enum=Topic.values),
            OpenApiParameter("object_type", str, required=False),
            OpenApiParameter("object_id", int, required=False),
        ]
    )
    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        response.data["unread_count"] = notifications.unread_count(request.user)
        return response

    @extend_schema(request=MarkReadSerializer, responses={200: MarkReadSerializer})
    @action(detail=False, methods=["post"], url_path="mark-read")
    def mark_read(self, request):
        """Mark read the given `ids` (one that is not yours: 404, nothing marked), those about one object
        (`object_type` and `object_id`), or all of them with neither."""
        serializer = MarkReadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        notifications.check_filters(topic=None, object_type=data.get("object_type"))
        changed = notifications.mark_read(
            request.user,
            now=timezone.now(),
            ids=data.get("ids"),
            object_type=data.get("object_type"),
            object_id=data.get("object_id"),
        )
        return Response({"marked": changed, "unread_count": notifications.unread_count(request.user)})


class PreferencesSerializer(serializers.Serializer):
    timezone = serializers.CharField(
        max_length=64, allow_blank=True, required=False, help_text="IANA zone; empty = your organisation's"
    )
    language = serializers.ChoiceField(choices=[("en", "English")], required=False)
    topics = serializers.DictField(
        child=serializers.CharField(max_length=20),
        required=False,
        help_text="Per topic (" + ", ".join(Topic.values) + "): " + ", ".join(Mode.values) + ".",
    )


class MyPreferencesView(APIView):
    """Your profile zone and language, and how each notification topic reaches you."""

    @extend_schema(responses=PreferencesSerializer)
    def get(self, request):
        return Response(preferences.preferences_of(request.user))

    @extend_schema(request=PreferencesSerializer, responses=PreferencesSerializer)
    def patch(self, request):
        serializer = PreferencesSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        preferences.preferences_save(actor=request.user, **serializer.validated_data)
        return Response(preferences.preferences_of(request.user), status=status.HTTP_200_OK)
