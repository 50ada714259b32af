"""teams/ and sla-policies/: read for MTS, write for MTS admins; thin views over cases.teams."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from cases import teams
from cases.models import PRIORITY_CHOICES, SlaPolicy, Team
from partners.kinds import OrgKind
from partners.models import User


class TeamSerializer(serializers.ModelSerializer):
    countries = serializers.SerializerMethodField()
    lead = serializers.PrimaryKeyRelatedField(read_only=True)
    members = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Team
        fields = [
            "id",
            "name",
            "timezone",
            "weekly_hours",
            "holiday_country",
            "holiday_subdivision",
            "is_default",
            "countries",
            "lead",
            "members",
            "version",
        ]

    def get_countries(self, team) -> list[str]:
        return sorted(row.country for row in team.countries.all())


def _mts_users():
    return User.objects.filter(organisation__kind=OrgKind.MTS, is_active=True).select_related("organisation")


class TeamInputSerializer(serializers.Serializer):
    """Shape only; the service checks hours (overlap, order), zone, country and countries served once."""

    name = serializers.CharField(max_length=100)
    timezone = serializers.CharField(max_length=64)
    weekly_hours = serializers.JSONField(
        help_text='Per weekday a list of [start, end] in HH:MM, e.g. {"mon": [["08:00", "12:00"], ["13:00", "17:00"]]}'
    )
    holiday_country = serializers.CharField(max_length=2)
    holiday_subdivision = serializers.CharField(max_length=10, required=False, allow_blank=True)
    is_default = serializers.BooleanField(required=False)
    countries = serializers.ListField(child=serializers.CharField(max_length=2), required=False, max_length=300)
    lead = serializers.PrimaryKeyRelatedField(queryset=_mts_users(), required=False, allow_null=True)
    members = serializers.PrimaryKeyRelatedField(queryset=_mts_users(), many=True, required=False)


class TeamViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """MTS teams by region (zone, weekly hours, holiday calendar, countries served). MTS admins write."""

    lookup_value_regex = "[0-9]+"
    serializer_class = TeamSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return teams.teams_visible_to(self.request.user)

    def _save(self, request, team, partial):
        serializer = TeamInputSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        countries = values.pop("countries", None)
        saved = teams.team_save(actor=request.user, values=values, countries=countries, team=team)
        return TeamSerializer(self.get_queryset().get(pk=saved.pk)).data

    @extend_schema(request=TeamInputSerializer, responses={201: TeamSerializer})
    def create(self, request):
        return Response(self._save(request, None, partial=False), status=status.HTTP_201_CREATED)

    @extend_schema(request=TeamInputSerializer, responses=TeamSerializer)
    def partial_update(self, request, pk=None):
        return Response(self._save(request, self.get_object(), partial=True))


class SlaPolicySerializer(serializers.ModelSerializer):
    class Meta:
        model = SlaPolicy
        fields = ["priority", "first_response_minutes", "next_update_minutes", "version"]


class SlaPolicyInputSerializer(serializers.Serializer):
    priority = serializers.ChoiceField(choices=PRIORITY_CHOICES)
    first_response_minutes = serializers.IntegerField(help_text="Business minutes of the owning team; above 0.")
    next_update_minutes = serializers.IntegerField(help_text="Business minutes of the owning team; above 0.")


class SlaPolicyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """SLA targets per priority in business minutes. POST sets one priority's targets (MTS admins)."""

    serializer_class = SlaPolicySerializer
    lookup_field = "priority"
    lookup_value_regex = "p[1-4]_[a-z]+"
    pagination_class = None

    def get_queryset(self):
        return teams.policies_visible_to(self.request.user)

    @extend_schema(request=SlaPolicyInputSerializer, responses=SlaPolicySerializer)
    def create(self, request):
        serializer = SlaPolicyInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        policy = teams.policy_save(actor=request.user, **serializer.validated_data)
        return Response(SlaPolicySerializer(policy).data)
