"""notifications/ (the in-app list, unread filter, mark read) and me/preferences/ (zone, language, how each
topic is delivered): thin views over cases.notifications and cases.preferences."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from cases import notifications, preferences
from cases.models import Notification, NotifyMode, NotifyTopic


class NotificationSerializer(serializers.ModelSerializer):
    case_number = serializers.CharField(source="case.number")
    text = serializers.SerializerMethodField()
    event_kind = serializers.CharField(source="event.kind")

    class Meta:
        model = Notification
        fields = ["id", "case_number", "event_kind", "text", "created_at", "read_at"]

    def get_text(self, row) -> str:
        return notifications.describe(row)


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1), required=False, max_length=500
    )


class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Your in-app notifications, newest first. `?unread=true` for the unread ones; the response's
    `unread_count` feeds the navigation badge."""

    serializer_class = NotificationSerializer

    def get_queryset(self):
        qs = notifications.notifications_for(self.request.user)
        if self.request.query_params.get("unread") in {"true", "1"}:
            qs = qs.filter(read_at__isnull=True)
        return qs

    @extend_schema(parameters=[OpenApiParameter("unread", bool, required=False)])
    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        response.data["unread_count"] = notifications.unread_count(request.user)
        return response

    @extend_schema(request=MarkReadSerializer, responses={200: MarkReadSerializer})
    @action(detail=False, methods=["post"], url_path="mark-read")
    def mark_read(self, request):
        """Mark the given `ids` read, or all of them without `ids`."""
        serializer = MarkReadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ids = serializer.validated_data.get("ids")
        changed = notifications.mark_read(request.user, now=timezone.now(), ids=ids)
        return Response({"marked": changed, "unread_count": notifications.unread_count(request.user)})


class PreferencesSerializer(serializers.Serializer):
    timezone = serializers.CharField(
        max_length=64, allow_blank=True, required=False, help_text="IANA zone; empty = your organisation's"
    )
    language = serializers.ChoiceField(choices=[("en", "English")], required=False)
    topics = serializers.DictField(
        child=serializers.ChoiceField(choices=NotifyMode.choices),
        required=False,
        help_text="Per topic (" + ", ".join(NotifyTopic.values) + "): immediately, digest or off.",
    )


class MyPreferencesView(APIView):
    """Your profile zone and language, and how each notification topic reaches you by email."""

    @extend_schema(responses=PreferencesSerializer)
    def get(self, request):
        return Response(preferences.preferences_of(request.user))

    @extend_schema(request=PreferencesSerializer, responses=PreferencesSerializer)
    def patch(self, request):
        serializer = PreferencesSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        preferences.preferences_save(actor=request.user, **serializer.validated_data)
        return Response(preferences.preferences_of(request.user), status=status.HTTP_200_OK)
