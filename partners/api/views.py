from datetime import timedelta

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from husky_support.domain import NotAllowed
from partners import services
from partners.api.serializers import (
    ApiTokenCreateSerializer,
    ApiTokenSerializer,
    MeSerializer,
    OrganisationSerializer,
    OrganisationUpdateSerializer,
    TokenObtainSerializer,
    TokenResponseSerializer,
    UserCreateSerializer,
    UserSerializer,
    UserUpdateSerializer,
)
from partners.models import ApiToken
from partners.visibility import organisations_visible_to, token_owners_for, users_manageable_by, users_visible_to


class TokenObtainView(APIView):
    """Exchange a username and password for an API token (shown once; only its hash is stored)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_scope = "token_obtain"

    @extend_schema(request=TokenObtainSerializer, responses={201: TokenResponseSerializer})
    def post(self, request):
        serializer = TokenObtainSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        token, key = services.token_create(actor=user, user=user, name=serializer.validated_data["name"])
        return Response({"token": key, "expiry": token.expiry}, status=status.HTTP_201_CREATED)


class MeView(APIView):
    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(MeSerializer(request.user).data)


class OrganisationViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = "[0-9]+"  # ids are numbers; anything else is a 404, not a query
    serializer_class = OrganisationSerializer

    def get_queryset(self):
        return organisations_visible_to(self.request.user).order_by("name")

    @extend_schema(
        request=OrganisationUpdateSerializer,
        responses=OrganisationSerializer,
        examples=[OpenApiExample("Monthly report on", value={"monthly_report": True}, request_only=True)],
    )
    def partial_update(self, request, pk=None):
        """An admin of the organisation switches its monthly report email on or off."""
        organisation = self.get_object()  # an organisation outside the viewer's slice is a 404
        if not (request.user.is_org_admin and request.user.organisation_id == organisation.pk):
            raise NotAllowed("Only an admin of this organisation may change its settings.")
        data = OrganisationUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if "monthly_report" in data.validated_data:
            organisation = services.organisation_monthly_report(
                actor=request.user, organisation=organisation, on=data.validated_data["monthly_report"]
            )
        return Response(OrganisationSerializer(organisation).data)


class UserViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Users you may see; org admins add members and change roles or deactivate them."""

    lookup_value_regex = "[0-9]+"  # ids are numbers; anything else is a 404, not a query

    serializer_class = UserSerializer

    def get_queryset(self):
        return users_visible_to(self.request.user).order_by("username")

    @extend_schema(request=UserCreateSerializer, responses={201: UserSerializer})
    def create(self, request):
        data = UserCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_create(actor=request.user, **data.validated_data)
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=UserUpdateSerializer, responses=UserSerializer)
    def partial_update(self, request, pk=None):
        user = self.get_object()  # a user outside the viewer's slice is a 404
        if not users_manageable_by(request.user).filter(pk=user.pk).exists():
            raise NotAllowed("Only an admin of the user's organisation may change their role or access.")
        data = UserUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_update(actor=request.user, user=user, **data.validated_data)
        return Response(UserSerializer(user).data)


class ApiTokenViewSet(
    mixins.ListModelMixin, mixins.DestroyModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Your tokens; an org admin sees, creates and revokes the tokens of the organisation's users."""

    serializer_class = ApiTokenSerializer
    lookup_field = "token_key"

    def _owners(self):
        return token_owners_for(self.request.user)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no real user
            return ApiToken.objects.none()
        return ApiToken.objects.filter(user__in=self._owners()).select_related("user").order_by("-created")

    @extend_schema(request=ApiTokenCreateSerializer, responses={201: TokenResponseSerializer})
    def create(self, request):
        data = ApiTokenCreateSerializer(data=request.data)
        data.fields["user"].queryset = self._owners()
        data.is_valid(raise_exception=True)
        owner = data.validated_data.get("user") or request.user
        token, key = services.token_create(
            actor=request.user,
            user=owner,
            name=data.validated_data["name"],
            expires_in=timedelta(days=data.validated_data["expires_in_days"]),
        )
        return Response({"token": key, "expiry": token.expiry}, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        services.token_revoke(actor=self.request.user, token=instance)
