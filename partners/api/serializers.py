from django.contrib.auth import authenticate
from rest_framework import serializers

from partners import twofactor
from partners.kinds import Role
from partners.models import ApiToken, Organisation, User


class OrganisationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "name", "kind", "country", "timezone", "distributor", "is_active", "monthly_report"]
        read_only_fields = fields


class OrganisationUpdateSerializer(serializers.Serializer):
    monthly_report = serializers.BooleanField(
        required=False,
        help_text="Email the organisation's people last month's report on the first business day of each month "
        "(in the organisation's zone). Only an admin of the organisation may change it.",
    )


class OrgRefSerializer(serializers.ModelSerializer):
    """How other resources name an organisation."""

    class Meta:
        model = Organisation
        fields = ["id", "name", "kind"]
        read_only_fields = fields


class UserSerializer(serializers.ModelSerializer):
    organisation: serializers.PrimaryKeyRelatedField[Organisation] = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "email", "first_name", "last_name", "role", "is_active", "organisation"]
        read_only_fields = ["id", "organisation"]


class MeSerializer(serializers.ModelSerializer):
    organisation = OrganisationSerializer(read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "email", "first_name", "last_name", "role", "organisation"]
        read_only_fields = fields


class UserCreateSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    email = serializers.EmailField()
    first_name = serializers.CharField(max_length=150, required=False, default="")
    last_name = serializers.CharField(max_length=150, required=False, default="")
    role = serializers.ChoiceField(choices=Role.choices, default="agent")


class UserUpdateSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    is_active = serializers.BooleanField(required=False)


class TokenObtainSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)
    name = serializers.CharField(max_length=100, required=False, default="API client")
    otp = serializers.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        default="",
        help_text="The current code of your authenticator (or a recovery code); required once two-factor sign-in "
        "is on for the account.",
    )

    def validate(self, attrs):
        request = self.context["request"]
        # Through authenticate() so that django-axes counts failures and locks out brute force.
        user = authenticate(request._request, username=attrs["username"], password=attrs["password"])
        if user is None:
            raise serializers.ValidationError(
                "Unable to sign in with that username and password.", code="invalid_credentials"
            )
        if user.organisation_id is None or not user.organisation.is_active:
            raise serializers.ValidationError("This account has no active organisation.", code="account_inactive")
        twofactor.check_code(user, attrs.pop("otp"))
        attrs["user"] = user
        return attrs


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()
    expiry = serializers.DateTimeField(allow_null=True)


class ApiTokenSerializer(serializers.ModelSerializer):
    user: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ApiToken
        fields = ["token_key", "name", "user", "created", "expiry"]
        read_only_fields = fields


class ApiTokenCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    # Limited to users the caller may manage in the view: another org's id is a 400, never a link.
    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.none(), required=False)
    expires_in_days = serializers.IntegerField(min_value=1, max_value=730, default=365)
